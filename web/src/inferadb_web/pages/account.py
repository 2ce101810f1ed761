"""Signing up and in: /register, /login, sign out, /verify-email, /forgot-password, /reset-password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.console import safe_next
from inferadb_web.pages.common import console_of, form_status
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)


@router.get("/register")
async def register_page(request: Request, next: str | None = None) -> Response:
    return console_of(request).render(request, "register.html", next=safe_next(next, ""), values={}, errors={})


@router.post("/register")
async def register(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    values = {"name": form.get("name", ""), "email": form.get("email", "")}
    body = {**values, "password": form.get("password", "")}
    result = await console.api.call(request, "POST", "/v1/auth/register", json=body)
    if result.ok:
        if result.data.get("email_verification_required", True):
            return console.render(request, "check_email.html", purpose="verify", email=values["email"])
        return console.redirect(safe_next(form.get("next")), result=result)
    errors = result.details or {"email" if result.status == 409 else "form": result.message}
    return console.render(
        request,
        "register.html",
        form_status(result),
        next=safe_next(form.get("next"), ""),
        values=values,
        errors=errors,
    )


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    return console_of(request).render(request, "login.html", next=safe_next(next, ""), values={}, errors={})


@router.post("/login")
async def login(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    values = {"email": form.get("email", "")}
    body = {**values, "password": form.get("password", ""), "session_type": "web"}
    result = await console.api.call(request, "POST", "/v1/auth/login/password", json=body)
    if result.ok and result.set_cookies:
        return console.redirect(safe_next(form.get("next")), result=result)
    if result.ok and result.data.get("mfa_required"):
        # The second step (api.md §10): the token travels in the page, the code comes next.
        token = str(result.data.get("mfa_token", ""))
        return console.render(
            request, "login.html", next=safe_next(form.get("next"), ""), values={}, errors={}, mfa_token=token
        )
    errors = result.details or {"form": result.message}
    return console.render(
        request,
        "login.html",
        form_status(result),
        next=safe_next(form.get("next"), ""),
        values=values,
        errors=errors,
    )


@router.post("/login/mfa")
async def login_second_step(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    token = form.get("mfa_token", "")
    code, recovery_code = form.get("code", "").strip(), form.get("recovery_code", "").strip()
    body: dict[str, str] = {"mfa_token": token}
    if recovery_code and not code:
        body["recovery_code"] = recovery_code
    else:
        body["code"] = code
    result = await console.api.call(request, "POST", "/v1/auth/login/mfa", json=body)
    if result.ok and result.set_cookies:
        return console.redirect(safe_next(form.get("next")), result=result)
    field = "recovery_code" if "recovery_code" in body else "code"
    errors = {field: result.details.get(field) or result.message} if result.details else {field: result.message}
    return console.render(
        request,
        "login.html",
        form_status(result),
        next=safe_next(form.get("next"), ""),
        values={},
        errors=errors,
        mfa_token=token,
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    result = await console.api.call(request, "POST", "/v1/auth/logout")
    return console.redirect("/login", flash="signed_out", result=result)


@router.get("/verify-email")
async def verify_email_page(request: Request, token: str = "") -> Response:
    # Verified by a button, not on load: mail scanners and link previews fetch links with GET.
    return console_of(request).render(request, "verify_email.html", token=token, errors={})


@router.post("/verify-email")
async def verify_email(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    token = form.get("token", "")
    result = await console.api.call(request, "POST", "/v1/auth/verify-email", json={"token": token})
    if result.ok:
        return console.render(request, "email_verified.html", email=result.data.get("email"))
    errors = {"form": result.message}
    return console.render(request, "verify_email.html", form_status(result), token=token, errors=errors)


@router.get("/forgot-password")
async def forgot_password_page(request: Request) -> Response:
    return console_of(request).render(request, "forgot_password.html", values={}, errors={})


@router.post("/forgot-password")
async def forgot_password(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    values = {"email": form.get("email", "")}
    result = await console.api.call(request, "POST", "/v1/auth/password-reset/request", json=values)
    if result.ok:
        return console.render(request, "check_email.html", purpose="reset", email=values["email"])
    errors = result.details or {"form": result.message}
    return console.render(request, "forgot_password.html", form_status(result), values=values, errors=errors)


@router.get("/reset-password")
async def reset_password_page(request: Request, token: str = "") -> Response:
    return console_of(request).render(request, "reset_password.html", token=token, errors={})


@router.post("/reset-password")
async def reset_password(request: Request) -> Response:
    console = console_of(request)
    form = await console.form(request)
    if isinstance(form, Response):
        return form
    token = form.get("token", "")
    body = {"token": token, "new_password": form.get("new_password", "")}
    result = await console.api.call(request, "POST", "/v1/auth/password-reset/confirm", json=body)
    if result.ok:
        return console.redirect("/login", flash="password_changed", result=result)
    errors = result.details or {"form": result.message}
    return console.render(request, "reset_password.html", form_status(result), token=token, errors=errors)
