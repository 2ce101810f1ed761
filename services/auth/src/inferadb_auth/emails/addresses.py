"""Who owns an address: the first user to verify it.

Unverified copies of one address may be held by several users at once; none blocks the others.
Verifying a copy claims the address: the other users' unverified copies are removed with their
verification links. An unverified secondary address that outlives its verification token is gone
(treated as absent at once, deleted by the expiry worker, ``emails.expiry``, within a minute). When a
removed copy was the holder's primary, the holder's oldest verified (else oldest) remaining
address becomes primary; with none left the account keeps existing without an address, and the
next address it verifies becomes its primary.
Every removal is an ``email.removed`` event in the holder's name (docs/design.md, "Addresses").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.emails.repository import EmailRecord
from inferadb_auth.state import AuthState
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.auth import EmailPrimaryChanged, EmailRemoved, EmailVerified

CLAIMED = "claimed_by_another_user"
EXPIRED = "verification_expired"


class AddressTaken(Exception):
    """Someone else verified the address first."""


async def remove_copy(state: AuthState, db: AsyncSession, row: EmailRecord, now: datetime, reason: str) -> None:
    """Delete one user's copy of an address (and its links); keep the user with a primary if it can."""
    if not await emails_repo.delete_email(db, row.id):
        return
    holder = Actor(user_id=row.user_id)  # done to the holder, not by the request that caused it
    await state.outbox.record(
        db,
        EmailRemoved(email=row.email, user_id=row.user_id, primary=row.is_primary, reason=reason),
        actor=holder,
        resource_id=row.id,
    )
    if not row.is_primary:
        return
    successor = await emails_repo.next_primary_candidate(db, row.user_id, now)
    if successor is None:
        return
    await emails_repo.set_primary(db, successor.id, True)
    await state.outbox.record(
        db,
        EmailPrimaryChanged(email=successor.email, user_id=row.user_id),
        actor=holder,
        resource_id=successor.id,
    )


async def claim(state: AuthState, db: AsyncSession, email: EmailRecord, now: datetime, actor: Actor) -> None:
    """Verify ``email`` for its holder, making them the address's owner.

    Raises :class:`AddressTaken` when another user owns it already, or IntegrityError at the update
    when one did so concurrently.
    """
    owner = await emails_repo.verified_holder(db, email.email)
    if owner is not None and owner.id != email.id:
        raise AddressTaken()
    # Verifiers of one address take turns (the caller locks its copies); should two still meet, the
    # partial unique index refuses the second (IntegrityError: the caller answers the same 400).
    await emails_repo.mark_verified(db, email.id, now)
    primary = email.is_primary
    if not primary and await emails_repo.primary_email(db, email.user_id) is None:
        # A holder left without an address (its primary was claimed) gets this one as primary.
        await emails_repo.set_primary(db, email.id, True)
        primary = True
    await state.outbox.record(
        db,
        EmailVerified(email=email.email, user_id=email.user_id, primary=primary),
        actor=actor,
        resource_id=email.id,
    )
    for other in await emails_repo.other_unverified_copies(db, email.email, email.id):
        await remove_copy(state, db, other, now, CLAIMED)


async def purge_expired(state: AuthState, db: AsyncSession, now: datetime, *, user_id: int | None = None) -> int:
    """Delete unverified secondary addresses past their verification token (one batch)."""
    rows = await emails_repo.expired_emails(db, now, user_id=user_id)
    for row in rows:
        await remove_copy(state, db, row, now, EXPIRED)
    return len(rows)
