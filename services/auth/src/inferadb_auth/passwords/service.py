"""Password rules: the policy a new password must meet, reset by mailed link, change by the user.

Either way every other session ends (a reset ends all of them, a change all but the caller's) and
the primary address is told the password changed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.errors import InvalidResetToken, WrongCurrentPassword
from inferadb_auth.passwords import repository as passwords_repo
from inferadb_auth.security.passwords import password_problem
from inferadb_auth.security.tokens import digest, new_token
from inferadb_auth.sessions.service import revoke
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_common.clock import utcnow
from inferadb_common.errors import ValidationFailed
from inferadb_common.events.payloads.auth import PasswordChanged, PasswordResetCompleted, PasswordResetRequested
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id

RESET_TTL = timedelta(hours=1)


def check_new_password(state: AuthState, password: str, field: str = "new_password") -> None:
    """ValidationFailed naming ``field`` unless the password meets the policy."""
    problem = password_problem(password, state.settings.auth.password_min_length)
    if problem:
        raise ValidationFailed(details={field: problem})


async def issue_reset(state: AuthState, identity: Identity, address: str) -> None:
    """A reset link, only for a verified address of a live user (nothing at all otherwise)."""
    now = utcnow()
    async with state.db.transaction() as db:
        email = await emails_repo.verified_holder(db, address)  # only the address's owner gets a link
        user = await users_repo.get_user(db, email.user_id) if email is not None else None
        if email is None or user is None:
            return
        token = new_token()
        await passwords_repo.reset_tokens.insert(
            db, token_id=new_id(), owner_id=user.id, token_hash=digest(token), now=now, expires_at=now + RESET_TTL
        )
        await state.outbox.request_mail(
            db, "reset_password", email.email, {"name": user.name, "link": state.link("/reset-password", token)}
        )
        await state.outbox.record(db, PasswordResetRequested(), actor=actor_of(identity, user.id), resource_id=user.id)


async def confirm_reset(state: AuthState, identity: Identity, token: str, new_password: str) -> None:
    check_new_password(state, new_password)
    now = utcnow()
    async with state.db.read() as db:
        found = await passwords_repo.reset_tokens.live(db, digest(token), now)
    if found is None:
        raise InvalidResetToken()
    password_hash = await state.passwords.hash(new_password)
    async with state.db.transaction() as db:
        if not await passwords_repo.reset_tokens.spend(db, found.id, now):
            raise InvalidResetToken()
        user = await users_repo.get_user(db, found.user_id)
        if user is None:
            raise InvalidResetToken()
        await users_repo.set_password_hash(db, user.id, password_hash, now=now)
        await passwords_repo.spend_tokens_of_user(db, user.id, now)
        actor = actor_of(identity, user.id)
        await revoke(state, db, user.id, now, actor, reason="password_reset")
        await _notify_password_changed(state, db, user.id, user.name)
        await state.outbox.record(db, PasswordResetCompleted(), actor=actor, resource_id=user.id)


async def change_password(state: AuthState, identity: Identity, current_password: str, new_password: str) -> None:
    """Needs the current password; the caller's own session survives, every other one ends."""
    assert identity.user_id is not None
    check_new_password(state, new_password)
    async with state.db.read() as db:
        user = await users_repo.get_user(db, identity.user_id)
    if user is None or not await state.passwords.verify(user.password_hash, current_password):
        raise WrongCurrentPassword()
    password_hash = await state.passwords.hash(new_password)
    now = utcnow()
    async with state.db.transaction() as db:
        await users_repo.set_password_hash(db, user.id, password_hash, now=now)
        actor = actor_of(identity)
        await revoke(state, db, user.id, now, actor, keep=identity.session_id, reason="password_changed")
        await _notify_password_changed(state, db, user.id, user.name)
        await state.outbox.record(db, PasswordChanged(), actor=actor, resource_id=user.id)


async def _notify_password_changed(state: AuthState, db: AsyncSession, user_id: int, name: str) -> None:
    primary = await emails_repo.primary_email(db, user_id)
    if primary is not None:
        await state.outbox.request_mail(db, "password_changed", primary.email, {"name": name})
