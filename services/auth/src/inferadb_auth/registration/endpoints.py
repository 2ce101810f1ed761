"""``POST /v1/auth/register``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.limits import REGISTRATION_LIMIT, address_allowed
from inferadb_auth.schemas import SessionOut, UserOut
from inferadb_auth.security.passwords import password_problem
from inferadb_auth.sessions.service import create_session, session_view
from inferadb_auth.state import AuthDep, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.service import issue_verification, user_out
from inferadb_common.clock import utcnow
from inferadb_common.errors import Conflict, ValidationFailed
from inferadb_common.events.payloads.auth import EmailAdded, UserLogin, UserRegistered
from inferadb_common.ids import new_id
from inferadb_common.internal_auth import IdentityDep
from inferadb_common.wire import EmailAddress, IdOut, PersonName, RequestModel, ResponseModel

router = APIRouter()


class RegisterIn(RequestModel):
    name: PersonName
    email: EmailAddress
    password: str = Field(max_length=1024)


class RegisterOut(ResponseModel):
    user: UserOut
    default_organization_id: IdOut
    email_verification_required: bool


class RegisterWithSessionOut(RegisterOut):
    """When email verification is off, registration also signs the user in."""

    session: SessionOut


class EmailTaken(Conflict):
    default_message = "Email already registered"


@router.post(
    "/v1/auth/register",
    status_code=201,
    dependencies=[REGISTRATION_LIMIT],
    responses={409: {"description": EmailTaken.default_message}},  # the gateway adds the error body schema
)
async def register(
    body: RegisterIn, state: AuthDep, identity: IdentityDep, response: Response
) -> RegisterOut | RegisterWithSessionOut:
    limits = state.settings.rate_limiting
    problem = password_problem(body.password, state.settings.auth.password_min_length)
    if problem:
        raise ValidationFailed(details={"password": problem})
    password_hash = await state.passwords.hash(body.password)
    verification_required = state.settings.features.require_email_verification
    send_mail = await address_allowed(
        state, "email_verification", limits.email_verification_tokens_per_hour, body.email, identity
    )
    now = utcnow()
    user_id, email_id, organization_id = new_id(), new_id(), new_id()
    token: str | None = None
    session_out: SessionOut | None = None
    async with state.db.transaction() as db:
        # Only an owner (a verified copy) blocks: an unverified copy elsewhere is nobody's yet.
        if await emails_repo.verified_holder(db, body.email) is not None:
            raise EmailTaken()
        await users_repo.insert_user(db, user_id=user_id, name=body.name, password_hash=password_hash, now=now)
        await emails_repo.insert_email(
            db, email_id=email_id, user_id=user_id, address=body.email, is_primary=True, now=now
        )
        actor = actor_of(identity, user_id)
        registered = UserRegistered(name=body.name, email=body.email, default_organization_id=organization_id)
        await state.outbox.record(db, registered, actor=actor, resource_id=user_id)
        await state.outbox.record(db, EmailAdded(email=body.email, primary=True), actor=actor, resource_id=email_id)
        if send_mail:
            await issue_verification(state, db, email_id, body.email, body.name, now)
        if not verification_required:
            token, session_row = await create_session(
                state,
                db,
                user_id,
                "web",
                now,
                ip_address=identity.ip_address,
                user_agent=identity.user_agent,
            )
            session_out = session_view(session_row, current=True)
            await state.outbox.record(db, UserLogin(session_type="web"), actor=actor, resource_id=session_row.id)
        user = await user_out(db, user_id)
    if token is None or session_out is None:
        return RegisterOut(
            user=user, default_organization_id=organization_id, email_verification_required=verification_required
        )
    state.set_session_cookie(response, token, state.session_ttl("web"))
    return RegisterWithSessionOut(
        user=user,
        default_organization_id=organization_id,
        email_verification_required=verification_required,
        session=session_out,
    )
