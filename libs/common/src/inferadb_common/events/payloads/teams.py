"""What orgs' team events carry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from inferadb_common.events.payload import EventPayload, IdStr, Nullable


class TeamRemovals(BaseModel):
    """What went with a deleted team."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    members: int
    permissions: int
    vault_grants: int


class TeamCreated(EventPayload):
    event_type = "team.created"
    name: str


class TeamUpdated(EventPayload):
    event_type = "team.updated"
    name: str | None = None
    description: Nullable[str] = None


class TeamDeleted(EventPayload):
    event_type = "team.deleted"
    name: str
    removed: TeamRemovals


class TeamMemberAdded(EventPayload):
    event_type = "team_member.added"
    team_id: IdStr
    user_id: IdStr
    is_manager: bool


class TeamMemberUpdated(EventPayload):
    event_type = "team_member.updated"
    team_id: IdStr
    user_id: IdStr
    is_manager: bool


class TeamMemberRemoved(EventPayload):
    event_type = "team_member.removed"
    team_id: IdStr
    user_id: IdStr


class TeamPermissionGranted(EventPayload):
    event_type = "team_permission.granted"
    team_id: IdStr
    permission: str


class TeamPermissionRevoked(EventPayload):
    event_type = "team_permission.revoked"
    team_id: IdStr
    permission: str
