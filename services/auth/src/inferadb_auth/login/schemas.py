"""Password sign-in: request and response models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inferadb_auth.sessions.schemas import SessionOut
from inferadb_auth.users.schemas import UserOut
from inferadb_common.errors import ValidationFailed
from inferadb_common.wire import RequestModel, ResponseModel


class LoginIn(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    session_type: Literal["web", "cli", "sdk"] = "web"


class LoginOut(ResponseModel):
    user: UserOut
    session: SessionOut


class MfaRequiredOut(ResponseModel):
    mfa_required: Literal[True] = True
    mfa_token: str
    methods: list[str]


# A TOTP code is six digits; a recovery code ``xxxx-xxxx-xxxx`` (case, spaces and hyphens forgiven).
TOTP_CODE_PATTERN = r"^[0-9]{6}$"
RECOVERY_CODE_PATTERN = r"^[A-Za-z0-9 -]{12,32}$"


class SecondFactorIn(RequestModel):
    """``code`` or ``recovery_code`` (:func:`one_factor` insists on exactly one)."""

    code: str | None = Field(default=None, max_length=6, pattern=TOTP_CODE_PATTERN)
    recovery_code: str | None = Field(default=None, max_length=32, pattern=RECOVERY_CODE_PATTERN)

    def one_factor(self) -> None:
        if (self.code is None) == (self.recovery_code is None):
            raise ValidationFailed(details={"code": "Give either code or recovery_code"})


class LoginMfaIn(SecondFactorIn):
    mfa_token: str = Field(min_length=1, max_length=128)
