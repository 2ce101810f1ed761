"""What every page handler uses: rendering (with the CSRF token and the flash message), checked form
posts, redirects (with a flash, or to sign-in and back), and relaying the API's cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from inferadb_common.config import Settings
from inferadb_web.api import SESSION_COOKIE, ApiClient, ApiResult, MailerClient
from inferadb_web.csrf import FIELD, CsrfProtection
from inferadb_web.session_users import SessionUsers

FLASH_COOKIE = "infera_flash"
# api.md §10: the API's answer to a dangerous action from a session that has not proved itself lately;
# the console asks for a factor inline (fields ``reauth_password`` / ``reauth_code``) and completes the action.
REAUTHENTICATION_REQUIRED = "REAUTHENTICATION_REQUIRED"
REAUTH_FIELDS = ("reauth_password", "reauth_code")
# Flash messages are chosen by key: the cookie can never carry text of its own onto a page.
FLASHES = {
    "signed_out": "You are signed out.",
    "password_changed": "Password changed. Sign in with your new password.",
    "org_created": "Organization created.",
    "invitation_accepted": "Invitation accepted.",
    "invitation_declined": "Invitation declined.",
    "session_expired": "Your session has ended. Sign in again to continue.",
    "vault_created": "Vault created.",
    "grant_added": "Access granted.",
    "grant_updated": "Role changed.",
    "grant_removed": "Access removed.",
    "client_created": "Client created.",
    "client_deactivated": "Client deactivated: its certificates and refresh tokens are revoked.",
    "client_deleted": "Client deleted.",
    "certificate_added": "Public key uploaded.",
    "certificate_revoked": "Certificate revoked.",
    "certificate_deleted": "Certificate deleted.",
    # the account page (pages/account_settings.py)
    "profile_updated": "Profile saved.",
    "email_added": "Email address added. Open the link we sent to it to verify it.",
    "verification_sent": "Verification email sent.",
    "primary_changed": "Primary email address changed.",
    "email_removed": "Email address removed.",
    "password_updated": "Password changed. Your other sessions are signed out.",
    "session_revoked": "Session signed out.",
    "signed_out_everywhere": "You are signed out on every device.",
    "account_deleted": "Your account has been deleted.",
    "mfa_disabled": "Two-factor authentication is off.",
    "passkey_removed": "Passkey removed.",
    # organization pages (pages/org_overview.py, org_members.py, org_teams.py)
    "org_renamed": "Organization renamed.",
    "org_suspended": "Organization suspended.",
    "org_resumed": "Organization resumed.",
    "ownership_transferred": "Ownership transferred.",
    "org_deleted": "Organization deleted.",
    "member_role_changed": "Role changed.",
    "member_removed": "Member removed.",
    "invitation_sent": "Invitation sent.",
    "invitation_revoked": "Invitation revoked.",
    "team_created": "Team created.",
    "team_member_added": "Team member added.",
    "team_member_updated": "Team member updated.",
    "team_member_removed": "Team member removed.",
    "permission_granted": "Permission granted.",
    "permission_revoked": "Permission revoked.",
}
_MAX_FORM_FIELDS = 50
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Pages carry single-use tokens in their address (verify, reset, invitation): never in a Referer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def safe_next(value: str | None, default: str = "/orgs") -> str:
    """A local path to go back to after signing in; anything that could leave the site is dropped."""
    # Browsers drop tabs and line breaks from an address ("/\t/evil.example" is "//evil.example") and
    # read "\\" as "/": a path with any of them, or any other control character, is refused.
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        return default
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


class Console:
    def __init__(
        self, settings: Settings, api: ApiClient, csrf: CsrfProtection, mailer: MailerClient | None = None
    ) -> None:
        self.settings = settings
        self.api = api
        self.csrf = csrf
        self.mailer = mailer
        self.cookie_secure = settings.auth.cookie_secure
        self.session_users = SessionUsers()

    # --- responses -------------------------------------------------------------------------------
    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        token, new_cookie = self.csrf.token_for(request)
        flash = FLASHES.get(request.cookies.get(FLASH_COOKIE, ""))
        html = _templates.get_template(template).render(
            csrf_field=FIELD,
            csrf_token=token,
            flash=flash,
            signed_in=bool(request.cookies.get(SESSION_COOKIE)),
            dev_inbox=self.settings.email.dev_inbox,
            password_min_length=self.settings.auth.password_min_length,
            **context,
        )
        response = HTMLResponse(html, status_code=status, headers=_SECURITY_HEADERS)
        if new_cookie is not None:
            self.csrf.set_cookie(response, new_cookie)
        if FLASH_COOKIE in request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/", secure=self.cookie_secure, httponly=True, samesite="lax")
        return response

    def error(self, request: Request, status: int, title: str, message: str) -> HTMLResponse:
        return self.render(request, "error.html", status, title=title, message=message)

    def forbidden(self, request: Request) -> HTMLResponse:
        return self.error(
            request,
            403,
            "Request refused",
            "This form could not be accepted: it came from another site or its security token was missing "
            "or out of date. Go back, reload the page and try again.",
        )

    def unavailable(self, request: Request) -> HTMLResponse:
        return self.error(
            request, 503, "Service unavailable", "The service did not answer. Try again in a few seconds."
        )

    def redirect(self, url: str, flash: str | None = None, result: ApiResult | None = None) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
        if flash is not None:
            response.set_cookie(
                FLASH_COOKIE, flash, max_age=60, path="/", httponly=True, secure=self.cookie_secure, samesite="lax"
            )
        if result is not None:
            relay_cookies(response, result)
        return response

    def to_login(self, next_path: str) -> RedirectResponse:
        """The session is missing or has ended: sign in, then come back here."""
        return self.redirect(login_url(safe_next(next_path)), flash="session_expired")

    # --- forms -----------------------------------------------------------------------------------
    async def form(self, request: Request) -> dict[str, str] | HTMLResponse:
        """The posted fields, or the 403 page when the post is cross-site or its CSRF token is wrong."""
        if self.csrf.cross_site(request):
            return self.forbidden(request)
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        fields: dict[str, str] = {}
        if content_type == "application/x-www-form-urlencoded":
            body = (await request.body()).decode("utf-8", errors="replace")
            try:
                pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=_MAX_FORM_FIELDS)
            except ValueError:
                return self.forbidden(request)
            fields = dict(pairs)
        if not self.csrf.valid_token(request, fields.pop(FIELD, None)):
            return self.forbidden(request)
        password, code = (fields.pop(name, "") for name in REAUTH_FIELDS)
        request.state.console_form = fields
        if password or code:
            proof = {"code": code} if code else {"password": password}
            result = await self.api.call(request, "POST", "/v1/auth/reauthenticate", json=proof)
            if not result.ok:
                field = "reauth_code" if code else "reauth_password"
                return self.reauth_prompt(request, {field: result.message})
        return fields

    def reauth_prompt(self, request: Request, errors: dict[str, str] | None = None) -> HTMLResponse:
        """The action just posted, asked again with a password or code first (the API wants a recent proof)."""
        fields: dict[str, str] = getattr(request.state, "console_form", {})
        return self.render(
            request, "reauthenticate.html", 403, action=request.url.path, fields=fields, errors=errors or {}
        )


def needs_reauthentication(result: ApiResult) -> bool:
    return result.status == 403 and result.data.get("code") == REAUTHENTICATION_REQUIRED


def relay_cookies(response: Response, result: ApiResult) -> None:
    """The API's Set-Cookie lines (the session cookie, its clearing) go to the browser unchanged."""
    for line in result.set_cookies:
        response.raw_headers.append((b"set-cookie", line.encode("latin-1")))


def page_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
