"""/orgs/{org}/members: the members with their roles (change role, remove), "Invite" and the pending
invitations (revoke). Controls are offered by the caller's role: a MEMBER sees none, an ADMIN none on an
OWNER (and cannot make anyone OWNER); the API decides in the end and its message is shown."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.pages.common import (
    LIST_LIMIT,
    console_of,
    failed,
    field_errors,
    form_status,
    listing,
    submit,
)
from inferadb_web.pages.org_context import ROLES, at_least, caller_id, load_org, org_post, render_org
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)


def assignable_roles(caller_role: str | None) -> list[str]:
    """The roles the caller may give: only an OWNER grants OWNER."""
    return [role for role in ROLES if caller_role == "OWNER" or role != "OWNER"]


def can_manage(caller_role: str | None, member_role: str | None) -> bool:
    if caller_role == "OWNER":
        return True
    return caller_role == "ADMIN" and member_role != "OWNER"


async def _nothing() -> list[dict[str, Any]]:
    return []


async def _members_page(
    request: Request,
    org: dict[str, Any],
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    console = console_of(request)
    base = f"/v1/organizations/{org['id']}"
    role = org.get("role")
    # The page's API calls at once (bench/p10_console.py): one round trip's wait instead of three.
    members, user_id, invitations = await asyncio.gather(
        console.api.call(request, "GET", f"{base}/members", params={"limit": LIST_LIMIT}),
        caller_id(request),
        listing(request, f"{base}/invitations", "invitations") if at_least(role, "ADMIN") else _nothing(),
    )
    if not members.ok:
        return failed(request, members, "Members", f"/orgs/{org['id']}/members")
    rows = [
        {
            **member,
            "is_me": str(member.get("user_id")) == user_id,
            "manageable": can_manage(role, member.get("role")) and str(member.get("user_id")) != user_id,
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
        manage_column=any(row["manageable"] for row in rows),
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


async def _change(
    request: Request,
    org: dict[str, Any],
    method: str,
    api_path: str,
    flash: str,
    error_key: str,
    json: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """One change on the members page through the API: back to it with a flash, or the page again with
    the API's message at ``error_key`` (and, for a form with ``values``, its messages by field)."""

    async def refused(result: ApiResult) -> Response:
        errors = field_errors(result, error_key) if values else {error_key: result.message}
        return await _members_page(request, org, form_status(result), errors, values)

    path = f"/v1/organizations/{org['id']}{api_path}"
    here = f"/orgs/{org['id']}/members"
    return await submit(request, method, path, json=json, here=here, flash=flash, refused=refused)


@router.post("/orgs/{org_id}/members/{member_id}/role")
async def change_role(request: Request, org_id: str, member_id: str) -> Response:
    posted = await org_post(request, org_id, member_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"role": form.get("role", "")}
    return await _change(request, org, "PATCH", f"/members/{member_id}", "member_role_changed", "members", body)


@router.post("/orgs/{org_id}/members/{member_id}/remove")
async def remove_member(request: Request, org_id: str, member_id: str) -> Response:
    posted = await org_post(request, org_id, member_id)
    if isinstance(posted, Response):
        return posted
    return await _change(request, posted[0], "DELETE", f"/members/{member_id}", "member_removed", "members")


@router.post("/orgs/{org_id}/invitations")
async def invite(request: Request, org_id: str) -> Response:
    posted = await org_post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    values = {"email": form.get("email", ""), "role": form.get("role", "")}
    return await _change(request, org, "POST", "/invitations", "invitation_sent", "email", values, values)


@router.post("/orgs/{org_id}/invitations/{invitation_id}/revoke")
async def revoke_invitation(request: Request, org_id: str, invitation_id: str) -> Response:
    posted = await org_post(request, org_id, invitation_id)
    if isinstance(posted, Response):
        return posted
    path = f"/invitations/{invitation_id}"
    return await _change(request, posted[0], "DELETE", path, "invitation_revoked", "invitations")
