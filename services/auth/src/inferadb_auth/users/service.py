"""Shaping users for responses and issuing email-verification tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.schemas import UserOut
from inferadb_auth.security.tokens import digest, new_token
from inferadb_auth.state import AuthState
from inferadb_auth.users import repository as users_repo
from inferadb_auth.verification import repository as verification_repo
from inferadb_common.errors import NotFound
from inferadb_common.ids import new_id

VERIFICATION_TTL = emails_repo.UNVERIFIED_ADDRESS_TTL
RESET_TTL = timedelta(hours=1)


async def user_out(db: AsyncSession, user_id: int) -> UserOut:
    user = await users_repo.profile(db, user_id)
    if user is None:
        raise NotFound("User not found")
    return UserOut(
        id=user.id,
        name=user.name,
        email=user.email,
        email_verified=user.email is not None and user.email_verified_at is not None,
        created_at=user.created_at,
        tos_accepted_at=user.tos_accepted_at,
    )


async def issue_verification(
    state: AuthState, db: AsyncSession, email_id: int, address: str, name: str, now: datetime
) -> None:
    """A new 24 h single-use token for one address and the mail that carries it."""
    token = new_token()
    await verification_repo.insert_token(
        db, token_id=new_id(), email_id=email_id, token_hash=digest(token), now=now, expires_at=now + VERIFICATION_TTL
    )
    await state.outbox.request_mail(
        db, "verify_email", address, {"name": name, "link": state.link("/verify-email", token)}
    )
