"""TOTP and recovery codes of the signed-in user (api.md §10). The gateway holds every route here
except ``GET /v1/users/me/mfa`` to the recent-session rule (``recent=True`` in the route manifest)."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_auth.mfa import service
from inferadb_auth.mfa.schemas import MfaStatusOut, RecoveryCodesOut, TotpConfirmIn, TotpEnrolmentOut
from inferadb_auth.schemas import MessageOut
from inferadb_auth.state import AuthDep
from inferadb_common.internal_auth import AuthenticatedDep

router = APIRouter()


@router.get("/v1/users/me/mfa")
async def mfa_status(state: AuthDep, identity: AuthenticatedDep) -> MfaStatusOut:
    assert identity.user_id is not None
    found = await service.status(state, identity.user_id)
    return MfaStatusOut(
        totp_enabled=found.totp_enabled, passkeys=found.passkeys, recovery_codes_left=found.recovery_codes_left
    )


@router.post("/v1/users/me/mfa/totp", status_code=201)
async def start_totp(state: AuthDep, identity: AuthenticatedDep) -> TotpEnrolmentOut:
    enrolment = await service.start_totp(state, identity)
    return TotpEnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg)


@router.post("/v1/users/me/mfa/totp/confirm")
async def confirm_totp(body: TotpConfirmIn, state: AuthDep, identity: AuthenticatedDep) -> RecoveryCodesOut:
    return RecoveryCodesOut(recovery_codes=await service.confirm_totp(state, identity, body.code))


@router.delete("/v1/users/me/mfa/totp")
async def disable_totp(state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    await service.disable_totp(state, identity)
    return MessageOut(message="Two-factor authentication turned off")


@router.post("/v1/users/me/mfa/recovery-codes")
async def regenerate_recovery_codes(state: AuthDep, identity: AuthenticatedDep) -> RecoveryCodesOut:
    return RecoveryCodesOut(recovery_codes=await service.regenerate_recovery_codes(state, identity))
