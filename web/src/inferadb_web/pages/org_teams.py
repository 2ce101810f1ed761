"""/orgs/{org}/teams (the teams, "Create team") and /orgs/{org}/teams/{team}: its members (add one of the
organization's members, remove, manager flag) and its permissions (grant, revoke: OWNER only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.pages.org_overview import (
    LIST_LIMIT,
    at_least,
    console_of,
    failed_status,
    is_id,
    load_org,
    me,
    not_found,
    render_org,
)
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
        return console.error(request, teams.status, "Teams", teams.message)
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


async def _post(request: Request, org_id: str, *ids: str) -> tuple[dict[str, Any], dict[str, str]] | Response:
    if not all(is_id(value) for value in ids):
        return not_found(request)
    form = await console_of(request).form(request)
    if isinstance(form, Response):
        return form
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    return org, form


@router.post("/orgs/{org_id}/teams")
async def create_team(request: Request, org_id: str) -> Response:
    posted = await _post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    console = console_of(request)
    values = {"name": form.get("name", ""), "description": form.get("description", "")}
    body: dict[str, str] = {"name": values["name"]}
    if values["description"].strip():
        body["description"] = values["description"]
    result = await console.api.call(request, "POST", f"/v1/organizations/{org['id']}/teams", json=body)
    if result.status == 401:
        return console.to_login(f"/orgs/{org['id']}/teams")
    if result.ok:
        team = result.data.get("team", {})
        return console.redirect(f"/orgs/{org['id']}/teams/{team.get('id')}", flash="team_created")
    errors = result.details or {"name": result.message}
    return await _teams_page(request, org, failed_status(result), errors, values)


# --- one team --------------------------------------------------------------------------------------------


async def _team_page(
    request: Request, org: dict[str, Any], team_id: str, status: int = 200, errors: dict[str, str] | None = None
) -> Response:
    console = console_of(request)
    base = f"/v1/organizations/{org['id']}"
    team = await console.api.call(request, "GET", f"{base}/teams/{team_id}")
    if not team.ok:
        title = "Team not found" if team.status == 404 else "Team"
        return console.error(request, team.status, title, team.message)
    members = await console.api.call(request, "GET", f"{base}/teams/{team_id}/members", params={"limit": LIST_LIMIT})
    team_members: list[dict[str, Any]] = members.data.get("members", []) if members.ok else []
    user = await me(request)
    role = org.get("role")
    is_manager = any(str(m.get("user_id")) == str(user.get("id")) and m.get("is_manager") for m in team_members)
    can_manage = at_least(role, "ADMIN") or is_manager
    candidates: list[dict[str, Any]] = []
    if can_manage:
        org_members = await console.api.call(request, "GET", f"{base}/members", params={"limit": LIST_LIMIT})
        in_team = {str(m.get("user_id")) for m in team_members}
        candidates = [m for m in org_members.data.get("members", []) if str(m.get("user_id")) not in in_team]
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
    console = console_of(request)
    here = f"/orgs/{org['id']}/teams/{team_id}"
    result = await console.api.call(
        request, method, f"/v1/organizations/{org['id']}/teams/{team_id}{api_path}", json=json
    )
    if result.status == 401:
        return console.to_login(here)
    if result.ok:
        return console.redirect(here, flash=flash)
    message = result.details.get(error_key, result.message) if result.details else result.message
    return await _team_page(request, org, team_id, failed_status(result), {error_key: message})


@router.post("/orgs/{org_id}/teams/{team_id}/members")
async def add_team_member(request: Request, org_id: str, team_id: str) -> Response:
    posted = await _post(request, org_id, team_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"user_id": form.get("user_id", ""), "is_manager": form.get("is_manager") == "on"}
    return await _act(request, org, team_id, "POST", "/members", "team_member_added", "user_id", body)


@router.post("/orgs/{org_id}/teams/{team_id}/members/{member_id}/manager")
async def set_manager(request: Request, org_id: str, team_id: str, member_id: str) -> Response:
    posted = await _post(request, org_id, team_id, member_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"is_manager": form.get("is_manager") == "true"}
    return await _act(request, org, team_id, "PATCH", f"/members/{member_id}", "team_member_updated", "members", body)


@router.post("/orgs/{org_id}/teams/{team_id}/members/{member_id}/remove")
async def remove_team_member(request: Request, org_id: str, team_id: str, member_id: str) -> Response:
    posted = await _post(request, org_id, team_id, member_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted
    return await _act(request, org, team_id, "DELETE", f"/members/{member_id}", "team_member_removed", "members")


@router.post("/orgs/{org_id}/teams/{team_id}/permissions")
async def grant_permission(request: Request, org_id: str, team_id: str) -> Response:
    posted = await _post(request, org_id, team_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"permission": form.get("permission", "")}
    return await _act(request, org, team_id, "POST", "/permissions", "permission_granted", "permission", body)


@router.post("/orgs/{org_id}/teams/{team_id}/permissions/{permission_id}/revoke")
async def revoke_permission(request: Request, org_id: str, team_id: str, permission_id: str) -> Response:
    posted = await _post(request, org_id, team_id, permission_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted
    path = f"/permissions/{permission_id}"
    return await _act(request, org, team_id, "DELETE", path, "permission_revoked", "permissions")
