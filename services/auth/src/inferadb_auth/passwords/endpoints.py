"""Password reset (request, confirm) and change (api.md §2)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.after_answer import after_answer
from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.limits import PASSWORD_CHANGE_LIMIT, address_allowed
from inferadb_auth.passwords import repository as passwords_repo
from inferadb_auth.schemas import MessageOut
from inferadb_auth.security.passwords import password_problem
from inferadb_auth.security.tokens import digest, new_token
from inferadb_auth.sessions.service import revoke
from inferadb_auth.state import AuthDep, AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.service import RESET_TTL
from inferadb_common.clock import utcnow
from inferadb_common.errors import BadRequest, Unauthorized, ValidationFailed
from inferadb_common.events.payloads.auth import PasswordChanged, PasswordResetCompleted, PasswordResetRequested
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep
from inferadb_common.wire import RequestModel

router = APIRouter()

RESET_REQUESTED_MESSAGE = "If the email exists, a reset link has been sent"


class InvalidResetToken(BadRequest):
    code, default_message = "INVALID_TOKEN", "Invalid or expired reset token"


class WrongCurrentPassword(Unauthorized):
    code, default_message = "INVALID_CREDENTIALS", "Current password is incorrect"


class ResetRequestIn(RequestModel):
    email: str = Field(max_length=320)


class ResetConfirmIn(RequestModel):
    token: str = Field(min_length=1, max_length=256)
    new_password: str = Field(max_length=1024)


class ChangePasswordIn(RequestModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


def _check_password(state: AuthState, password: str, field: str = "new_password") -> None:
    problem = password_problem(password, state.settings.auth.password_min_length)
    if problem:
        raise ValidationFailed(details={field: problem})


@router.post("/v1/auth/password-reset/request", status_code=202)
async def request_reset(
    body: ResetRequestIn, state: AuthDep, identity: IdentityDep, background: BackgroundTasks
) -> MessageOut:
    """Always the same answer in the same time; a mail only for a verified address of a live user.

    The rate limit is all the request waits for: the address is looked up after the answer.
    """
    address = body.email.strip().lower()
    limit = state.settings.rate_limiting.password_reset_tokens_per_hour
    if await address_allowed(state, "password_reset", limit, address, identity):
        after_answer(background, "password reset request", lambda: _issue_reset(state, identity, address))
    return MessageOut(message=RESET_REQUESTED_MESSAGE)


async def _issue_reset(state: AuthState, identity: Identity, address: str) -> None:
    now = utcnow()
    async with state.db.transaction() as db:
        email = await emails_repo.verified_holder(db, address)  # only the address's owner gets a link
        user = await users_repo.get_user(db, email.user_id) if email is not None else None
        if email is None or user is None:
            return
        token = new_token()
        await passwords_repo.insert_token(
            db, token_id=new_id(), user_id=user.id, token_hash=digest(token), now=now, expires_at=now + RESET_TTL
        )
        await state.outbox.request_mail(
            db, "reset_password", email.email, {"name": user.name, "link": state.link("/reset-password", token)}
        )
        await state.outbox.record(db, PasswordResetRequested(), actor=actor_of(identity, user.id), resource_id=user.id)


@router.post("/v1/auth/password-reset/confirm")
async def confirm_reset(body: ResetConfirmIn, state: AuthDep, identity: IdentityDep) -> MessageOut:
    _check_password(state, body.new_password)
    now = utcnow()
    async with state.db.read() as db:
        token = await passwords_repo.live_token(db, digest(body.token), now)
    if token is None:
        raise InvalidResetToken()
    password_hash = await state.passwords.hash(body.new_password)
    async with state.db.transaction() as db:
        if not await passwords_repo.spend_token(db, token.id, now):
            raise InvalidResetToken()
        user = await users_repo.get_user(db, token.user_id)
        if user is None:
            raise InvalidResetToken()
        await users_repo.set_password_hash(db, user.id, password_hash, now=now)
        await passwords_repo.spend_tokens_of_user(db, user.id, now)
        actor = actor_of(identity, user.id)
        await revoke(state, db, user.id, now, actor, reason="password_reset")
        await _notify_password_changed(state, db, user.id, user.name)
        await state.outbox.record(db, PasswordResetCompleted(), actor=actor, resource_id=user.id)
    return MessageOut(message="Password reset successfully")


@router.post("/v1/users/me/password", dependencies=[PASSWORD_CHANGE_LIMIT])
async def change_password(body: ChangePasswordIn, state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    assert identity.user_id is not None
    _check_password(state, body.new_password)
    async with state.db.read() as db:
        user = await users_repo.get_user(db, identity.user_id)
    if user is None or not await state.passwords.verify(user.password_hash, body.current_password):
        raise WrongCurrentPassword()
    password_hash = await state.passwords.hash(body.new_password)
    now = utcnow()
    async with state.db.transaction() as db:
        await users_repo.set_password_hash(db, user.id, password_hash, now=now)
        actor = actor_of(identity)
        await revoke(state, db, user.id, now, actor, keep=identity.session_id, reason="password_changed")
        await _notify_password_changed(state, db, user.id, user.name)
        await state.outbox.record(db, PasswordChanged(), actor=actor, resource_id=user.id)
    return MessageOut(message="Password changed successfully")


async def _notify_password_changed(state: AuthState, db: AsyncSession, user_id: int, name: str) -> None:
    primary = await emails_repo.primary_email(db, user_id)
    if primary is not None:
        await state.outbox.request_mail(db, "password_changed", primary.email, {"name": name})
