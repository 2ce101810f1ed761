"""An organization's overview, /orgs/{org}: name, tier, status, counts; its settings (rename, suspend or
resume, transfer ownership, delete). The helpers every /orgs/{org}/… page shares are in org_context."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.console import needs_reauthentication
from inferadb_web.pages.common import LIST_LIMIT, console_of, form_status, submit
from inferadb_web.pages.org_context import ORG_COOKIE, at_least, caller_id, load_org, org_post, render_org
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)


def count(result: ApiResult, key: str) -> str:
    """A list's size from its pagination (the total when the API gives one)."""
    if not result.ok:
        return "–"
    pagination = result.data.get("pagination") or {}
    total = pagination.get("total")
    if isinstance(total, int):
        return str(total)
    items = len(result.data.get(key, []))
    return f"{items}+" if pagination.get("has_more") else str(items)


# --- the overview --------------------------------------------------------------------------------------


async def _overview(
    request: Request, org: dict[str, Any], status: int = 200, errors: dict[str, str] | None = None, **values: str
) -> Response:
    console = console_of(request)
    base = f"/v1/organizations/{org['id']}"
    members = await console.api.call(request, "GET", f"{base}/members", params={"limit": LIST_LIMIT})
    teams = await console.api.call(request, "GET", f"{base}/teams", params={"limit": "1"})
    vaults = await console.api.call(request, "GET", f"{base}/vaults", params={"limit": "1"})
    user_id = await caller_id(request)
    others = [m for m in members.data.get("members", []) if str(m.get("user_id")) != user_id]
    return render_org(
        request,
        "org_overview.html",
        org,
        "overview",
        status,
        counts={
            "Members": count(members, "members"),
            "Teams": count(teams, "teams"),
            "Vaults": count(vaults, "vaults"),
        },
        can_admin=at_least(org.get("role"), "ADMIN"),
        is_owner=org.get("role") == "OWNER",
        transfer_candidates=others,
        errors=errors or {},
        values=values,
    )


@router.get("/orgs/{org_id}")
async def overview_page(request: Request, org_id: str) -> Response:
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    return await _overview(request, org)


@router.post("/orgs/{org_id}/rename")
async def rename(request: Request, org_id: str) -> Response:
    posted = await org_post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    name = form.get("name", "")

    async def refused(result: ApiResult) -> Response:
        errors = {"name": result.details.get("name", result.message)}
        return await _overview(request, org, form_status(result), errors, name=name)

    here = f"/orgs/{org['id']}"
    path = f"/v1/organizations/{org['id']}"
    return await submit(request, "PATCH", path, json={"name": name}, here=here, flash="org_renamed", refused=refused)


@router.post("/orgs/{org_id}/suspend")
async def suspend(request: Request, org_id: str) -> Response:
    return await _suspend_or_resume(request, org_id, "suspend")


@router.post("/orgs/{org_id}/resume")
async def resume(request: Request, org_id: str) -> Response:
    return await _suspend_or_resume(request, org_id, "resume")


async def _suspend_or_resume(request: Request, org_id: str, action: str) -> Response:
    posted = await org_post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted

    async def refused(result: ApiResult) -> Response:
        return await _overview(request, org, form_status(result), {"status": result.message})

    flash = "org_suspended" if action == "suspend" else "org_resumed"
    path = f"/v1/organizations/{org['id']}/{action}"
    return await submit(request, "POST", path, here=f"/orgs/{org['id']}", flash=flash, refused=refused)


@router.post("/orgs/{org_id}/transfer-ownership")
async def transfer_ownership(request: Request, org_id: str) -> Response:
    posted = await org_post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    body = {"new_owner_user_id": form.get("new_owner_user_id", "")}

    async def refused(result: ApiResult) -> Response:
        errors = {"new_owner_user_id": result.details.get("new_owner_user_id", result.message)}
        return await _overview(request, org, form_status(result), errors)

    path = f"/v1/organizations/{org['id']}/transfer-ownership"
    here = f"/orgs/{org['id']}"
    return await submit(request, "POST", path, json=body, here=here, flash="ownership_transferred", refused=refused)


@router.post("/orgs/{org_id}/delete")
async def delete(request: Request, org_id: str) -> Response:
    posted = await org_post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    console = console_of(request)
    confirm = form.get("confirm", "")
    if confirm != org.get("name"):
        errors = {"confirm": "Type the organization's name exactly as shown to confirm."}
        return await _overview(request, org, 400, errors, confirm=confirm)
    result = await console.api.call(request, "DELETE", f"/v1/organizations/{org['id']}")
    if result.status == 401:
        return console.to_login(f"/orgs/{org['id']}")
    if needs_reauthentication(result):
        return console.reauth_prompt(request)
    if result.ok:
        response = console.redirect("/orgs", flash="org_deleted")
        response.delete_cookie(ORG_COOKIE, path="/", secure=console.cookie_secure, httponly=True, samesite="lax")
        return response
    return await _overview(request, org, form_status(result), {"confirm": result.message}, confirm=confirm)
