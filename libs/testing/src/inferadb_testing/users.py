"""Users made through the API as a person makes one: the one way every suite gets a user.

``register`` at the gateway, ``verify`` with the token from the mail the mailer delivered to the
SMTP sink, ``log_in`` with the password; ``sign_up`` does all three. Each returns an ``ApiUser``:
the ids, the password, and an httpx client whose cookie jar holds the user's session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from inferadb_testing.smtp import SmtpSink, extract_link, token_from_link

__all__ = [
    "FRONTEND",
    "SESSION_COOKIE",
    "ApiUser",
    "log_in",
    "register",
    "sign_up",
    "unique_email",
    "verification_token",
    "verify",
]

SESSION_COOKIE = "infera_session"
# The frontend_base_url of the test stacks: mail links point there (the console's tests use the gateway's).
FRONTEND = "http://frontend.test"
_VERIFY_PATH = "/verify-email?token="


def unique_email(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


@dataclass(frozen=True)
class ApiUser:
    """A user of the API and the client that holds its session cookie.

    ``secrets`` are the password and every token made on the way (sessions, the verification
    token), for suites that prove none of them reaches a log.
    """

    id: str
    name: str
    email: str
    password: str
    default_org: str
    http: httpx.Client = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def session(self) -> str:
        """The session token in the client's cookie jar."""
        token = self.http.cookies.get(SESSION_COOKIE)
        assert token, f"{self.email} has no {SESSION_COOKIE} cookie"
        return token

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, json=json, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.patch(path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.delete(path, **kwargs)


def _session_of(response: httpx.Response) -> tuple[str, ...]:
    token = response.cookies.get(SESSION_COOKIE)
    return (token,) if token else ()


def register(http: httpx.Client, *, name: str, email: str, password: str) -> ApiUser:
    """``POST /v1/auth/register`` (201 expected); the client keeps the session it sets, if any."""
    response = http.post("/v1/auth/register", json={"name": name, "email": email, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return ApiUser(
        id=body["user"]["id"],
        name=name,
        email=email,
        password=password,
        default_org=body["default_organization_id"],
        http=http,
        secrets=(password, *_session_of(response)),
    )


def verification_token(sink: SmtpSink, address: str, *, frontend: str = FRONTEND, timeout: float = 20.0) -> str:
    """The token of the first verification mail to ``address`` the sink received (waiting for it)."""
    prefix = frontend + _VERIFY_PATH
    mail = sink.wait_for(lambda m: address in m.rcpt_tos and prefix in m.text, timeout=timeout)
    return token_from_link(extract_link(mail, prefix))


def verify(user: ApiUser, sink: SmtpSink, *, frontend: str = FRONTEND) -> ApiUser:
    """Verify the user's primary address with the mailed token (200 expected)."""
    token = verification_token(sink, user.email, frontend=frontend)
    response = user.post("/v1/auth/verify-email", {"token": token})
    assert response.status_code == 200, response.text
    return replace(user, secrets=(*user.secrets, token))


def log_in(user: ApiUser, *, session_type: str | None = None) -> ApiUser:
    """A new session from ``POST /v1/auth/login/password`` (200 expected) replaces the client's cookie."""
    body: dict[str, Any] = {"email": user.email, "password": user.password}
    if session_type is not None:
        body["session_type"] = session_type
    user.http.cookies.clear()  # signed in from scratch, not from the session registration left
    response = user.post("/v1/auth/login/password", body)
    assert response.status_code == 200, response.text
    return replace(user, secrets=(*user.secrets, *_session_of(response)))


def sign_up(
    http: httpx.Client, sink: SmtpSink, *, name: str, email: str, password: str, frontend: str = FRONTEND
) -> ApiUser:
    """Register, verify through the real mail, sign in: a verified user with one fresh session."""
    return log_in(verify(register(http, name=name, email=email, password=password), sink, frontend=frontend))
