"""The security section of /account (console.md C2, api.md §10): turning TOTP on (the QR code and the
secret, then a code to confirm, then the recovery codes shown once), new recovery codes, turning it
off, and removing passkeys. Adding a passkey and signing in with one need the browser's WebAuthn API:
``static/passkeys.js`` calls the API directly. Every action here needs a recent sign-in; when the API
asks for one the console shows the re-authentication form (``Console.reauth_prompt``), which posts the
action again with the password or code and so completes it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.console import needs_reauthentication
from inferadb_web.pages.account_settings import HERE, account_page_with
from inferadb_web.pages.common import console_of, form_status, posted_form, submit
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)


async def _call(request: Request, method: str, path: str, json: dict[str, str] | None = None) -> Response | ApiResult:
    """The API's answer, or the response that replaces the page: sign in again, or re-authenticate first."""
    console = console_of(request)
    result = await console.api.call(request, method, path, json=json)
    if result.status == 401 and result.data.get("code") == "INVALID_SESSION":
        return console.to_login(HERE)
    if needs_reauthentication(result):
        return console.reauth_prompt(request)
    return result


@router.post("/account/mfa/totp")
async def start_totp(request: Request) -> Response:
    form = await posted_form(request)
    if isinstance(form, Response):
        return form
    result = await _call(request, "POST", "/v1/users/me/mfa/totp")
    if isinstance(result, Response):
        return result
    if not result.ok:
        return await account_page_with(request, form_status(result), errors={"security": result.message})
    return await account_page_with(request, enrolment=result.data)


@router.post("/account/mfa/totp/confirm")
async def confirm_totp(request: Request) -> Response:
    form = await posted_form(request)
    if isinstance(form, Response):
        return form
    result = await _call(request, "POST", "/v1/users/me/mfa/totp/confirm", {"code": form.get("code", "").strip()})
    if isinstance(result, Response):
        return result
    if not result.ok:
        message = result.details.get("code") or result.message
        return await account_page_with(request, form_status(result), errors={"security": message})
    codes = [str(code) for code in result.data.get("recovery_codes", [])]
    return await account_page_with(request, recovery_codes=codes)


@router.post("/account/mfa/recovery-codes")
async def new_recovery_codes(request: Request) -> Response:
    form = await posted_form(request)
    if isinstance(form, Response):
        return form
    result = await _call(request, "POST", "/v1/users/me/mfa/recovery-codes")
    if isinstance(result, Response):
        return result
    if not result.ok:
        return await account_page_with(request, form_status(result), errors={"security": result.message})
    return await account_page_with(
        request, recovery_codes=[str(code) for code in result.data.get("recovery_codes", [])]
    )


@router.post("/account/mfa/totp/disable")
async def disable_totp(request: Request) -> Response:
    form = await posted_form(request)
    if isinstance(form, Response):
        return form

    async def refused(result: ApiResult) -> Response:
        return await account_page_with(request, form_status(result), errors={"security": result.message})

    return await submit(request, "DELETE", "/v1/users/me/mfa/totp", here=HERE, flash="mfa_disabled", refused=refused)


@router.post("/account/passkeys/{passkey}/remove")
async def remove_passkey(request: Request, passkey: str) -> Response:
    form = await posted_form(request, passkey)
    if isinstance(form, Response):
        return form

    async def refused(result: ApiResult) -> Response:
        return await account_page_with(request, form_status(result), errors={"passkeys": result.message})

    path = f"/v1/users/me/passkeys/{passkey}"
    return await submit(request, "DELETE", path, here=HERE, flash="passkey_removed", refused=refused)
