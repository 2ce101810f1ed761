"""Request and response models of the invitation routes (api.md §3). A token is never in a response."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from inferadb_common.wire import EmailAddress, IdOut, RequestModel, ResponseModel, Timestamp, format_timestamp
from inferadb_orgs.invitations.records import InvitationRecord, ReceivedInvitationRecord
from inferadb_orgs.roles import OrgRole, OrgRoleIn
from inferadb_orgs.schemas import PaginationOut


class InvitationIn(RequestModel):
    email: EmailAddress
    role: OrgRoleIn = OrgRole.MEMBER


class AcceptInvitationIn(RequestModel):
    token: str = Field(min_length=1, max_length=256)


class InvitationOut(ResponseModel):
    id: IdOut
    organization_id: IdOut
    email: str
    role: str
    status: str
    created_at: Timestamp
    expires_at: Timestamp
    invited_by_user_id: IdOut

    @classmethod
    def of(cls, row: InvitationRecord, now: datetime) -> InvitationOut:
        return cls(**_fields(row, now))


class ReceivedInvitationOut(InvitationOut):
    organization_name: str

    @classmethod
    def received(cls, row: ReceivedInvitationRecord, now: datetime) -> ReceivedInvitationOut:
        return cls(**_fields(row, now), organization_name=row.organization_name)


def _fields(row: InvitationRecord, now: datetime) -> dict[str, Any]:
    return {
        "id": row.id,
        "organization_id": row.organization_id,
        "email": row.email,
        "role": row.role,
        "status": "expired" if row.status == "pending" and row.expires_at <= now else row.status,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "invited_by_user_id": row.invited_by_user_id,
    }


def invitation_json(row: InvitationRecord, now: datetime) -> dict[str, Any]:
    """``InvitationOut.of(row, now)`` in its wire form, built directly."""
    fields = _fields(row, now)
    return {
        "id": str(row.id),
        "organization_id": str(row.organization_id),
        "email": row.email,
        "role": row.role,
        "status": fields["status"],
        "created_at": format_timestamp(row.created_at),
        "expires_at": format_timestamp(row.expires_at),
        "invited_by_user_id": str(row.invited_by_user_id),
    }


class InvitationEnvelope(ResponseModel):
    invitation: InvitationOut


class InvitationsPage(ResponseModel):
    invitations: list[InvitationOut]
    pagination: PaginationOut


class ReceivedInvitationsPage(ResponseModel):
    invitations: list[ReceivedInvitationOut]
    pagination: PaginationOut
