"""``client.auth``: registration, sign-in and -out, email verification, password reset, CLI login (api.md §2),
and the sign-in steps of §10 (second factor, passkey, re-authentication)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import TypeAdapter

from inferadb_management.models import (
    AcceptedOut,
    AuthorizeOut,
    AuthRevokedOut,
    LoginOut,
    MessageOut,
    MfaRequiredOut,
    ReauthenticatedOut,
    RegisterOut,
    RegisterWithSessionOut,
    SignInOptionsOut,
    TokenOut,
    UserEnvelope,
    UserOut,
    VerifiedOut,
)
from inferadb_management.operation import Call, Id, R, Resource, inner, operation, parser, union_parser

SessionType = Literal["web", "cli", "sdk"]

_REGISTERED = TypeAdapter[RegisterOut | RegisterWithSessionOut](RegisterOut | RegisterWithSessionOut)
_SIGNED_IN = TypeAdapter[LoginOut | MfaRequiredOut](LoginOut | MfaRequiredOut)


class Auth(Resource[R]):
    @operation("POST", "/v1/auth/register")
    def register(self, name: str, email: str, password: str) -> Call[RegisterOut | RegisterWithSessionOut]:
        """Create an account (and its default organization). Signs in only when verification is off."""
        body = {"name": name, "email": email, "password": password}
        return Call(union_parser(_REGISTERED), json=body, session="set", authenticated=False)

    @operation("POST", "/v1/auth/login/password")
    def login(self, email: str, password: str, session_type: SessionType = "sdk") -> Call[LoginOut | MfaRequiredOut]:
        """Sign in with a password; the client keeps the session. With TOTP on (§10), the answer is an
        :class:`MfaRequiredOut` (no session yet): :meth:`login_mfa` with its ``mfa_token`` and a code
        completes the sign-in."""
        body = {"email": email, "password": password, "session_type": session_type}
        return Call(union_parser(_SIGNED_IN), json=body, session="set", authenticated=False)

    @operation("POST", "/v1/auth/login/mfa")
    def login_mfa(self, mfa_token: str, code: str | None = None, recovery_code: str | None = None) -> Call[LoginOut]:
        """The second step of a sign-in with TOTP on (§10): a TOTP code or a recovery code. The token is
        single use and lives 5 minutes; a wrong code raises :class:`AuthenticationError` (``INVALID_MFA_CODE``)."""
        body: dict[str, Any] = {"mfa_token": mfa_token}
        body.update({k: v for k, v in (("code", code), ("recovery_code", recovery_code)) if v is not None})
        return Call(parser(LoginOut), json=body, session="set", authenticated=False)

    @operation("POST", "/v1/auth/passkey/begin")
    def passkey_begin(self, email: str | None = None) -> Call[SignInOptionsOut]:
        """WebAuthn request options for a passkey sign-in (§10); without ``email``, discoverable credentials."""
        body = {} if email is None else {"email": email}
        return Call(parser(SignInOptionsOut), json=body, authenticated=False)

    @operation("POST", "/v1/auth/passkey/finish")
    def passkey_finish(
        self, challenge_id: str, credential: dict[str, Any], session_type: SessionType = "sdk"
    ) -> Call[LoginOut]:
        """Sign in with the passkey assertion the authenticator produced (§10)."""
        body = {"challenge_id": challenge_id, "credential": credential, "session_type": session_type}
        return Call(parser(LoginOut), json=body, session="set", authenticated=False)

    @operation("POST", "/v1/auth/reauthenticate")
    def reauthenticate(
        self,
        password: str | None = None,
        code: str | None = None,
        recovery_code: str | None = None,
        challenge_id: str | None = None,
        credential: dict[str, Any] | None = None,
    ) -> Call[ReauthenticatedOut]:
        """Prove presence again for the routes that need a recent session (§10), with one of the factors."""
        given = {
            "password": password,
            "code": code,
            "recovery_code": recovery_code,
            "challenge_id": challenge_id,
            "credential": credential,
        }
        return Call(parser(ReauthenticatedOut), json={k: v for k, v in given.items() if v is not None})

    @operation("POST", "/v1/auth/logout")
    def logout(self) -> Call[MessageOut]:
        """Revoke the session and forget it."""
        return Call(parser(MessageOut), session="clear")

    @operation("POST", "/v1/auth/verify-email")
    def verify_email(self, token: str) -> Call[VerifiedOut]:
        return Call(parser(VerifiedOut), json={"token": token}, authenticated=False)

    @operation("POST", "/v1/auth/email-verification/resend")
    def resend_verification(self, email: str) -> Call[AcceptedOut]:
        return Call(parser(AcceptedOut), json={"email": email}, authenticated=False)

    @operation("POST", "/v1/auth/password-reset/request")
    def request_password_reset(self, email: str) -> Call[MessageOut]:
        return Call(parser(MessageOut), json={"email": email}, authenticated=False)

    @operation("POST", "/v1/auth/password-reset/confirm")
    def confirm_password_reset(self, token: str, new_password: str) -> Call[MessageOut]:
        return Call(parser(MessageOut), json={"token": token, "new_password": new_password}, authenticated=False)

    @operation("GET", "/v1/auth/me")
    def me(self) -> Call[UserOut]:
        """The signed-in user."""
        return Call(inner(UserEnvelope, lambda envelope: envelope.user))

    @operation("POST", "/v1/auth/sessions/{session}/revoke")
    def revoke_session(self, session: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"session": session})

    @operation("POST", "/v1/auth/sessions/revoke-all")
    def revoke_all_sessions(self) -> Call[AuthRevokedOut]:
        """Every session of the user, this one included (the client forgets it)."""
        return Call(parser(AuthRevokedOut), session="clear")

    @operation("POST", "/v1/auth/cli/authorize")
    def cli_authorize(self, code_challenge: str) -> Call[AuthorizeOut]:
        """From a signed-in session: a one-time code for a CLI's PKCE login (S256 challenge)."""
        return Call(parser(AuthorizeOut), json={"code_challenge": code_challenge, "code_challenge_method": "S256"})

    @operation("POST", "/v1/auth/cli/token")
    def cli_token(self, code: str, code_verifier: str) -> Call[TokenOut]:
        """Redeem a CLI login code with its PKCE verifier: a ``cli`` session, which the client keeps."""
        body = {"code": code, "code_verifier": code_verifier}
        return Call(parser(TokenOut), json=body, session="set", authenticated=False)
