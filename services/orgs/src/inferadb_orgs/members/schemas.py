"""Request and response models of the member routes (api.md §3)."""

from __future__ import annotations

from inferadb_common.wire import IdOut, RequestModel, ResponseModel, Timestamp
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


class MemberEnvelope(ResponseModel):
    member: MemberOut


class MembersPage(ResponseModel):
    members: list[MemberOut]
    pagination: PaginationOut
