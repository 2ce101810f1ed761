"""Request and response models of the team routes (api.md §4)."""

from __future__ import annotations

from inferadb_common.wire import IdIn, IdOut, RequestModel, ResponseModel, Timestamp
from inferadb_orgs.roles import TeamPermissionIn
from inferadb_orgs.schemas import Description, DisplayName, PaginationOut
from inferadb_orgs.teams.records import TeamMemberRecord, TeamRecord


class TeamIn(RequestModel):
    name: DisplayName
    description: Description = None


class TeamUpdateIn(RequestModel):
    name: DisplayName | None = None
    description: Description = None


class TeamOut(ResponseModel):
    id: IdOut
    name: str
    description: str | None
    organization_id: IdOut
    member_count: int
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, row: TeamRecord) -> TeamOut:
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            organization_id=row.organization_id,
            member_count=row.member_count,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class TeamEnvelope(ResponseModel):
    team: TeamOut


class TeamsPage(ResponseModel):
    teams: list[TeamOut]
    pagination: PaginationOut


class TeamMemberIn(RequestModel):
    user_id: IdIn
    is_manager: bool = False


class TeamMemberUpdateIn(RequestModel):
    is_manager: bool


class TeamMemberOut(ResponseModel):
    id: IdOut
    team_id: IdOut
    user_id: IdOut
    name: str | None
    email: str | None
    is_manager: bool
    created_at: Timestamp

    @classmethod
    def of(cls, row: TeamMemberRecord) -> TeamMemberOut:
        return cls(
            id=row.id,
            team_id=row.team_id,
            user_id=row.user_id,
            name=row.name,
            email=row.email,
            is_manager=row.is_manager,
            created_at=row.created_at,
        )


class TeamMemberEnvelope(ResponseModel):
    member: TeamMemberOut


class TeamMembersPage(ResponseModel):
    members: list[TeamMemberOut]
    pagination: PaginationOut


class TeamPermissionGrantIn(RequestModel):
    permission: TeamPermissionIn


class TeamPermissionOut(ResponseModel):
    id: IdOut
    team_id: IdOut
    permission: str
    granted_at: Timestamp
    granted_by_user_id: IdOut


class TeamPermissionEnvelope(ResponseModel):
    permission: TeamPermissionOut


class TeamPermissionsPage(ResponseModel):
    permissions: list[TeamPermissionOut]
    pagination: PaginationOut
