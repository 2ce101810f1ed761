"""``client.teams``: teams, their members and their organization permissions (api.md §4)."""

from __future__ import annotations

from inferadb_management.models import (
    MessageOut,
    TeamEnvelope,
    TeamMemberEnvelope,
    TeamMemberOut,
    TeamMembersPage,
    TeamOut,
    TeamPermissionEnvelope,
    TeamPermissionOut,
    TeamPermissionsPage,
    TeamsPage,
)
from inferadb_management.operation import (
    Call,
    Id,
    PageCall,
    R,
    Resource,
    inner,
    items_of,
    operation,
    page_query,
    paginated,
    parser,
)

_TEAMS = "/v1/organizations/{org}/teams"
_TEAM = _TEAMS + "/{team}"


def _team(envelope: TeamEnvelope) -> TeamOut:
    return envelope.team


def _member(envelope: TeamMemberEnvelope) -> TeamMemberOut:
    return envelope.member


class Teams(Resource[R]):
    @operation("POST", _TEAMS)
    def create(self, org: Id, name: str, description: str | None = None) -> Call[TeamOut]:
        body = {"name": name} if description is None else {"name": name, "description": description}
        return Call(inner(TeamEnvelope, _team), path={"org": org}, json=body)

    @operation("GET", _TEAMS)
    def list(
        self, org: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[TeamsPage]:
        return Call(parser(TeamsPage), path={"org": org}, query=page_query(limit, offset, cursor))

    @paginated("GET", _TEAMS)
    def iter(self, org: Id, limit: int | None = None) -> PageCall[TeamOut]:
        call = Call(parser(TeamsPage), path={"org": org}, query=page_query(limit, None, None))
        return PageCall(call, items_of(TeamsPage, lambda page: page.teams))

    @operation("GET", _TEAM)
    def get(self, org: Id, team: Id) -> Call[TeamOut]:
        return Call(inner(TeamEnvelope, _team), path={"org": org, "team": team})

    @operation("PATCH", _TEAM)
    def update(self, org: Id, team: Id, name: str | None = None, description: str | None = None) -> Call[TeamOut]:
        body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        return Call(inner(TeamEnvelope, _team), path={"org": org, "team": team}, json=body)

    @operation("DELETE", _TEAM)
    def delete(self, org: Id, team: Id) -> Call[MessageOut]:
        """Removes its members, permissions and vault grants."""
        return Call(parser(MessageOut), path={"org": org, "team": team})

    # -- members

    @operation("POST", _TEAM + "/members")
    def add_member(self, org: Id, team: Id, user_id: Id, is_manager: bool = False) -> Call[TeamMemberOut]:
        body = {"user_id": str(user_id), "is_manager": is_manager}
        return Call(inner(TeamMemberEnvelope, _member), path={"org": org, "team": team}, json=body)

    @operation("GET", _TEAM + "/members")
    def list_members(
        self, org: Id, team: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[TeamMembersPage]:
        return Call(parser(TeamMembersPage), path={"org": org, "team": team}, query=page_query(limit, offset, cursor))

    @paginated("GET", _TEAM + "/members")
    def iter_members(self, org: Id, team: Id, limit: int | None = None) -> PageCall[TeamMemberOut]:
        call = Call(parser(TeamMembersPage), path={"org": org, "team": team}, query=page_query(limit, None, None))
        return PageCall(call, items_of(TeamMembersPage, lambda page: page.members))

    @operation("PATCH", _TEAM + "/members/{member}")
    def update_member(self, org: Id, team: Id, member: Id, is_manager: bool) -> Call[TeamMemberOut]:
        path = {"org": org, "team": team, "member": member}
        return Call(inner(TeamMemberEnvelope, _member), path=path, json={"is_manager": is_manager})

    @operation("DELETE", _TEAM + "/members/{member}")
    def remove_member(self, org: Id, team: Id, member: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "team": team, "member": member})

    # -- permissions

    @operation("POST", _TEAM + "/permissions")
    def grant_permission(self, org: Id, team: Id, permission: str) -> Call[TeamPermissionOut]:
        """``permission``: one of ``ORG_PERM_…`` (OWNER only)."""
        path = {"org": org, "team": team}
        return Call(inner(TeamPermissionEnvelope, lambda e: e.permission), path=path, json={"permission": permission})

    @operation("GET", _TEAM + "/permissions")
    def list_permissions(
        self, org: Id, team: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[TeamPermissionsPage]:
        path = {"org": org, "team": team}
        return Call(parser(TeamPermissionsPage), path=path, query=page_query(limit, offset, cursor))

    @operation("DELETE", _TEAM + "/permissions/{permission}")
    def revoke_permission(self, org: Id, team: Id, permission: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "team": team, "permission": permission})
