"""The caller's email addresses (api.md §2): list, add, make primary, delete, resend verification."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_auth.emails import service
from inferadb_auth.emails.schemas import AddEmailIn, EmailEnvelope, EmailOut, EmailsOut, UpdateEmailIn
from inferadb_auth.schemas import MessageOut
from inferadb_auth.state import AuthDep
from inferadb_common.errors import ValidationFailed
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.wire import IdIn

router = APIRouter()


@router.get("/v1/users/emails")
async def list_emails(state: AuthDep, identity: AuthenticatedDep) -> EmailsOut:
    return EmailsOut(emails=[EmailOut.of(email) for email in await service.list_emails(state, identity)])


@router.post("/v1/users/emails", status_code=201)
async def add_email(body: AddEmailIn, state: AuthDep, identity: AuthenticatedDep) -> EmailEnvelope:
    return EmailEnvelope(email=EmailOut.of(await service.add_email(state, identity, body.email)))


@router.patch("/v1/users/emails/{email}")
async def update_email(email: IdIn, body: UpdateEmailIn, state: AuthDep, identity: AuthenticatedDep) -> EmailEnvelope:
    if not body.is_primary:
        raise ValidationFailed(details={"is_primary": "Make another address primary instead"})
    return EmailEnvelope(email=EmailOut.of(await service.make_primary(state, identity, email)))


@router.delete("/v1/users/emails/{email}")
async def delete_email(email: IdIn, state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    await service.remove_email(state, identity, email)
    return MessageOut(message="Email removed successfully")


@router.post("/v1/users/emails/{email}/resend-verification", status_code=202)
async def resend(email: IdIn, state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    await service.resend_verification(state, identity, email)
    return MessageOut(message="Verification email sent")
