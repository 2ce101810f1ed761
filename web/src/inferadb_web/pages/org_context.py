"""What every /orgs/{org}/… page shares: the organization loaded for the caller (the layout
templates/org_base.html needs it), the caller's role in it, a POST's checked form with its
organization, rendering in the organization layout, and where `/` sends a signed-in user."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from inferadb_web.api import SESSION_COOKIE
from inferadb_web.console import page_path
from inferadb_web.pages.common import console_of, failed, is_id, not_found, posted_form

# The organization the user looked at last: `/` goes back to it. Only an id; checked again on every use.
ORG_COOKIE = "infera_org"
_ORG_COOKIE_AGE = 90 * 24 * 3600
ROLES = ("MEMBER", "ADMIN", "OWNER")
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def at_least(role: str | None, wanted: str) -> bool:
    return _RANK.get(role or "", -1) >= _RANK[wanted]


def is_admin(org: dict[str, Any]) -> bool:
    return at_least(org.get("role"), "ADMIN")


async def load_org(request: Request, org_id: str) -> dict[str, Any] | Response:
    """The organization as the API shows it to the caller (with the caller's ``role``), or the page to
    answer with instead (sign-in when the session has ended, the API's 404 when the caller is not a
    member)."""
    if not is_id(org_id):
        return not_found(request)
    result = await console_of(request).api.call(request, "GET", f"/v1/organizations/{org_id}")
    if not result.ok:
        title = "Organization not found" if result.status == 404 else "Organization"
        back = page_path(request) if request.method == "GET" else f"/orgs/{org_id}"
        return failed(request, result, title, back)
    org: dict[str, Any] = result.data.get("organization", {})
    return org


async def load_org_item(
    request: Request, org_id: str, item_id: str, collection: str, key: str, title: str
) -> tuple[dict[str, Any], dict[str, Any]] | Response:
    """The organization and one of its resources (``/v1/organizations/{org}/{collection}/{item}``, the
    object under ``key``), or the page to answer with instead (404 for ids that are not ids, sign-in
    when the session has ended, the API's refusal titled ``title``)."""
    if not is_id(org_id, item_id):
        return not_found(request)
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    found = await console_of(request).api.call(request, "GET", f"/v1/organizations/{org_id}/{collection}/{item_id}")
    if not found.ok:
        return failed(request, found, title, f"/orgs/{org_id}/{collection}/{item_id}")
    item: dict[str, Any] = found.data.get(key, {})
    return org, item


async def org_post(request: Request, org_id: str, *ids: str) -> tuple[dict[str, Any], dict[str, str]] | Response:
    """The organization and the checked form of a post to one of its pages (or the page to answer with):
    the path's other ``ids`` first, then the CSRF check, then the organization."""
    form = await posted_form(request, *ids)
    if isinstance(form, Response):
        return form
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    return org, form


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


async def caller_id(request: Request) -> str:
    """The signed-in user's id ("" when the API does not say), remembered per session
    (inferadb_web.session_users): it marks the caller's own rows, the API still decides every action."""
    console = console_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return ""
    if (known := console.session_users.get(cookie)) is not None:
        return known
    result = await console.api.call(request, "GET", "/v1/auth/me")
    user_id = result.data.get("user", {}).get("id") if result.ok else None
    if user_id is None:
        return ""
    console.session_users.remember(cookie, str(user_id))
    return str(user_id)


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
