"""The signed-in user's own account: /account — profile, email addresses, password, sessions, and
deleting the account (console.md C2). The security section's forms (second factors, passkeys) are
handled in ``account_security``.

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
from inferadb_web.console import needs_reauthentication
from inferadb_web.pages.common import Rerender, console_of, field_errors, form_status, not_found, posted_form, submit
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

HERE = "/account"
_EMAIL_ACTIONS = {
    # form action → (method, API path suffix, flash)
    "resend": ("POST", "/resend-verification", "verification_sent"),
    "primary": ("PATCH", "", "primary_changed"),
    "remove": ("DELETE", "", "email_removed"),
}


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


def _passkey_view(passkey: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": passkey.get("id"),
        "name": passkey.get("name") or "Passkey",
        "created_at": _when(passkey.get("created_at")),
        "last_used_at": _when(passkey.get("last_used_at")) or "never",
    }


async def account_page_with(
    request: Request,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    enrolment: dict[str, Any] | None = None,
    recovery_codes: list[str] | None = None,
) -> Response:
    """The account page; ``enrolment`` (a TOTP enrolment just started) and ``recovery_codes`` (a set just
    made) are shown once, on this answer only."""
    console = console_of(request)
    me, emails, sessions, mfa, passkeys = await asyncio.gather(
        console.api.call(request, "GET", "/v1/users/me"),
        console.api.call(request, "GET", "/v1/users/emails"),
        console.api.call(request, "GET", "/v1/users/sessions"),
        console.api.call(request, "GET", "/v1/users/me/mfa"),
        console.api.call(request, "GET", "/v1/users/me/passkeys"),
    )
    if 401 in (me.status, emails.status, sessions.status, mfa.status, passkeys.status):
        return console.to_login(HERE)
    for result in (me, emails, sessions, mfa, passkeys):
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
        mfa=mfa.data,
        passkeys=[_passkey_view(item) for item in passkeys.data.get("passkeys", []) if isinstance(item, dict)],
        enrolment=enrolment,
        recovery_codes=recovery_codes,
        values={"name": user.get("name", ""), **values},
        errors=errors or {},
    )


async def _account_page(
    request: Request, status: int = 200, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    return await account_page_with(request, status, values, errors)


@router.get(HERE)
async def account_page(request: Request) -> Response:
    return await _account_page(request)


def _section_error(request: Request, section: str) -> Rerender:
    """The account page again with the API's message at the top of ``section``."""

    async def refused(result: ApiResult) -> Response:
        return await _account_page(request, form_status(result), errors={section: result.message})

    return refused


@router.post("/account/profile")
async def update_profile(request: Request) -> Response:
    form = await posted_form(request)
    if isinstance(form, Response):
        return form
    values = {"name": form.get("name", "")}

    async def refused(result: ApiResult) -> Response:
        return await _account_page(request, form_status(result), values, field_errors(result, "name"))

    return await submit(
        request, "PATCH", "/v1/users/me", json=values, here=HERE, flash="profile_updated", refused=refused
    )


@router.post("/account/emails")
async def add_email(request: Request) -> Response:
    form = await posted_form(request)
    if isinstance(form, Response):
        return form
    values = {"email": form.get("email", "")}

    async def refused(result: ApiResult) -> Response:
        return await _account_page(request, form_status(result), values, field_errors(result, "email"))

    return await submit(
        request, "POST", "/v1/users/emails", json=values, here=HERE, flash="email_added", refused=refused
    )


@router.post("/account/emails/{email}/{action}")
async def email_action(request: Request, email: str, action: str) -> Response:
    if action not in _EMAIL_ACTIONS:
        return not_found(request)
    form = await posted_form(request, email)
    if isinstance(form, Response):
        return form
    method, suffix, flash = _EMAIL_ACTIONS[action]
    body = {"is_primary": True} if action == "primary" else None
    path = f"/v1/users/emails/{email}{suffix}"
    return await submit(
        request, method, path, json=body, here=HERE, flash=flash, refused=_section_error(request, "emails")
    )


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    body = {"current_password": form.get("current_password", ""), "new_password": form.get("new_password", "")}
    result = await console.api.call(request, "POST", "/v1/users/me/password", json=body)
    if result.ok:
        # The API keeps this session and ends every other one.
        return console.redirect(HERE, flash="password_updated", result=result)
    if needs_reauthentication(result):
        return console.reauth_prompt(request)
    if result.status == 401 and result.data.get("code") == "INVALID_CREDENTIALS":
        errors = {"current_password": result.message}
    elif result.status == 401:
        return console.to_login(HERE)
    else:
        errors = result.details or {"password": result.message}
    return await _account_page(request, form_status(result), errors=errors)


@router.post("/account/sessions/revoke-all")
async def sign_out_everywhere(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    result = await console.api.call(request, "POST", "/v1/auth/sessions/revoke-all")
    if result.ok or result.status == 401:  # either way this browser is signed out now
        return console.redirect("/login", flash="signed_out_everywhere", result=result)
    return await _section_error(request, "sessions")(result)


@router.post("/account/sessions/{session}/revoke")
async def revoke_session(request: Request, session: str) -> Response:
    form = await posted_form(request, session)
    if isinstance(form, Response):
        return form
    # Had it been this browser's own session, the API's cookie clearing goes along (relay) and /account
    # then sends the browser to sign in.
    path = f"/v1/users/sessions/{session}"
    refused = _section_error(request, "sessions")
    return await submit(request, "DELETE", path, here=HERE, flash="session_revoked", relay=True, refused=refused)


@router.post("/account/delete")
async def delete_account(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    typed = form.get("confirm_email", "")
    me = await console.api.call(request, "GET", "/v1/users/me")
    if me.status == 401:
        return console.to_login(HERE)
    if not me.ok:
        return await _account_page(request, form_status(me), errors={"delete": me.message})
    email = str((me.data.get("user") or {}).get("email") or "")
    if not email or typed.strip().lower() != email.lower():
        errors = {"confirm_email": "Type your primary email address exactly to confirm"}
        return await _account_page(request, 400, {"confirm_email": typed}, errors)

    async def refused(result: ApiResult) -> Response:
        return await _account_page(request, form_status(result), {"confirm_email": typed}, {"delete": result.message})

    return await submit(
        request, "DELETE", "/v1/users/me", here=HERE, to="/login", flash="account_deleted", relay=True, refused=refused
    )
