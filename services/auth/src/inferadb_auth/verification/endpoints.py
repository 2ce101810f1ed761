"""``POST /v1/auth/verify-email`` and ``POST /v1/auth/email-verification/resend``."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks

from inferadb_auth.after_answer import after_answer
from inferadb_auth.limits import address_allowed
from inferadb_auth.state import AuthDep
from inferadb_auth.verification import service
from inferadb_auth.verification.schemas import AcceptedOut, AddressIn, TokenIn, VerifiedOut
from inferadb_common.internal_auth import IdentityDep

router = APIRouter()

RESEND_MESSAGE = "If the address is registered and unverified, a verification email has been sent"


@router.post("/v1/auth/verify-email")
async def verify_email(body: TokenIn, state: AuthDep, identity: IdentityDep) -> VerifiedOut:
    address = await service.verify(state, identity, body.token)
    return VerifiedOut(message="Email verified successfully", email=address)


@router.post("/v1/auth/email-verification/resend", status_code=202)
async def resend_verification(
    body: AddressIn, state: AuthDep, identity: IdentityDep, background: BackgroundTasks
) -> AcceptedOut:
    """The same answer in the same time whether or not the address exists or is verified (no enumeration).

    The rate limit is all the request waits for: the address is looked up after the answer.
    """
    address = body.email.strip().lower()
    limit = state.settings.rate_limiting.email_verification_tokens_per_hour
    if await address_allowed(state, "email_verification", limit, address, identity):
        after_answer(background, "verification resend", lambda: service.reissue(state, address))
    return AcceptedOut(message=RESEND_MESSAGE)
