"""The signed-in home: /, /orgs (organizations, creating one, invitations received), /accept-invitation."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import SESSION_COOKIE
from inferadb_web.console import Console, login_url, page_path
from inferadb_web.pages.org_overview import home_path
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

_LIST_LIMIT = "100"


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


@router.get("/")
async def home(request: Request) -> Response:
    console = _console(request)
    if not request.cookies.get(SESSION_COOKIE):
        return console.redirect("/login")
    # The current organization's overview: the one looked at last, else the first (pages/org_overview.py).
    return console.redirect(await home_path(request))


async def _orgs_page(
    request: Request, status: int = 200, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    console = _console(request)
    orgs = await console.api.call(request, "GET", "/v1/organizations", params={"limit": _LIST_LIMIT})
    if orgs.status == 401:
        return console.to_login("/orgs")
    if not orgs.ok:
        return console.error(request, orgs.status, "Organizations", orgs.message)
    invitations = await console.api.call(request, "GET", "/v1/users/me/invitations")
    received: list[dict[str, Any]] = invitations.data.get("invitations", []) if invitations.ok else []
    return console.render(
        request,
        "orgs.html",
        status,
        organizations=orgs.data.get("organizations", []),
        invitations=[item for item in received if item.get("status") == "pending"],
        values=values or {},
        errors=errors or {},
    )


@router.get("/orgs")
async def orgs_page(request: Request) -> Response:
    return await _orgs_page(request)


@router.post("/orgs")
async def create_org(request: Request) -> Response:
    console = _console(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    values = {"name": form.get("name", "")}
    result = await console.api.call(request, "POST", "/v1/organizations", json=values)
    if result.status == 401:
        return console.to_login("/orgs")
    if result.ok:
        return console.redirect("/orgs", flash="org_created")
    errors = result.details or {"name": result.message}
    return await _orgs_page(request, result.status if result.status < 500 else 400, values, errors)


@router.post("/orgs/invitations/{invitation}/{action}")
async def answer_invitation(request: Request, invitation: str, action: str) -> Response:
    console = _console(request)
    if action not in ("accept", "decline") or not invitation.isdigit():
        return console.error(request, 404, "Page not found", "There is no page at this address.")
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    path = f"/v1/users/me/invitations/{invitation}/{action}"
    result = await console.api.call(request, "POST", path)
    if result.status == 401:
        return console.to_login("/orgs")
    if result.ok:
        return console.redirect("/orgs", flash="invitation_accepted" if action == "accept" else "invitation_declined")
    return await _orgs_page(
        request, result.status if result.status < 500 else 400, errors={"invitations": result.message}
    )


@router.get("/accept-invitation")
async def accept_invitation_page(request: Request, token: str = "") -> Response:
    console = _console(request)
    me = await console.api.call(request, "GET", "/v1/auth/me") if request.cookies.get(SESSION_COOKIE) else None
    signed_in = me is not None and me.ok
    here = page_path(request)
    return console.render(
        request,
        "accept_invitation.html",
        token=token,
        user=(me.data.get("user") if me is not None and me.ok else None),
        signed_out=not signed_in,
        login_link=login_url(here),
        register_link="/register?next=" + quote(here, safe="/"),
        errors={},
    )


@router.post("/accept-invitation")
async def accept_invitation(request: Request) -> Response:
    console = _console(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    token = form.get("token", "")
    here = "/accept-invitation?token=" + quote(token, safe="")
    result = await console.api.call(request, "POST", "/v1/organizations/invitations/accept", json={"token": token})
    if result.status == 401:
        return console.to_login(here)
    if result.ok:
        return console.redirect("/orgs", flash="invitation_accepted")
    return console.render(
        request,
        "accept_invitation.html",
        result.status if result.status < 500 else 400,
        token=token,
        user=None,
        signed_out=False,
        login_link=login_url(here),
        register_link="/register?next=" + quote(here, safe="/"),
        errors={"form": result.message},
    )
