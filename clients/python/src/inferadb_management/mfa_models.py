"""Models of the second-factor, passkey and re-authentication routes (api.md §10).

Written from the contract's table: this tree's services do not serve §10 yet, so the gateway's
OpenAPI document (whence ``models.py`` is generated) has no schema for them. Fields the table leaves
open (WebAuthn options) are plain JSON objects.
"""

from __future__ import annotations

from typing import Any, Literal

from inferadb_management.models import ApiModel


class MfaRequiredOut(ApiModel):
    """A password sign-in of a user with TOTP on: complete it with ``auth.login_mfa``."""

    mfa_required: Literal[True]
    mfa_token: str
    methods: list[str]


class PasskeyOut(ApiModel):
    id: str
    name: str | None = None
    created_at: str
    last_used_at: str | None = None


class MfaStatusOut(ApiModel):
    totp_enabled: bool
    passkeys: int | list[PasskeyOut]
    recovery_codes_left: int


class TotpEnrolmentOut(ApiModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class RecoveryCodesOut(ApiModel):
    recovery_codes: list[str]


class PasskeyOptionsOut(ApiModel):
    options: dict[str, Any]


class PasskeyChallengeOut(ApiModel):
    options: dict[str, Any]
    challenge_id: str


class PasskeyEnvelope(ApiModel):
    passkey: PasskeyOut


class PasskeysOut(ApiModel):
    passkeys: list[PasskeyOut]


class ReauthenticatedOut(ApiModel):
    reauthenticated_until: str


class AnyOut(ApiModel):
    """An answer the contract gives no fields for (``200``): whatever came is kept."""

    model_config = ApiModel.model_config | {"extra": "allow"}
