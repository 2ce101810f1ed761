"""The caller's own addresses: at most ten, one primary (verified), none that someone else owns."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.emails.addresses import purge_expired
from inferadb_auth.emails.repository import EmailRecord
from inferadb_auth.errors import (
    EmailAlreadyVerified,
    EmailNotFound,
    EmailTaken,
    PrimaryEmailCannotBeDeleted,
    UnverifiedEmailCannotBePrimary,
)
from inferadb_auth.limits import address_allowed
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.verification.service import issue_verification
from inferadb_common.clock import utcnow
from inferadb_common.errors import ValidationFailed
from inferadb_common.events.payload import EventPayload
from inferadb_common.events.payloads.auth import EmailAdded, EmailPrimaryChanged, EmailRemoved
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id

MAX_EMAILS_PER_USER = 10


def _caller(identity: Identity) -> int:
    assert identity.user_id is not None, "AuthenticatedDep guarantees a user"
    return identity.user_id


async def _verification_allowed(state: AuthState, identity: Identity, address: str) -> bool:
    limit = state.settings.rate_limiting.email_verification_tokens_per_hour
    return await address_allowed(state, "email_verification", limit, address, identity)


async def _email_of_caller(db: AsyncSession, user_id: int, email_id: int) -> EmailRecord:
    """One of the caller's live addresses; an expired copy is not found either."""
    email = await emails_repo.email_of_user(db, user_id, email_id, utcnow())
    if email is None:
        raise EmailNotFound()
    return email


async def _reread(db: AsyncSession, email_id: int) -> EmailRecord:
    """The address as this transaction left it (it exists: the transaction wrote it)."""
    email = await emails_repo.get_email(db, email_id)
    assert email is not None
    return email


async def _record(state: AuthState, db: AsyncSession, identity: Identity, payload: EventPayload, email_id: int) -> None:
    """An event about one of the caller's addresses, by the caller."""
    await state.outbox.record(db, payload, actor=actor_of(identity), resource_id=email_id)


async def list_emails(state: AuthState, identity: Identity) -> list[EmailRecord]:
    async with state.db.read() as db:
        return await emails_repo.emails_of_user(db, _caller(identity), utcnow())


async def add_email(state: AuthState, identity: Identity, address: str) -> EmailRecord:
    """A new unverified secondary address, with a verification link unless the address's limit is spent."""
    user_id = _caller(identity)
    send_mail = await _verification_allowed(state, identity, address)
    now = utcnow()
    email_id = new_id()
    try:
        async with state.db.transaction() as db:
            await purge_expired(state, db, now, user_id=user_id)  # an expired copy may be re-added
            # Taken: owned (verified) by anyone, or already held by the caller; another user's
            # unverified copy is nobody's yet and does not block.
            if await emails_repo.verified_holder(db, address) is not None:
                raise EmailTaken()
            if await emails_repo.copy_of_user(db, user_id, address) is not None:
                raise EmailTaken()
            if await emails_repo.count_emails(db, user_id, now) >= MAX_EMAILS_PER_USER:
                raise ValidationFailed(details={"email": f"At most {MAX_EMAILS_PER_USER} addresses per account"})
            await emails_repo.insert_email(
                db, email_id=email_id, user_id=user_id, address=address, is_primary=False, now=now
            )
            user = await users_repo.get_user(db, user_id)
            assert user is not None
            if send_mail:
                await issue_verification(state, db, email_id, address, user.name, now)
            await _record(state, db, identity, EmailAdded(email=address), email_id)
            return await _reread(db, email_id)
    except IntegrityError as exc:  # the same address added twice at once by the caller
        raise EmailTaken() from exc


async def make_primary(state: AuthState, identity: Identity, email_id: int) -> EmailRecord:
    user_id = _caller(identity)
    async with state.db.transaction() as db:
        email = await _email_of_caller(db, user_id, email_id)
        if email.verified_at is None:
            raise UnverifiedEmailCannotBePrimary()
        if not email.is_primary:
            old = await emails_repo.primary_email(db, user_id)
            if old is not None:  # demote first: the database allows one primary per user
                await emails_repo.set_primary(db, old.id, False)
            await emails_repo.set_primary(db, email.id, True)
            await _record(state, db, identity, EmailPrimaryChanged(email=email.email, user_id=user_id), email.id)
        return await _reread(db, email.id)


async def remove_email(state: AuthState, identity: Identity, email_id: int) -> None:
    user_id = _caller(identity)
    async with state.db.transaction() as db:
        email = await _email_of_caller(db, user_id, email_id)
        if email.is_primary:
            raise PrimaryEmailCannotBeDeleted()
        await emails_repo.delete_email(db, email.id)
        await _record(state, db, identity, EmailRemoved(email=email.email, user_id=user_id), email.id)


async def resend_verification(state: AuthState, identity: Identity, email_id: int) -> None:
    """A new link for one of the caller's unverified addresses (none once the address's limit is spent)."""
    user_id = _caller(identity)
    async with state.db.read() as db:
        email = await _email_of_caller(db, user_id, email_id)  # not an expired one: a new token would revive it
    if email.verified_at is not None:
        raise EmailAlreadyVerified()
    if await _verification_allowed(state, identity, email.email):
        async with state.db.transaction() as db:
            user = await users_repo.get_user(db, user_id)
            assert user is not None
            await issue_verification(state, db, email.id, email.email, user.name, utcnow())
