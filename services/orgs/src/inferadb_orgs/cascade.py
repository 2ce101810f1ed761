"""What goes with an organization, and what a user loses on leaving one.

One place per cascade so later resources join it here. The foreign keys cascade too, as a safety
net; these explicit deletes keep the behaviour the same on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.clock import utcnow
from inferadb_common.events.payloads.organizations import MemberRemoved
from inferadb_orgs.certificates import repository as certificates_repo
from inferadb_orgs.clients import repository as clients_repo
from inferadb_orgs.invitations import repository as invitations_repo
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.teams import repository as teams_repo
from inferadb_orgs.tokens import repository as tokens_repo
from inferadb_orgs.tokens.subject_cache import mark_credentials_changed
from inferadb_orgs.vaults import repository as vaults_repo


async def delete_organization_with_contents(db: AsyncSession, organization_id: int) -> None:
    """Refresh-token families, client certificates and clients, vaults (live ones must be gone
    already) and their grants, teams with their members, permissions and vault grants, invitations,
    members, then the organization itself."""
    mark_credentials_changed(db)
    await tokens_repo.delete_families_of_organization(db, organization_id)
    await certificates_repo.delete_certificates_of_organization(db, organization_id)
    await clients_repo.delete_clients_of_organization(db, organization_id)
    await vaults_repo.delete_vaults_of_organization(db, organization_id)
    await teams_repo.delete_teams_of_organization(db, organization_id)
    await invitations_repo.delete_invitations_of_organization(db, organization_id)
    await members_repo.delete_members_of_organization(db, organization_id)
    await organizations_repo.delete_organization(db, organization_id)


@dataclass(frozen=True, slots=True)
class RemovedAccess:
    """What a departing member lost with the membership."""

    team_memberships: int
    vault_grants: int
    refresh_token_families: int

    def member_removed(self, user_id: int, role: str, reason: str) -> MemberRemoved:
        return MemberRemoved(
            user_id=user_id,
            role=role,
            reason=reason,
            team_memberships_removed=self.team_memberships,
            vault_grants_removed=self.vault_grants,
            refresh_tokens_revoked=self.refresh_token_families,
        )


async def remove_member_access(db: AsyncSession, organization_id: int, user_id: int) -> RemovedAccess:
    """A departing member's team memberships, direct vault grants and vault-token families there."""
    families = await tokens_repo.revoke_families(
        db, tokens_repo.of_user(user_id, organization_id), utcnow(), "member_removed"
    )
    return RemovedAccess(
        team_memberships=await teams_repo.remove_user_from_teams(db, user_id, organization_id),
        vault_grants=await vaults_repo.remove_user_grants(db, user_id, organization_id),
        refresh_token_families=len(families),
    )
