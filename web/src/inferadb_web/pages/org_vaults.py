"""/orgs/{org}/vaults and /orgs/{org}/vaults/{vault}: vaults with their sync status, creating one, the
grants of members and teams (add, change role, remove) and "Create token".

A vault token is shown once, in the answer to the POST that made it: it is never stored by the console,
never put in an address, and that answer is ``Cache-Control: no-store`` like every console page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.pages.common import (
    console_of,
    form_status,
    is_id,
    listing,
    not_found,
    posted_form,
    submit,
)
from inferadb_web.pages.org_collections import create_named, list_page
from inferadb_web.pages.org_context import caller_id, is_admin, load_org_item
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

VAULT_ROLES = ("READER", "WRITER", "MANAGER", "ADMIN")
# The token role each vault role allows at most (api.md §6: requested_role ≤ the caller's effective role).
TOKEN_ROLES = ("read", "write", "manage", "admin")
ACCESS_TTL_DEFAULT = 300
GRANT_KINDS = {"user": ("user-grants", "user_id"), "team": ("team-grants", "team_id")}


# --- the vault list ----------------------------------------------------------------------------------
@router.get("/orgs/{org}/vaults")
async def vaults_page(request: Request, org: str) -> Response:
    return await list_page(request, org, "vaults", "Vaults")


@router.post("/orgs/{org}/vaults")
async def create_vault(request: Request, org: str) -> Response:
    form = await posted_form(request, org)
    if isinstance(form, Response):
        return form

    async def page(status: int, values: dict[str, str], errors: dict[str, str]) -> Response:
        return await list_page(request, org, "vaults", "Vaults", status, values, errors)

    return await create_named(request, org, "vaults", "vault_created", form, page)


# --- one vault ------------------------------------------------------------------------------------------
async def _my_vault_role(
    request: Request, org: str, user_grants: list[dict[str, Any]], team_grants: list[dict[str, Any]]
) -> str | None:
    """The caller's effective vault role: the highest of their own grant and their teams' (api.md §5)."""
    user_id = await caller_id(request)
    ranks = [VAULT_ROLES.index(g["role"]) for g in user_grants if str(g.get("user_id")) == user_id]
    for grant in team_grants:
        if grant.get("role") not in VAULT_ROLES or (ranks and VAULT_ROLES.index(grant["role"]) <= max(ranks)):
            continue
        members = await listing(request, f"/v1/organizations/{org}/teams/{grant.get('team_id')}/members", "members")
        if any(str(member.get("user_id")) == user_id for member in members):
            ranks.append(VAULT_ROLES.index(grant["role"]))
    return VAULT_ROLES[max(ranks)] if ranks else None


async def _vault_page(
    request: Request,
    org: str,
    vault: str,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    token: dict[str, Any] | None = None,
) -> Response:
    loaded = await load_org_item(request, org, vault, "vaults", "vault", "Vault")
    if isinstance(loaded, Response):
        return loaded
    organization, found_vault = loaded
    console = console_of(request)
    base = f"/v1/organizations/{org}/vaults/{vault}"
    user_grants = await listing(request, f"{base}/user-grants", "grants")
    team_grants = await listing(request, f"{base}/team-grants", "grants")
    members = await listing(request, f"/v1/organizations/{org}/members", "members")
    teams = await listing(request, f"/v1/organizations/{org}/teams", "teams")
    my_role = await _my_vault_role(request, org, user_grants, team_grants)
    people = {str(member.get("user_id")): member for member in members}
    team_names = {str(team.get("id")): team.get("name", "") for team in teams}
    granted_users = {str(grant.get("user_id")) for grant in user_grants}
    granted_teams = {str(grant.get("team_id")) for grant in team_grants}
    token_roles = TOKEN_ROLES[: VAULT_ROLES.index(my_role) + 1] if my_role else ()
    return console.render(
        request,
        "org_vault.html",
        status,
        org=organization,
        section="vaults",
        vault=found_vault,
        user_grants=[{**grant, "member": people.get(str(grant.get("user_id")))} for grant in user_grants],
        team_grants=[{**grant, "team_name": team_names.get(str(grant.get("team_id")), "")} for grant in team_grants],
        ungranted_members=[m for m in members if str(m.get("user_id")) not in granted_users],
        ungranted_teams=[t for t in teams if str(t.get("id")) not in granted_teams],
        roles=VAULT_ROLES,
        my_role=my_role,
        can_manage=is_admin(organization) or my_role == "ADMIN",
        token_roles=token_roles,
        access_ttl_default=ACCESS_TTL_DEFAULT,
        token=token,
        errors=errors or {},
        values=values or {},
    )


@router.get("/orgs/{org}/vaults/{vault}")
async def vault_page(request: Request, org: str, vault: str) -> Response:
    return await _vault_page(request, org, vault)


@router.post("/orgs/{org}/vaults/{vault}/grants/{kind}")
async def add_grant(request: Request, org: str, vault: str, kind: str) -> Response:
    if kind not in GRANT_KINDS:
        return not_found(request)
    form = await posted_form(request, org, vault)
    if isinstance(form, Response):
        return form
    path, id_field = GRANT_KINDS[kind]
    here = f"/orgs/{org}/vaults/{vault}"
    body = {id_field: form.get(id_field, ""), "role": form.get("role", "")}

    async def refused(result: ApiResult) -> Response:
        return await _vault_page(request, org, vault, form_status(result), errors={f"{kind}_grant": result.message})

    api_path = f"/v1/organizations/{org}/vaults/{vault}/{path}"
    return await submit(request, "POST", api_path, json=body, here=here, flash="grant_added", refused=refused)


@router.post("/orgs/{org}/vaults/{vault}/grants/{kind}/{grant}")
async def change_grant(request: Request, org: str, vault: str, kind: str, grant: str) -> Response:
    if kind not in GRANT_KINDS:
        return not_found(request)
    form = await posted_form(request, org, vault, grant)
    if isinstance(form, Response):
        return form
    path = f"/v1/organizations/{org}/vaults/{vault}/{GRANT_KINDS[kind][0]}/{grant}"
    here = f"/orgs/{org}/vaults/{vault}"

    async def refused(result: ApiResult) -> Response:
        return await _vault_page(request, org, vault, form_status(result), errors={f"{kind}_grants": result.message})

    if form.get("action") == "remove":
        return await submit(request, "DELETE", path, here=here, flash="grant_removed", refused=refused)
    body = {"role": form.get("role", "")}
    return await submit(request, "PATCH", path, json=body, here=here, flash="grant_updated", refused=refused)


@router.get("/orgs/{org}/vaults/{vault}/tokens")
async def tokens_page(request: Request, org: str, vault: str) -> Response:
    """Reloading the page that showed a token shows the vault, never the token again."""
    if not is_id(org, vault):
        return not_found(request)
    return console_of(request).redirect(f"/orgs/{org}/vaults/{vault}")


@router.post("/orgs/{org}/vaults/{vault}/tokens")
async def create_token(request: Request, org: str, vault: str) -> Response:
    form = await posted_form(request, org, vault)
    if isinstance(form, Response):
        return form
    console = console_of(request)
    values = {"requested_role": form.get("requested_role", ""), "access_token_ttl": form.get("access_token_ttl", "")}
    body: dict[str, Any] = {"requested_role": values["requested_role"] or "read"}
    ttl = values["access_token_ttl"].strip()
    if ttl:
        if not (ttl.isascii() and ttl.isdigit()):
            errors = {"access_token_ttl": "Enter a whole number of seconds"}
            return await _vault_page(request, org, vault, 400, errors=errors, values=values)
        body["access_token_ttl"] = int(ttl)
    result = await console.api.call(request, "POST", f"/v1/organizations/{org}/vaults/{vault}/tokens", json=body)
    if result.status == 401:
        return console.to_login(f"/orgs/{org}/vaults/{vault}")
    if result.ok:
        return await _vault_page(request, org, vault, 200, token=result.data, values=values)
    errors = result.details or {"token": result.message}
    return await _vault_page(request, org, vault, form_status(result), errors=errors, values=values)
