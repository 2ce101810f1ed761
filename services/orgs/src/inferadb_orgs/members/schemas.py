"""Request and response models of the member routes (api.md §3)."""

from __future__ import annotations

from typing import Any

from inferadb_common.wire import IdOut, RequestModel, ResponseModel, Timestamp, format_timestamp
from inferadb_orgs.members.records import MemberRecord
from inferadb_orgs.roles import OrgRoleIn
from inferadb_orgs.schemas import PaginationOut


class MemberRoleIn(RequestModel):
    role: OrgRoleIn


class MemberOut(ResponseModel):
    id: IdOut
    user_id: IdOut
    name: str | None
    email: str | None
    role: str
    joined_at: Timestamp

    @classmethod
    def of(cls, row: MemberRecord) -> MemberOut:
        return cls(
            id=row.id, user_id=row.user_id, name=row.name, email=row.email, role=row.role, joined_at=row.joined_at
        )


def member_json(row: MemberRecord) -> dict[str, Any]:
    """``MemberOut.of(row)`` in its wire form, built directly (the members page lists up to 100)."""
    return {
        "id": str(row.id),
        "user_id": str(row.user_id),
        "name": row.name,
        "email": row.email,
        "role": row.role,
        "joined_at": format_timestamp(row.joined_at),
    }


class MemberEnvelope(ResponseModel):
    member: MemberOut


class MembersPage(ResponseModel):
    members: list[MemberOut]
    pagination: PaginationOut
