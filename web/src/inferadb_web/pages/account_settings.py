"""The signed-in user's own account: /account — profile, email addresses, password, sessions, and
deleting the account (console.md C2). Second factors and passkeys are not here yet (issue 17).

Every form posts to its own ``/account/…`` route, which calls one API route and answers ``303`` back
to ``/account`` with a flash, or re-renders the page with the API's status and its message next to
the field (``details.<field>``) or at the top of the section it came from.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.console import Console
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

HERE = "/account"
_EMAIL_ACTIONS = {
    # form action → (method, API path suffix, flash)
    "resend": ("POST", "/resend-verification", "verification_sent"),
    "primary": ("PATCH", "", "primary_changed"),
    "remove": ("DELETE", "", "email_removed"),
}


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def _failed_status(result: ApiResult) -> int:
    return result.status if 400 <= result.status < 500 else 400


def _when(value: Any) -> str:
    """An API timestamp as people read it: ``2026-12-01 22:40 UTC``."""
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _session_view(session: dict[str, Any]) -> dict[str, Any]:
    agent = str(session.get("user_agent") or "Unknown client")
    return {
        "id": session.get("id"),
        "current": bool(session.get("current")),
        "client": agent if len(agent) <= 120 else agent[:117] + "…",
        "kind": session.get("session_type") or "",
        "ip_address": session.get("ip_address") or "unknown address",
        "created_at": _when(session.get("created_at")),
        "last_activity_at": _when(session.get("last_activity_at")),
    }


async def _account_page(
    request: Request, status: int = 200, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    console = _console(request)
    me, emails, sessions = await asyncio.gather(
        console.api.call(request, "GET", "/v1/users/me"),
        console.api.call(request, "GET", "/v1/users/emails"),
        console.api.call(request, "GET", "/v1/users/sessions"),
    )
    if 401 in (me.status, emails.status, sessions.status):
        return console.to_login(HERE)
    for result in (me, emails, sessions):
        if not result.ok:
            return console.error(request, result.status, "Account", result.message)
    user: dict[str, Any] = me.data.get("user") or {}
    values = values or {}
    return console.render(
        request,
        "account.html",
        status,
        user=user,
        emails=emails.data.get("emails", []),
        sessions=[_session_view(item) for item in sessions.data.get("sessions", [])],
        values={"name": user.get("name", ""), **values},
        errors=errors or {},
    )


@router.get(HERE)
async def account_page(request: Request) -> Response:
    return await _account_page(request)


@router.post("/account/profile")
async def update_profile(request: Request) -> Response:
    console = _console(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    values = {"name": form.get("name", "")}
    result = await console.api.call(request, "PATCH", "/v1/users/me", json=values)
    if result.status == 401:
        return console.to_login(HERE)
    if result.ok:
        return console.redirect(HERE, flash="profile_updated")
    errors = result.details or {"name": result.message}
    return await _account_page(request, _failed_status(result), values, errors)


@router.post("/account/emails")
async def add_email(request: Request) -> Response:
    console = _console(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    values = {"email": form.get("email", "")}
    result = await console.api.call(request, "POST", "/v1/users/emails", json=values)
    if result.status == 401:
        return console.to_login(HERE)
    if result.ok:
        return console.redirect(HERE, flash="email_added")
    errors = result.details or {"email": result.message}
    return await _account_page(request, _failed_status(result), values, errors)


@router.post("/account/emails/{email}/{action}")
async def email_action(request: Request, email: str, action: str) -> Response:
    console = _console(request)
    if action not in _EMAIL_ACTIONS or not email.isdigit():
        return console.error(request, 404, "Page not found", "There is no page at this address.")
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    method, suffix, flash = _EMAIL_ACTIONS[action]
    body = {"is_primary": True} if action == "primary" else None
    result = await console.api.call(request, method, f"/v1/users/emails/{email}{suffix}", json=body)
    if result.status == 401:
        return console.to_login(HERE)
    if result.ok:
        return console.redirect(HERE, flash=flash)
    return await _account_page(request, _failed_status(result), errors={"emails": result.message})


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    console = _console(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    body = {"current_password": form.get("current_password", ""), "new_password": form.get("new_password", "")}
    result = await console.api.call(request, "POST", "/v1/users/me/password", json=body)
    if result.ok:
        # The API keeps this session and ends every other one.
        return console.redirect(HERE, flash="password_updated", result=result)
    if result.status == 401 and result.data.get("code") == "INVALID_CREDENTIALS":
        errors = {"current_password": result.message}
    elif result.status == 401:
        return console.to_login(HERE)
    else:
        errors = result.details or {"password": result.message}
    return await _account_page(request, _failed_status(result), errors=errors)


@router.post("/account/sessions/revoke-all")
async def sign_out_everywhere(request: Request) -> Response:
    console = _console(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    result = await console.api.call(request, "POST", "/v1/auth/sessions/revoke-all")
    if result.ok or result.status == 401:  # either way this browser is signed out now
        return console.redirect("/login", flash="signed_out_everywhere", result=result)
    return await _account_page(request, _failed_status(result), errors={"sessions": result.message})


@router.post("/account/sessions/{session}/revoke")
async def revoke_session(request: Request, session: str) -> Response:
    console = _console(request)
    if not session.isdigit():
        return console.error(request, 404, "Page not found", "There is no page at this address.")
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    result = await console.api.call(request, "DELETE", f"/v1/users/sessions/{session}")
    if result.status == 401:
        return console.to_login(HERE)
    if result.ok:
        # Had it been this browser's own session, the API's cookie clearing goes along and
        # /account then sends the browser to sign in.
        return console.redirect(HERE, flash="session_revoked", result=result)
    return await _account_page(request, _failed_status(result), errors={"sessions": result.message})


@router.post("/account/delete")
async def delete_account(request: Request) -> Response:
    console = _console(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    typed = form.get("confirm_email", "")
    me = await console.api.call(request, "GET", "/v1/users/me")
    if me.status == 401:
        return console.to_login(HERE)
    if not me.ok:
        return await _account_page(request, _failed_status(me), errors={"delete": me.message})
    email = str((me.data.get("user") or {}).get("email") or "")
    if not email or typed.strip().lower() != email.lower():
        errors = {"confirm_email": "Type your primary email address exactly to confirm"}
        return await _account_page(request, 400, {"confirm_email": typed}, errors)
    result = await console.api.call(request, "DELETE", "/v1/users/me")
    if result.status == 401:
        return console.to_login(HERE)
    if result.ok:
        return console.redirect("/login", flash="account_deleted", result=result)
    return await _account_page(request, _failed_status(result), {"confirm_email": typed}, {"delete": result.message})
