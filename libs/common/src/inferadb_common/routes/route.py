"""What one public route is: method and path, the service that owns it, and how the edge treats it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ORGANIZATION_PATH = "/v1/organizations/{org}"
"""The prefix of every org-scoped route (api.md §3: non-members get 404 ``Organization not found``)."""


class Service(StrEnum):
    AUTH = "auth"
    ORGS = "orgs"
    AUDIT = "audit"


class AuthMode(StrEnum):
    NONE = "none"  # no session needed (a cookie, if any, is ignored)
    OPTIONAL = "optional"  # a valid session is passed on when present
    SESSION = "session"  # 401 Invalid session at the gateway without one


class Body(StrEnum):
    NONE = "none"  # the route reads no request body
    JSON = "json"  # application/json
    FORM = "form"  # application/x-www-form-urlencoded as well as JSON (RFC 6749)


class RateLimit(StrEnum):
    """The categories of api.md §1.4 (``rate_limits_exceeded_total{category}``, ``rate_limit.exceeded`` events).

    Names of limits, not secrets (hence the ``noqa: S105``).
    """

    LOGIN = "login"
    REGISTRATION = "registration"
    PASSWORD_CHANGE = "password_change"  # noqa: S105
    EMAIL_VERIFICATION = "email_verification"
    PASSWORD_RESET = "password_reset"  # noqa: S105
    TOKEN = "token"  # noqa: S105


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # the service's own path template, parameter names included
    service: Service
    auth: AuthMode = AuthMode.SESSION
    body: Body = Body.NONE
    rate_limits: tuple[RateLimit, ...] = ()  # the limits a request to the route counts against
    action: str | None = None  # the orgs policy ``Action`` the handler authorizes (its value)
    oauth: bool = False  # every error in RFC 6749's form (api.md §6)
    # api.md §10: the session must have signed in or re-authenticated within auth.reauth_window_seconds
    # (the gateway answers 403 REAUTHENTICATION_REQUIRED otherwise).
    recent: bool = False

    @property
    def org_scoped(self) -> bool:
        return self.path == ORGANIZATION_PATH or self.path.startswith(ORGANIZATION_PATH + "/")

    @property
    def form(self) -> bool:
        return self.body is Body.FORM
