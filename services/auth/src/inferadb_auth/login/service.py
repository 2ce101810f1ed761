"""Signing in with a password and signing out.

A failed sign-in costs the same Argon2 work whether or not the address exists (no enumeration by
timing) and is recorded as ``user.login_failed``; a hash made under older parameters is upgraded.
When the user has TOTP on, a right password buys only an ``mfa_token`` for the second step
(``inferadb_auth.mfa.service.complete_login``), never a session.
"""

from __future__ import annotations

from dataclasses import dataclass

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.errors import EmailNotVerified, InvalidCredentials
from inferadb_auth.mfa import repository as mfa_repo
from inferadb_auth.mfa.service import issue_challenge
from inferadb_auth.sessions.service import SignedIn, create_session, revoke
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.service import profile
from inferadb_common.clock import utcnow
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.auth import UserLogin, UserLoginFailed, UserLogout
from inferadb_common.identity import Identity
from inferadb_common.metrics import AUTH_ATTEMPTS


@dataclass(frozen=True, slots=True)
class MfaRequired:
    """The password was right and the user has TOTP on: the sign-in continues at ``/v1/auth/login/mfa``."""

    mfa_token: str


async def login(
    state: AuthState, identity: Identity, address: str, password: str, session_type: str
) -> SignedIn | MfaRequired:
    async with state.db.read() as db:
        # The address's owner, else its earliest unverified holder: one query whatever the case.
        email = await emails_repo.sign_in_address(db, address, utcnow())
        user = await users_repo.get_user(db, email.user_id) if email is not None else None
    # The same Argon2 work whether or not the address exists: no enumeration by timing.
    valid = await state.passwords.verify(user.password_hash if user is not None else None, password)
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
    new_hash = await state.passwords.hash(password) if state.passwords.needs_rehash(user.password_hash) else None
    now = utcnow()
    async with state.db.transaction() as db:
        if state.settings.features.require_email_verification and not await emails_repo.has_verified_email(db, user.id):
            AUTH_ATTEMPTS.labels(result="unverified").inc()
            raise EmailNotVerified()
        if new_hash is not None:
            await users_repo.upgrade_password_hash(db, user.id, new_hash)
        if await mfa_repo.totp_enabled(db, user.id):
            mfa_token = await issue_challenge(db, user.id, session_type, now)
            AUTH_ATTEMPTS.labels(result="mfa_required").inc()
            return MfaRequired(mfa_token=mfa_token)
        issued = await create_session(
            state,
            db,
            user.id,
            session_type,
            now,
            ip_address=identity.ip_address,
            user_agent=identity.user_agent,
        )
        await state.outbox.record(
            db,
            UserLogin(session_type=session_type),
            actor=actor_of(identity, user.id),
            resource_id=issued.session.id,
        )
        signed_in = SignedIn(issued=issued, user=await profile(db, user.id))
    AUTH_ATTEMPTS.labels(result="success").inc()
    return signed_in


async def logout(state: AuthState, identity: Identity) -> None:
    """End the caller's current session, if it has one that is still active."""
    if identity.user_id is None or identity.session_id is None:
        return
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
