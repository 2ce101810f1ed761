"""The caller's email addresses (api.md §2): list, add, make primary, delete, resend verification."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.emails.repository import EmailRecord
from inferadb_auth.limits import address_allowed
from inferadb_auth.schemas import EmailOut, MessageOut
from inferadb_auth.state import AuthDep, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.addresses import purge_expired
from inferadb_auth.users.service import issue_verification
from inferadb_common.clock import utcnow
from inferadb_common.errors import Conflict, NotFound, ValidationFailed
from inferadb_common.events.payloads.auth import EmailAdded, EmailPrimaryChanged, EmailRemoved
from inferadb_common.ids import new_id
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.wire import EmailAddress, IdIn, RequestModel, ResponseModel

router = APIRouter()
MAX_EMAILS_PER_USER = 10


class EmailNotFound(NotFound):
    default_message = "Email not found"


class EmailTaken(Conflict):
    default_message = "Email already registered"


class EmailsOut(ResponseModel):
    emails: list[EmailOut]


class EmailEnvelope(ResponseModel):
    email: EmailOut


class AddEmailIn(RequestModel):
    email: EmailAddress


class UpdateEmailIn(RequestModel):
    is_primary: bool


def _view(row: EmailRecord) -> EmailOut:
    return EmailOut(
        id=row.id,
        email=row.email,
        is_primary=row.is_primary,
        is_verified=row.verified_at is not None,
        created_at=row.created_at,
        verified_at=row.verified_at,
    )


@router.get("/v1/users/emails")
async def list_emails(state: AuthDep, identity: AuthenticatedDep) -> EmailsOut:
    assert identity.user_id is not None
    async with state.db.read() as db:
        rows = await emails_repo.emails_of_user(db, identity.user_id, utcnow())
    return EmailsOut(emails=[_view(row) for row in rows])


@router.post("/v1/users/emails", status_code=201)
async def add_email(body: AddEmailIn, state: AuthDep, identity: AuthenticatedDep) -> EmailEnvelope:
    assert identity.user_id is not None
    limit = state.settings.rate_limiting.email_verification_tokens_per_hour
    send_mail = await address_allowed(state, "email_verification", limit, body.email, identity)
    now = utcnow()
    email_id = new_id()
    try:
        async with state.db.transaction() as db:
            await purge_expired(state, db, now, user_id=identity.user_id)  # an expired copy may be re-added
            # Taken: owned (verified) by anyone, or already held by the caller; another user's
            # unverified copy is nobody's yet and does not block.
            if await emails_repo.verified_holder(db, body.email) is not None:
                raise EmailTaken()
            if await emails_repo.copy_of_user(db, identity.user_id, body.email) is not None:
                raise EmailTaken()
            if await emails_repo.count_emails(db, identity.user_id, now) >= MAX_EMAILS_PER_USER:
                raise ValidationFailed(details={"email": f"At most {MAX_EMAILS_PER_USER} addresses per account"})
            await emails_repo.insert_email(
                db, email_id=email_id, user_id=identity.user_id, address=body.email, is_primary=False, now=now
            )
            user = await users_repo.get_user(db, identity.user_id)
            assert user is not None
            if send_mail:
                await issue_verification(state, db, email_id, body.email, user.name, now)
            await state.outbox.record(db, EmailAdded(email=body.email), actor=actor_of(identity), resource_id=email_id)
            row = await emails_repo.get_email(db, email_id)
    except IntegrityError as exc:  # the same address added twice at once by the caller
        raise EmailTaken() from exc
    assert row is not None
    return EmailEnvelope(email=_view(row))


@router.patch("/v1/users/emails/{email}")
async def update_email(email: IdIn, body: UpdateEmailIn, state: AuthDep, identity: AuthenticatedDep) -> EmailEnvelope:
    assert identity.user_id is not None
    if not body.is_primary:
        raise ValidationFailed(details={"is_primary": "Make another address primary instead"})
    async with state.db.transaction() as db:
        row = await emails_repo.email_of_user(db, identity.user_id, email, utcnow())
        if row is None:
            raise EmailNotFound()
        if row.verified_at is None:
            raise Conflict("Only a verified email address can become primary")
        if not row.is_primary:
            old = await emails_repo.primary_email(db, identity.user_id)
            if old is not None:  # demote first: the database allows one primary per user
                await emails_repo.set_primary(db, old.id, False)
            await emails_repo.set_primary(db, row.id, True)
            await state.outbox.record(
                db,
                EmailPrimaryChanged(email=row.email, user_id=identity.user_id),
                actor=actor_of(identity),
                resource_id=row.id,
            )
        updated = await emails_repo.get_email(db, row.id)
    assert updated is not None
    return EmailEnvelope(email=_view(updated))


@router.delete("/v1/users/emails/{email}")
async def delete_email(email: IdIn, state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    assert identity.user_id is not None
    async with state.db.transaction() as db:
        row = await emails_repo.email_of_user(db, identity.user_id, email, utcnow())
        if row is None:
            raise EmailNotFound()
        if row.is_primary:
            raise Conflict("Cannot delete the primary email address")
        await emails_repo.delete_email(db, row.id)
        await state.outbox.record(
            db,
            EmailRemoved(email=row.email, user_id=identity.user_id),
            actor=actor_of(identity),
            resource_id=row.id,
        )
    return MessageOut(message="Email removed successfully")


@router.post("/v1/users/emails/{email}/resend-verification", status_code=202)
async def resend(email: IdIn, state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    assert identity.user_id is not None
    async with state.db.read() as db:
        row = await emails_repo.email_of_user(db, identity.user_id, email, utcnow())
    if row is None:  # an expired copy too: a new token would revive it
        raise EmailNotFound()
    if row.verified_at is not None:
        raise Conflict("Email address is already verified")
    limit = state.settings.rate_limiting.email_verification_tokens_per_hour
    if await address_allowed(state, "email_verification", limit, row.email, identity):
        async with state.db.transaction() as db:
            user = await users_repo.get_user(db, identity.user_id)
            assert user is not None
            await issue_verification(state, db, row.id, row.email, user.name, utcnow())
    return MessageOut(message="Verification email sent")
