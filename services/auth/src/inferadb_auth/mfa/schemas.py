"""Second-factor request and response models (api.md §10)."""

from __future__ import annotations

from pydantic import Field

from inferadb_auth.login.schemas import TOTP_CODE_PATTERN
from inferadb_common.wire import RequestModel, ResponseModel


class MfaStatusOut(ResponseModel):
    totp_enabled: bool
    passkeys: int  # how many passkeys the user has (listed by GET /v1/users/me/passkeys)
    recovery_codes_left: int


class TotpEnrolmentOut(ResponseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class TotpConfirmIn(RequestModel):
    code: str = Field(max_length=6, pattern=TOTP_CODE_PATTERN)


class RecoveryCodesOut(ResponseModel):
    recovery_codes: list[str]
