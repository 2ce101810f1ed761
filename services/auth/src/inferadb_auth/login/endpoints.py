"""``POST /v1/auth/login/password`` and ``POST /v1/auth/logout``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import Field

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.limits import LOGIN_LIMIT
from inferadb_auth.schemas import MessageOut, SessionOut, UserOut
from inferadb_auth.sessions.service import create_session, revoke, session_view
from inferadb_auth.state import AuthDep, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.service import user_out
from inferadb_common.clock import utcnow
from inferadb_common.errors import Forbidden, Unauthorized
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.auth import UserLogin, UserLoginFailed, UserLogout
from inferadb_common.internal_auth import IdentityDep
from inferadb_common.metrics import AUTH_ATTEMPTS
from inferadb_common.wire import RequestModel, ResponseModel

router = APIRouter()


class LoginIn(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    session_type: Literal["web", "cli", "sdk"] = "web"


class LoginOut(ResponseModel):
    user: UserOut
    session: SessionOut


class InvalidCredentials(Unauthorized):
    code, default_message = "INVALID_CREDENTIALS", "Invalid email or password"


class EmailNotVerified(Forbidden):
    code, default_message = "EMAIL_NOT_VERIFIED", "Email verification required"


@router.post("/v1/auth/login/password", dependencies=[LOGIN_LIMIT])
async def login(body: LoginIn, state: AuthDep, identity: IdentityDep, response: Response) -> LoginOut:
    address = body.email.strip().lower()
    async with state.db.read() as db:
        # The address's owner, else its earliest unverified holder: one query whatever the case.
        email = await emails_repo.sign_in_address(db, address, utcnow())
        user = await users_repo.get_user(db, email.user_id) if email is not None else None
    # The same Argon2 work whether or not the address exists: no enumeration by timing.
    valid = await state.passwords.verify(user.password_hash if user is not None else None, body.password)
    if user is None or not valid:
        AUTH_ATTEMPTS.labels(result="failure").inc()
        async with state.db.transaction() as db:
            await state.outbox.record(
                db,
                UserLoginFailed(reason="invalid_credentials"),
                actor=Actor(
                    user_id=user.id if user else None,
                    ip_address=identity.ip_address,
                    user_agent=identity.user_agent,
                ),
                resource_id=user.id if user else None,
            )
        raise InvalidCredentials()
    new_hash = await state.passwords.hash(body.password) if state.passwords.needs_rehash(user.password_hash) else None
    now = utcnow()
    async with state.db.transaction() as db:
        if state.settings.features.require_email_verification and not await emails_repo.has_verified_email(db, user.id):
            AUTH_ATTEMPTS.labels(result="unverified").inc()
            raise EmailNotVerified()
        if new_hash is not None:
            await users_repo.upgrade_password_hash(db, user.id, new_hash)
        token, session_row = await create_session(
            state,
            db,
            user.id,
            body.session_type,
            now,
            ip_address=identity.ip_address,
            user_agent=identity.user_agent,
        )
        await state.outbox.record(
            db,
            UserLogin(session_type=body.session_type),
            actor=actor_of(identity, user.id),
            resource_id=session_row.id,
        )
        user_view = await user_out(db, user.id)
    AUTH_ATTEMPTS.labels(result="success").inc()
    state.set_session_cookie(response, token, state.session_ttl(body.session_type))
    return LoginOut(user=user_view, session=session_view(session_row, current=True))


@router.post("/v1/auth/logout")
async def logout(state: AuthDep, identity: IdentityDep, response: Response) -> MessageOut:
    if identity.user_id is not None and identity.session_id is not None:
        async with state.db.transaction() as db:
            revoked = await revoke(
                state,
                db,
                identity.user_id,
                utcnow(),
                actor_of(identity),
                only=identity.session_id,
                reason="logout",
            )
            if revoked:
                await state.outbox.record(db, UserLogout(), actor=actor_of(identity), resource_id=identity.session_id)
    state.clear_session_cookie(response)
    return MessageOut(message="Logged out successfully")
