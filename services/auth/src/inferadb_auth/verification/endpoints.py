"""``POST /v1/auth/verify-email`` and ``POST /v1/auth/email-verification/resend``."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from pydantic import Field
from sqlalchemy.exc import IntegrityError

from inferadb_auth.after_answer import after_answer
from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.limits import address_allowed
from inferadb_auth.security.tokens import digest
from inferadb_auth.state import AuthDep, AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.addresses import AddressTaken, claim
from inferadb_auth.users.service import issue_verification
from inferadb_auth.verification import repository as verification_repo
from inferadb_common.clock import utcnow
from inferadb_common.errors import BadRequest
from inferadb_common.internal_auth import IdentityDep
from inferadb_common.wire import RequestModel, ResponseModel

router = APIRouter()

RESEND_MESSAGE = "If the address is registered and unverified, a verification email has been sent"


class InvalidVerificationToken(BadRequest):
    code, default_message = "INVALID_TOKEN", "Invalid or expired verification token"


class TokenIn(RequestModel):
    token: str = Field(min_length=1, max_length=256)


class AddressIn(RequestModel):
    email: str = Field(max_length=320)


class VerifiedOut(ResponseModel):
    message: str
    email: str


class AcceptedOut(ResponseModel):
    message: str


@router.post("/v1/auth/verify-email")
async def verify_email(body: TokenIn, state: AuthDep, identity: IdentityDep) -> VerifiedOut:
    """One transaction: spend the token and claim the address (other users' unverified copies go).

    A copy removed because someone else verified the address first has no tokens left, and a
    verification that waited for another one of the same address finds its own gone: both 400.
    """
    now = utcnow()
    try:
        async with state.db.transaction() as db:
            token = await verification_repo.live_token(db, digest(body.token), now)
            email = await emails_repo.get_email(db, token.email_id) if token is not None else None
            if token is None or email is None:
                raise InvalidVerificationToken()
            # Verifications of one address take turns (PostgreSQL row locks in id order, before any
            # write): the later one finds its copy and token deleted, rather than deadlocking.
            await emails_repo.lock_address(db, email.email)
            if not await verification_repo.spend_token(db, token.id, now):
                raise InvalidVerificationToken()
            email = await emails_repo.get_email(db, token.email_id)
            if email is None:
                raise InvalidVerificationToken()
            if email.verified_at is None:
                await claim(state, db, email, now, actor_of(identity, email.user_id))
    except (AddressTaken, IntegrityError) as exc:
        raise InvalidVerificationToken() from exc
    return VerifiedOut(message="Email verified successfully", email=email.email)


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
        after_answer(background, "verification resend", lambda: _reissue_verification(state, address))
    return AcceptedOut(message=RESEND_MESSAGE)


async def _reissue_verification(state: AuthState, address: str) -> None:
    """For the newest unverified copy (whoever registered or added it last is the one waiting), and
    never once the address has an owner or for a copy that has expired."""
    now = utcnow()
    async with state.db.transaction() as db:
        if await emails_repo.verified_holder(db, address) is not None:
            return
        email = await emails_repo.newest_unverified_copy(db, address, now)
        user = await users_repo.get_user(db, email.user_id) if email is not None else None
        if email is not None and user is not None:
            await issue_verification(state, db, email.id, email.email, user.name, now)
