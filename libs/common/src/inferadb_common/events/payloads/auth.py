"""What auth's events carry: users, sessions, emails, passwords and rate limits."""

from __future__ import annotations

from typing import Literal

from inferadb_common.events.payload import EventPayload, IdStr


class UserRegistered(EventPayload):
    event_type = "user.registered"
    name: str
    email: str
    default_organization_id: IdStr


class UserLogin(EventPayload):
    event_type = "user.login"
    session_type: str
    method: str | None = None


class UserLoginFailed(EventPayload):
    event_type = "user.login_failed"
    reason: str


class UserLogout(EventPayload):
    event_type = "user.logout"


class SessionRevoked(EventPayload):
    event_type = "session.revoked"
    user_id: IdStr
    reason: str


class UserUpdated(EventPayload):
    event_type = "user.updated"
    name: str | None = None
    tos_accepted: Literal["true"] | None = None


class UserDeleted(EventPayload):
    event_type = "user.deleted"


class EmailAdded(EventPayload):
    event_type = "email.added"
    email: str
    primary: bool | None = None


class EmailVerified(EventPayload):
    event_type = "email.verified"
    email: str
    user_id: IdStr
    primary: bool


class EmailRemoved(EventPayload):
    event_type = "email.removed"
    email: str
    user_id: IdStr
    primary: bool | None = None
    reason: str | None = None


class EmailPrimaryChanged(EventPayload):
    event_type = "email.primary_changed"
    email: str
    user_id: IdStr


class PasswordChanged(EventPayload):
    event_type = "password.changed"


class PasswordResetRequested(EventPayload):
    event_type = "password.reset_requested"


class PasswordResetCompleted(EventPayload):
    event_type = "password.reset_completed"


class RateLimitExceeded(EventPayload):
    event_type = "rate_limit.exceeded"
    category: str


# Second factors, passkeys and re-authentication (api.md §10). None carries a secret, code or token.


class MfaEnabled(EventPayload):
    event_type = "user.mfa_enabled"
    method: Literal["totp"]


class MfaDisabled(EventPayload):
    event_type = "user.mfa_disabled"
    method: Literal["totp"]


class MfaLoginFailed(EventPayload):
    event_type = "user.mfa_login_failed"
    reason: str


class RecoveryCodesRegenerated(EventPayload):
    event_type = "user.recovery_codes_regenerated"


class RecoveryCodeUsed(EventPayload):
    event_type = "user.recovery_code_used"
    purpose: Literal["login", "reauthenticate"]
    codes_left: int


class PasskeyAdded(EventPayload):
    event_type = "user.passkey_added"
    passkey_id: IdStr
    name: str


class PasskeyRemoved(EventPayload):
    event_type = "user.passkey_removed"
    passkey_id: IdStr


class PasskeyFlagged(EventPayload):
    """An assertion's signature counter went backwards: the passkey may have been cloned."""

    event_type = "user.passkey_flagged"
    passkey_id: IdStr


class UserReauthenticated(EventPayload):
    event_type = "user.reauthenticated"
    method: Literal["password", "totp", "recovery_code", "passkey"]
