"""An organization's overview, /orgs/{org}: name, tier, status, counts; its settings (rename, suspend or
resume, transfer ownership, delete). Also the helpers every /orgs/{org}/… page of this package shares:
loading the organization (the layout templates/org_base.html needs it), rendering with the remembered
organization, and where `/` sends a signed-in user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from inferadb_web.api import ApiResult
from inferadb_web.console import Console, page_path
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

# The organization the user looked at last: `/` goes back to it. Only an id; checked again on every use.
ORG_COOKIE = "infera_org"
_ORG_COOKIE_AGE = 90 * 24 * 3600
LIST_LIMIT = "100"
ROLES = ("MEMBER", "ADMIN", "OWNER")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def at_least(role: str | None, wanted: str) -> bool:
    return _RANK.get(role or "", -1) >= _RANK[wanted]


def failed_status(result: ApiResult) -> int:
    return result.status if 400 <= result.status < 500 else 400


def is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 20


def not_found(request: Request) -> HTMLResponse:
    return console_of(request).error(request, 404, "Page not found", "There is no page at this address.")


async def load_org(request: Request, org_id: str) -> dict[str, Any] | Response:
    """The organization as the API shows it to the caller, or the page to answer with instead
    (sign-in when the session has ended, the API's 404 when the caller is not a member)."""
    console = console_of(request)
    if not is_id(org_id):
        return not_found(request)
    result = await console.api.call(request, "GET", f"/v1/organizations/{org_id}")
    if result.status == 401:
        return console.to_login(page_path(request) if request.method == "GET" else f"/orgs/{org_id}")
    if not result.ok:
        title = "Organization not found" if result.status == 404 else "Organization"
        return console.error(request, result.status, title, result.message)
    org: dict[str, Any] = result.data.get("organization", {})
    return org


def render_org(
    request: Request, template: str, org: dict[str, Any], section: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page in the organization layout; the organization becomes the one `/` returns to."""
    console = console_of(request)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    response = console.render(request, template, status, org=org, section=section, **context)
    if status == 200:
        response.set_cookie(
            ORG_COOKIE,
            str(org.get("id", "")),
            max_age=_ORG_COOKIE_AGE,
            path="/",
            httponly=True,
            secure=console.cookie_secure,
            samesite="lax",
        )
    return response


async def me(request: Request) -> dict[str, Any]:
    result = await console_of(request).api.call(request, "GET", "/v1/auth/me")
    user: dict[str, Any] = result.data.get("user", {}) if result.ok else {}
    return user


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


async def home_path(request: Request) -> str:
    """Where `/` sends a signed-in user: the remembered organization if they still belong to it, else their
    first one, else /orgs (to create one). "/login" when the session has ended."""
    console = console_of(request)
    remembered = request.cookies.get(ORG_COOKIE, "")
    if is_id(remembered):
        result = await console.api.call(request, "GET", f"/v1/organizations/{remembered}")
        if result.status == 401:
            return "/login"
        if result.ok:
            return f"/orgs/{remembered}"
    orgs = await console.api.call(request, "GET", "/v1/organizations", params={"limit": "1"})
    if orgs.status == 401:
        return "/login"
    first = orgs.data.get("organizations", []) if orgs.ok else []
    return f"/orgs/{first[0]['id']}" if first else "/orgs"


# --- the overview --------------------------------------------------------------------------------------


async def _overview(
    request: Request, org: dict[str, Any], status: int = 200, errors: dict[str, str] | None = None, **values: str
) -> Response:
    console = console_of(request)
    base = f"/v1/organizations/{org['id']}"
    members = await console.api.call(request, "GET", f"{base}/members", params={"limit": LIST_LIMIT})
    teams = await console.api.call(request, "GET", f"{base}/teams", params={"limit": "1"})
    vaults = await console.api.call(request, "GET", f"{base}/vaults", params={"limit": "1"})
    user = await me(request)
    others = [m for m in members.data.get("members", []) if str(m.get("user_id")) != str(user.get("id"))]
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


async def _post(request: Request, org_id: str) -> tuple[dict[str, Any], dict[str, str]] | Response:
    """The organization and the checked form of a post to one of its pages (or the page to answer with)."""
    form = await console_of(request).form(request)
    if isinstance(form, Response):
        return form
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    return org, form


@router.post("/orgs/{org_id}/rename")
async def rename(request: Request, org_id: str) -> Response:
    posted = await _post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    console = console_of(request)
    name = form.get("name", "")
    result = await console.api.call(request, "PATCH", f"/v1/organizations/{org['id']}", json={"name": name})
    if result.status == 401:
        return console.to_login(f"/orgs/{org['id']}")
    if result.ok:
        return console.redirect(f"/orgs/{org['id']}", flash="org_renamed")
    errors = {"name": result.details.get("name", result.message)}
    return await _overview(request, org, failed_status(result), errors, name=name)


@router.post("/orgs/{org_id}/suspend")
async def suspend(request: Request, org_id: str) -> Response:
    return await _suspend_or_resume(request, org_id, "suspend")


@router.post("/orgs/{org_id}/resume")
async def resume(request: Request, org_id: str) -> Response:
    return await _suspend_or_resume(request, org_id, "resume")


async def _suspend_or_resume(request: Request, org_id: str, action: str) -> Response:
    posted = await _post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, _ = posted
    console = console_of(request)
    result = await console.api.call(request, "POST", f"/v1/organizations/{org['id']}/{action}")
    if result.status == 401:
        return console.to_login(f"/orgs/{org['id']}")
    if result.ok:
        return console.redirect(f"/orgs/{org['id']}", flash="org_suspended" if action == "suspend" else "org_resumed")
    return await _overview(request, org, failed_status(result), {"status": result.message})


@router.post("/orgs/{org_id}/transfer-ownership")
async def transfer_ownership(request: Request, org_id: str) -> Response:
    posted = await _post(request, org_id)
    if isinstance(posted, Response):
        return posted
    org, form = posted
    console = console_of(request)
    target = form.get("new_owner_user_id", "")
    result = await console.api.call(
        request, "POST", f"/v1/organizations/{org['id']}/transfer-ownership", json={"new_owner_user_id": target}
    )
    if result.status == 401:
        return console.to_login(f"/orgs/{org['id']}")
    if result.ok:
        return console.redirect(f"/orgs/{org['id']}", flash="ownership_transferred")
    errors = {"new_owner_user_id": result.details.get("new_owner_user_id", result.message)}
    return await _overview(request, org, failed_status(result), errors)


@router.post("/orgs/{org_id}/delete")
async def delete(request: Request, org_id: str) -> Response:
    posted = await _post(request, org_id)
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
    if result.ok:
        response = console.redirect("/orgs", flash="org_deleted")
        response.delete_cookie(ORG_COOKIE, path="/", secure=console.cookie_secure, httponly=True, samesite="lax")
        return response
    return await _overview(request, org, failed_status(result), {"confirm": result.message}, confirm=confirm)
