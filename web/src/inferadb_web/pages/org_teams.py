"""/orgs/{org}/teams (the teams, "Create team") and /orgs/{org}/teams/{team}: its members (add one of the
organization's members, remove, manager flag) and its permissions (grant, revoke: OWNER only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.pages.common import (
    LIST_LIMIT,
    console_of,
    failed,
    form_status,
    is_id,
    listing,
    not_found,
    submit,
)
from inferadb_web.pages.org_collections import create_named
from inferadb_web.pages.org_context import at_least, caller_id, load_org, org_post, render_org
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

PERMISSIONS = (
    "ORG_PERM_CLIENT_CREATE",
    "ORG_PERM_CLIENT_READ",
    "ORG_PERM_CLIENT_REVOKE",
    "ORG_PERM_CLIENT_DELETE",
    "ORG_PERM_CLIENT_MANAGE",
    "ORG_PERM_VAULT_CREATE",
    "ORG_PERM_VAULT_DELETE",
    "ORG_PERM_TEAM_CREATE",
    "ORG_PERM_TEAM_DELETE",
    "ORG_PERM_TEAM_MANAGE_MEMBERS",
    "ORG_PERM_INVITE_USERS",
    "ORG_PERM_REVOKE_INVITATIONS",
    "ORG_PERM_OWNER_ACTIONS",
)


async def _teams_page(
    request: Request,
    org: dict[str, Any],
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    console = console_of(request)
    teams = await console.api.call(request, "GET", f"/v1/organizations/{org['id']}/teams", params={"limit": LIST_LIMIT})
    if not teams.ok:
        return failed(request, teams, "Teams", f"/orgs/{org['id']}/teams")
    return render_org(
        request,
        "org_teams.html",
        org,
        "teams",
        status,
        teams=teams.data.get("teams", []),
        can_create=at_least(org.get("role"), "ADMIN"),
        errors=errors or {},
        values=values or {},
    )


@router.get("/orgs/{org_id}/teams")
async def teams_page(request: Request, org_id: str) -> Response:
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    return await _teams_page(request, org)


@router.post("/orgs/{org_id}/teams")
async def create_team(request: Request, org_id: str) -> Response:
    posted = await org_post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted

    async def page(status: int, values: dict[str, str], errors: dict[str, str]) -> Response:
        return await _teams_page(request, org, status, errors, values)

    return await create_named(request, str(org["id"]), "teams", "team_created", form, page)


# --- one team --------------------------------------------------------------------------------------------


async def _team_page(
    request: Request, org: dict[str, Any], team_id: str, status: int = 200, errors: dict[str, str] | None = None
) -> Response:
    console = console_of(request)
    base = f"/v1/organizations/{org['id']}"
    team = await console.api.call(request, "GET", f"{base}/teams/{team_id}")
    if not team.ok:
        return failed(
            request, team, "Team not found" if team.status == 404 else "Team", f"/orgs/{org['id']}/teams/{team_id}"
        )
    team_members = await listing(request, f"{base}/teams/{team_id}/members", "members")
    user_id = await caller_id(request)
    role = org.get("role")
    is_manager = any(str(m.get("user_id")) == user_id and m.get("is_manager") for m in team_members)
    can_manage = at_least(role, "ADMIN") or is_manager
    candidates: list[dict[str, Any]] = []
    if can_manage:
        in_team = {str(m.get("user_id")) for m in team_members}
        org_members = await listing(request, f"{base}/members", "members")
        candidates = [m for m in org_members if str(m.get("user_id")) not in in_team]
    # The API lists permissions to an ADMIN or a member of the team; to anyone else the section is not shown.
    permissions = await console.api.call(
        request, "GET", f"{base}/teams/{team_id}/permissions", params={"limit": LIST_LIMIT}
    )
    granted: list[dict[str, Any]] = permissions.data.get("permissions", []) if permissions.ok else []
    held = {p.get("permission") for p in granted}
    return render_org(
        request,
        "org_team.html",
        org,
        "teams",
        status,
        team=team.data.get("team", {}),
        members=team_members,
        candidates=candidates,
        can_manage=can_manage,
        show_permissions=permissions.ok,
        permissions=granted,
        grantable=[p for p in PERMISSIONS if p not in held],
        is_owner=role == "OWNER",
        errors=errors or {},
    )


@router.get("/orgs/{org_id}/teams/{team_id}")
async def team_page(request: Request, org_id: str, team_id: str) -> Response:
    if not is_id(team_id):
        return not_found(request)
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    return await _team_page(request, org, team_id)


async def _act(
    request: Request,
    org: dict[str, Any],
    team_id: str,
    method: str,
    api_path: str,
    flash: str,
    error_key: str,
    json: dict[str, Any] | None = None,
) -> Response:
    """One change to a team through the API: back to the team's page with a flash, or its message there."""

    async def refused(result: ApiResult) -> Response:
        message = result.details.get(error_key, result.message) if result.details else result.message
        return await _team_page(request, org, team_id, form_status(result), {error_key: message})

    here = f"/orgs/{org['id']}/teams/{team_id}"
    path = f"/v1/organizations/{org['id']}/teams/{team_id}{api_path}"
    return await submit(request, method, path, json=json, here=here, flash=flash, refused=refused)


@router.post("/orgs/{org_id}/teams/{team_id}/members")
async def add_team_member(request: Request, org_id: str, team_id: str) -> Response:
    posted = await org_post(request, org_id, team_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"user_id": form.get("user_id", ""), "is_manager": form.get("is_manager") == "on"}
    return await _act(request, org, team_id, "POST", "/members", "team_member_added", "user_id", body)


@router.post("/orgs/{org_id}/teams/{team_id}/members/{member_id}/manager")
async def set_manager(request: Request, org_id: str, team_id: str, member_id: str) -> Response:
    posted = await org_post(request, org_id, team_id, member_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"is_manager": form.get("is_manager") == "true"}
    return await _act(request, org, team_id, "PATCH", f"/members/{member_id}", "team_member_updated", "members", body)


@router.post("/orgs/{org_id}/teams/{team_id}/members/{member_id}/remove")
async def remove_team_member(request: Request, org_id: str, team_id: str, member_id: str) -> Response:
    posted = await org_post(request, org_id, team_id, member_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted
    return await _act(request, org, team_id, "DELETE", f"/members/{member_id}", "team_member_removed", "members")


@router.post("/orgs/{org_id}/teams/{team_id}/permissions")
async def grant_permission(request: Request, org_id: str, team_id: str) -> Response:
    posted = await org_post(request, org_id, team_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"permission": form.get("permission", "")}
    return await _act(request, org, team_id, "POST", "/permissions", "permission_granted", "permission", body)


@router.post("/orgs/{org_id}/teams/{team_id}/permissions/{permission_id}/revoke")
async def revoke_permission(request: Request, org_id: str, team_id: str, permission_id: str) -> Response:
    posted = await org_post(request, org_id, team_id, permission_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted
    path = f"/permissions/{permission_id}"
    return await _act(request, org, team_id, "DELETE", path, "permission_revoked", "permissions")
