"""/orgs/{org}/members: the members with their roles (change role, remove), "Invite" and the pending
invitations (revoke). Controls are offered by the caller's role: a MEMBER sees none, an ADMIN none on an
OWNER (and cannot make anyone OWNER); the API decides in the end and its message is shown."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.pages.org_overview import (
    LIST_LIMIT,
    ROLES,
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


def assignable_roles(caller_role: str | None) -> list[str]:
    """The roles the caller may give: only an OWNER grants OWNER."""
    return [role for role in ROLES if caller_role == "OWNER" or role != "OWNER"]


def can_manage(caller_role: str | None, member_role: str | None) -> bool:
    if caller_role == "OWNER":
        return True
    return caller_role == "ADMIN" and member_role != "OWNER"


async def _members_page(
    request: Request,
    org: dict[str, Any],
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    console = console_of(request)
    base = f"/v1/organizations/{org['id']}"
    members = await console.api.call(request, "GET", f"{base}/members", params={"limit": LIST_LIMIT})
    if not members.ok:
        return console.error(request, members.status, "Members", members.message)
    role = org.get("role")
    invitations: list[dict[str, Any]] = []
    if at_least(role, "ADMIN"):
        listed = await console.api.call(request, "GET", f"{base}/invitations", params={"limit": LIST_LIMIT})
        invitations = listed.data.get("invitations", []) if listed.ok else []
    user = await me(request)
    rows = [
        {
            **member,
            "is_me": str(member.get("user_id")) == str(user.get("id")),
            "manageable": can_manage(role, member.get("role")) and str(member.get("user_id")) != str(user.get("id")),
        }
        for member in members.data.get("members", [])
    ]
    return render_org(
        request,
        "org_members.html",
        org,
        "members",
        status,
        members=rows,
        invitations=invitations,
        can_invite=at_least(role, "ADMIN"),
        roles=assignable_roles(role),
        errors=errors or {},
        values=values or {},
    )


@router.get("/orgs/{org_id}/members")
async def members_page(request: Request, org_id: str) -> Response:
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    return await _members_page(request, org)


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


@router.post("/orgs/{org_id}/members/{member_id}/role")
async def change_role(request: Request, org_id: str, member_id: str) -> Response:
    posted = await _post(request, org_id, member_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    console = console_of(request)
    path = f"/v1/organizations/{org['id']}/members/{member_id}"
    result = await console.api.call(request, "PATCH", path, json={"role": form.get("role", "")})
    here = f"/orgs/{org['id']}/members"
    if result.status == 401:
        return console.to_login(here)
    if result.ok:
        return console.redirect(here, flash="member_role_changed")
    return await _members_page(request, org, failed_status(result), {"members": result.message})


@router.post("/orgs/{org_id}/members/{member_id}/remove")
async def remove_member(request: Request, org_id: str, member_id: str) -> Response:
    posted = await _post(request, org_id, member_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted
    console = console_of(request)
    result = await console.api.call(request, "DELETE", f"/v1/organizations/{org['id']}/members/{member_id}")
    here = f"/orgs/{org['id']}/members"
    if result.status == 401:
        return console.to_login(here)
    if result.ok:
        return console.redirect(here, flash="member_removed")
    return await _members_page(request, org, failed_status(result), {"members": result.message})


@router.post("/orgs/{org_id}/invitations")
async def invite(request: Request, org_id: str) -> Response:
    posted = await _post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    console = console_of(request)
    values = {"email": form.get("email", ""), "role": form.get("role", "")}
    result = await console.api.call(request, "POST", f"/v1/organizations/{org['id']}/invitations", json=values)
    here = f"/orgs/{org['id']}/members"
    if result.status == 401:
        return console.to_login(here)
    if result.ok:
        return console.redirect(here, flash="invitation_sent")
    errors = result.details or {"email": result.message}
    return await _members_page(request, org, failed_status(result), errors, values)


@router.post("/orgs/{org_id}/invitations/{invitation_id}/revoke")
async def revoke_invitation(request: Request, org_id: str, invitation_id: str) -> Response:
    posted = await _post(request, org_id, invitation_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted
    console = console_of(request)
    path = f"/v1/organizations/{org['id']}/invitations/{invitation_id}"
    result = await console.api.call(request, "DELETE", path)
    here = f"/orgs/{org['id']}/members"
    if result.status == 401:
        return console.to_login(here)
    if result.ok:
        return console.redirect(here, flash="invitation_revoked")
    return await _members_page(request, org, failed_status(result), {"invitations": result.message})
