"""Email verification: issuing single-use links, spending them, claiming the address.

Resending answers the same whether or not the address exists (no enumeration); the link goes only
to the newest unverified live copy, and never once the address has an owner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.emails.addresses import AddressTaken, claim
from inferadb_auth.errors import InvalidVerificationToken
from inferadb_auth.security.tokens import digest, new_token
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.verification.repository import verification_tokens
from inferadb_common.clock import utcnow
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id

VERIFICATION_TTL = emails_repo.UNVERIFIED_ADDRESS_TTL


async def issue_verification(
    state: AuthState, db: AsyncSession, email_id: int, address: str, name: str, now: datetime
) -> None:
    """A new 24 h single-use token for one address and the mail that carries it."""
    token = new_token()
    await verification_tokens.insert(
        db, token_id=new_id(), owner_id=email_id, token_hash=digest(token), now=now, expires_at=now + VERIFICATION_TTL
    )
    await state.outbox.request_mail(
        db, "verify_email", address, {"name": name, "link": state.link("/verify-email", token)}
    )


async def verify(state: AuthState, identity: Identity, token: str) -> str:
    """One transaction: spend the token and claim the address (other users' unverified copies go).

    Returns the verified address. A copy removed because someone else verified the address first
    has no tokens left, and a verification that waited for another one of the same address finds
    its own gone: both raise :class:`InvalidVerificationToken`.
    """
    now = utcnow()
    try:
        async with state.db.transaction() as db:
            found = await verification_tokens.live(db, digest(token), now)
            email = await emails_repo.get_email(db, found.email_id) if found is not None else None
            if found is None or email is None:
                raise InvalidVerificationToken()
            # Verifications of one address take turns (PostgreSQL row locks in id order, before any
            # write): the later one finds its copy and token deleted, rather than deadlocking.
            await emails_repo.lock_address(db, email.email)
            if not await verification_tokens.spend(db, found.id, now):
                raise InvalidVerificationToken()
            email = await emails_repo.get_email(db, found.email_id)
            if email is None:
                raise InvalidVerificationToken()
            if email.verified_at is None:
                await claim(state, db, email, now, actor_of(identity, email.user_id))
    except (AddressTaken, IntegrityError) as exc:
        raise InvalidVerificationToken() from exc
    return email.email


async def reissue(state: AuthState, address: str) -> None:
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
