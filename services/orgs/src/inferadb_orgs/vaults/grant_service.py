"""Grant rules, the same for users and teams: the grantee must belong to the vault's organization
(400), one grant per grantee and vault (409, also under concurrent double-submits); below ADMIN, a
grant that covers the actor is raised only up to the actor's own direct grant
(:func:`policy.check_own_vault_grant`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import BadRequest, Conflict
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payload import EventPayload
from inferadb_common.events.payloads.vaults import (
    VaultTeamGrantCreated,
    VaultTeamGrantDeleted,
    VaultTeamGrantUpdated,
    VaultUserGrantCreated,
    VaultUserGrantDeleted,
    VaultUserGrantUpdated,
)
from inferadb_common.ids import new_id
from inferadb_orgs import policy
from inferadb_orgs.errors import GrantNotFound, NotAnOrganizationMember
from inferadb_orgs.events import record
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.roles import OrgRole, VaultRole
from inferadb_orgs.state import OrgsState
from inferadb_orgs.teams import repository as teams_repo
from inferadb_orgs.vaults import grant_repository as grants_repo
from inferadb_orgs.vaults import repository as repo
from inferadb_orgs.vaults.records import GrantRecord, VaultRecord


class TeamNotInOrganization(BadRequest):
    default_message = "Team is not part of this organization"


@dataclass(frozen=True, slots=True)
class GrantKind:
    table: Table
    grantee: str  # the grantee column: user_id or team_id
    duplicate: str

    def created(self, vault_id: int, grantee_id: int, role: str) -> EventPayload:
        if self.grantee == "user_id":
            return VaultUserGrantCreated(vault_id=vault_id, user_id=grantee_id, role=role)
        return VaultTeamGrantCreated(vault_id=vault_id, team_id=grantee_id, role=role)

    def updated(self, vault_id: int, grantee_id: int, role: str, previous_role: str) -> EventPayload:
        if self.grantee == "user_id":
            return VaultUserGrantUpdated(vault_id=vault_id, user_id=grantee_id, role=role, previous_role=previous_role)
        return VaultTeamGrantUpdated(vault_id=vault_id, team_id=grantee_id, role=role, previous_role=previous_role)

    def deleted(self, vault_id: int, grantee_id: int, role: str) -> EventPayload:
        if self.grantee == "user_id":
            return VaultUserGrantDeleted(vault_id=vault_id, user_id=grantee_id, role=role)
        return VaultTeamGrantDeleted(vault_id=vault_id, team_id=grantee_id, role=role)

    async def check_grantee(self, db: AsyncSession, organization_id: int, grantee_id: int) -> None:
        if self.grantee == "user_id":
            if await members_repo.member_by_user(db, organization_id, grantee_id) is None:
                raise NotAnOrganizationMember()
        elif await teams_repo.get_team(db, organization_id, grantee_id) is None:
            raise TeamNotInOrganization()

    async def covers(self, db: AsyncSession, grantee_id: int, user_id: int) -> bool:
        """Whether a grant to ``grantee_id`` gives ``user_id`` a role: the user's own, or a team of theirs."""
        if self.grantee == "user_id":
            return grantee_id == user_id
        return await teams_repo.team_member_by_user(db, grantee_id, user_id) is not None


USER = GrantKind(repo.USER_GRANTS, "user_id", "The user already has a grant on this vault")
TEAM = GrantKind(repo.TEAM_GRANTS, "team_id", "The team already has a grant on this vault")


@dataclass(frozen=True, slots=True)
class Grants:
    """The grants of one kind on one vault, as one caller manages them in one transaction."""

    state: OrgsState
    db: AsyncSession
    access: OrgAccess
    actor: Actor
    kind: GrantKind
    vault: VaultRecord

    async def create(self, grantee_id: int, role: VaultRole, now: datetime) -> GrantRecord:
        kind, vault = self.kind, self.vault
        await kind.check_grantee(self.db, self.access.organization_id, grantee_id)
        await self._check_own_grant(grantee_id, role, previous=None)
        grant_id = new_id()
        try:
            await repo.insert_grant(
                self.db,
                kind.table,
                id=grant_id,
                vault_id=vault.id,
                role=role.value,
                granted_at=now,
                granted_by_user_id=self.access.user_id,
                grantee_id=grantee_id,
            )
        except IntegrityError as exc:
            raise Conflict(kind.duplicate) from exc
        await self._record(kind.created(vault.id, grantee_id, role.value), grant_id)
        return await self._get(grant_id)

    async def update(self, grant_id: int, role: VaultRole) -> GrantRecord:
        grant = await self._get(grant_id)
        if grant.role != role.value:
            previous = VaultRole(grant.role)
            await self._check_own_grant(grant.grantee_id, role, previous=previous)
            await repo.update_grant(self.db, self.kind.table, grant_id, role=role.value)
            await self._record(self.kind.updated(self.vault.id, grant.grantee_id, role.value, grant.role), grant_id)
        return await self._get(grant_id)

    async def delete(self, grant_id: int) -> None:
        grant = await self._get(grant_id)
        await repo.delete_grant(self.db, self.kind.table, grant_id)
        await self._record(self.kind.deleted(self.vault.id, grant.grantee_id, grant.role), grant_id)

    async def _check_own_grant(self, grantee_id: int, role: VaultRole, *, previous: VaultRole | None) -> None:
        access = self.access
        if access.role.at_least(OrgRole.ADMIN) or not await self.kind.covers(self.db, grantee_id, access.user_id):
            return
        direct = await grants_repo.direct_role(self.db, self.vault.id, access.user_id)
        policy.check_own_vault_grant(access, role, previous=previous, direct=VaultRole(direct) if direct else None)

    async def _get(self, grant_id: int) -> GrantRecord:
        grant = await repo.get_grant(self.db, self.kind.table, self.vault.id, grant_id)
        if grant is None:
            raise GrantNotFound()
        return grant

    async def _record(self, payload: EventPayload, grant_id: int) -> None:
        await record(self.state, self.db, self.access, self.actor, payload, grant_id)
