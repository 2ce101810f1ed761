"""The auth service's domain errors; each carries its HTTP status, code and message (api.md §2).

Services raise them; the common error handler renders them as the JSON error body.
"""

from __future__ import annotations

from inferadb_common.errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited, Unauthorized


class EmailTaken(Conflict):
    default_message = "Email already registered"


class InvalidCredentials(Unauthorized):
    code, default_message = "INVALID_CREDENTIALS", "Invalid email or password"


class EmailNotVerified(Forbidden):
    code, default_message = "EMAIL_NOT_VERIFIED", "Email verification required"


class InvalidCode(Unauthorized):
    code, default_message = "INVALID_TOKEN", "Invalid or expired authorization code"


class MaxSessionsExceeded(RateLimited):
    code, default_message = "MAX_SESSIONS", "Maximum sessions exceeded"


class SessionNotFound(NotFound):
    default_message = "Session not found"


class InvalidResetToken(BadRequest):
    code, default_message = "INVALID_TOKEN", "Invalid or expired reset token"


class WrongCurrentPassword(Unauthorized):
    code, default_message = "INVALID_CREDENTIALS", "Current password is incorrect"


class InvalidVerificationToken(BadRequest):
    code, default_message = "INVALID_TOKEN", "Invalid or expired verification token"


class UserNotFound(NotFound):
    default_message = "User not found"


class EmailNotFound(NotFound):
    default_message = "Email not found"


class UnverifiedEmailCannotBePrimary(Conflict):
    default_message = "Only a verified email address can become primary"


class PrimaryEmailCannotBeDeleted(Conflict):
    default_message = "Cannot delete the primary email address"


class EmailAlreadyVerified(Conflict):
    default_message = "Email address is already verified"


class OwnershipTransferNeeded(Conflict):
    """The user alone owns an organization that has other members."""

    def __init__(self, organization_name: str) -> None:
        super().__init__(f"Transfer ownership of '{organization_name}' before deleting your account")


# api.md §10: second factors, passkeys and re-authentication.


class TotpAlreadyEnabled(Conflict):
    code, default_message = "TOTP_ALREADY_ENABLED", "Two-factor authentication is already on"


class TotpNotEnabled(Conflict):
    default_message = "Two-factor authentication is not on"


class NoTotpEnrolment(Conflict):
    default_message = "No two-factor enrolment is in progress"


class NoSecondFactor(Conflict):
    default_message = "No second factor is on"


class WrongMfaCode(BadRequest):
    """A code that does not confirm an enrolment (the caller is signed in: 400)."""

    code, default_message = "INVALID_MFA_CODE", "Invalid authentication code"


class MfaCodeRejected(Unauthorized):
    """A wrong, replayed or spent code, or an ``mfa_token`` that is unknown, used, expired or out of tries."""

    code, default_message = "INVALID_MFA_CODE", "Invalid authentication code"


class InvalidPasskey(BadRequest):
    code, default_message = "INVALID_PASSKEY", "Invalid passkey"


class PasskeyRejected(Unauthorized):
    """A well-formed assertion refused (a signature counter that went backwards, a flagged passkey)."""

    code, default_message = "INVALID_PASSKEY", "Invalid passkey"


class PasskeyNotFound(NotFound):
    default_message = "Passkey not found"


class WrongPassword(Unauthorized):
    code, default_message = "INVALID_CREDENTIALS", "Invalid password"
