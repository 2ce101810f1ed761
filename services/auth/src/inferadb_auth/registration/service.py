"""Registration: a user with a primary (unverified) address, in one transaction.

Only an owner of the address (a verified copy) blocks it: an unverified copy elsewhere is nobody's
yet. The default organization is created by orgs on ``user.registered``, under the id chosen here.
With email verification off, registration also signs the user in.
"""

from __future__ import annotations

from dataclasses import dataclass

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.errors import EmailTaken
from inferadb_auth.limits import address_allowed
from inferadb_auth.passwords.service import check_new_password
from inferadb_auth.sessions.service import IssuedSession, create_session
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.repository import ProfileRecord
from inferadb_auth.users.service import profile
from inferadb_auth.verification.service import issue_verification
from inferadb_common.clock import utcnow
from inferadb_common.events.payloads.auth import EmailAdded, UserLogin, UserRegistered
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id


@dataclass(frozen=True, slots=True)
class Registration:
    user: ProfileRecord
    default_organization_id: int
    email_verification_required: bool
    session: IssuedSession | None  # only when email verification is off


async def register(state: AuthState, identity: Identity, name: str, address: str, password: str) -> Registration:
    check_new_password(state, password, field="password")
    password_hash = await state.passwords.hash(password)
    verification_required = state.settings.features.require_email_verification
    limit = state.settings.rate_limiting.email_verification_tokens_per_hour
    send_mail = await address_allowed(state, "email_verification", limit, address, identity)
    now = utcnow()
    user_id, email_id, organization_id = new_id(), new_id(), new_id()
    issued: IssuedSession | None = None
    async with state.db.transaction() as db:
        if await emails_repo.verified_holder(db, address) is not None:
            raise EmailTaken()
        await users_repo.insert_user(db, user_id=user_id, name=name, password_hash=password_hash, now=now)
        await emails_repo.insert_email(
            db, email_id=email_id, user_id=user_id, address=address, is_primary=True, now=now
        )
        actor = actor_of(identity, user_id)
        registered = UserRegistered(name=name, email=address, default_organization_id=organization_id)
        await state.outbox.record(db, registered, actor=actor, resource_id=user_id)
        await state.outbox.record(db, EmailAdded(email=address, primary=True), actor=actor, resource_id=email_id)
        if send_mail:
            await issue_verification(state, db, email_id, address, name, now)
        if not verification_required:
            issued = await create_session(
                state,
                db,
                user_id,
                "web",
                now,
                ip_address=identity.ip_address,
                user_agent=identity.user_agent,
            )
            await state.outbox.record(db, UserLogin(session_type="web"), actor=actor, resource_id=issued.session.id)
        user = await profile(db, user_id)
    return Registration(
        user=user,
        default_organization_id=organization_id,
        email_verification_required=verification_required,
        session=issued,
    )
