"""The signed-in home: /, /orgs (organizations, creating one, invitations received), /accept-invitation."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import SESSION_COOKIE, ApiResult
from inferadb_web.console import login_url, page_path
from inferadb_web.pages.common import LIST_LIMIT, console_of, field_errors, form_status, not_found, posted_form, submit
from inferadb_web.pages.org_context import home_path
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)


@router.get("/")
async def home(request: Request) -> Response:
    console = console_of(request)
    if not request.cookies.get(SESSION_COOKIE):
        return console.redirect("/login")
    # The current organization's overview: the one looked at last, else the first (pages/org_overview.py).
    return console.redirect(await home_path(request))


async def _orgs_page(
    request: Request, status: int = 200, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    console = console_of(request)
    orgs = await console.api.call(request, "GET", "/v1/organizations", params={"limit": LIST_LIMIT})
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
    form = await posted_form(request)
    if isinstance(form, Response):
        return form
    values = {"name": form.get("name", "")}

    async def refused(result: ApiResult) -> Response:
        return await _orgs_page(request, form_status(result), values, field_errors(result, "name"))

    return await submit(
        request, "POST", "/v1/organizations", json=values, here="/orgs", flash="org_created", refused=refused
    )


@router.post("/orgs/invitations/{invitation}/{action}")
async def answer_invitation(request: Request, invitation: str, action: str) -> Response:
    if action not in ("accept", "decline"):
        return not_found(request)
    form = await posted_form(request, invitation)
    if isinstance(form, Response):
        return form

    async def refused(result: ApiResult) -> Response:
        return await _orgs_page(request, form_status(result), errors={"invitations": result.message})

    path = f"/v1/users/me/invitations/{invitation}/{action}"
    flash = "invitation_accepted" if action == "accept" else "invitation_declined"
    return await submit(request, "POST", path, here="/orgs", flash=flash, refused=refused)


def _invitation_page(
    request: Request,
    token: str,
    here: str,
    status: int = 200,
    user: dict[str, Any] | None = None,
    signed_out: bool = False,
    errors: dict[str, str] | None = None,
) -> Response:
    """The page of an invitation link: who is signed in, or links to sign in or register and come back."""
    return console_of(request).render(
        request,
        "accept_invitation.html",
        status,
        token=token,
        user=user,
        signed_out=signed_out,
        login_link=login_url(here),
        register_link="/register?next=" + quote(here, safe="/"),
        errors=errors or {},
    )


@router.get("/accept-invitation")
async def accept_invitation_page(request: Request, token: str = "") -> Response:
    console = console_of(request)
    me = await console.api.call(request, "GET", "/v1/auth/me") if request.cookies.get(SESSION_COOKIE) else None
    user = me.data.get("user") if me is not None and me.ok else None
    return _invitation_page(request, token, page_path(request), user=user, signed_out=me is None or not me.ok)


@router.post("/accept-invitation")
async def accept_invitation(request: Request) -> Response:
    form = await posted_form(request)
    if isinstance(form, Response):
        return form
    token = form.get("token", "")
    here = "/accept-invitation?token=" + quote(token, safe="")

    async def refused(result: ApiResult) -> Response:
        return _invitation_page(request, token, here, form_status(result), errors={"form": result.message})

    body = {"token": token}
    return await submit(
        request,
        "POST",
        "/v1/organizations/invitations/accept",
        json=body,
        here=here,
        to="/orgs",
        flash="invitation_accepted",
        refused=refused,
    )
