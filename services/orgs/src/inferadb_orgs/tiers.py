"""Tier limits (config ``organizations.tiers``) and the per-user membership cap (402 when exceeded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.config import OrganizationsConfig, TierLimits
from inferadb_orgs.errors import TierLimitExceeded
from inferadb_orgs.invitations import repository as invitations_repo
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.organizations.records import OrganizationRecord
from inferadb_orgs.teams import repository as teams_repo
from inferadb_orgs.vaults import repository as vaults_repo


def limits_of(config: OrganizationsConfig, organization: OrganizationRecord) -> TierLimits:
    """The organization's tier limits; a tier no longer configured falls back to the default tier."""
    return config.tiers.get(str(organization.tier)) or config.tiers[config.default_tier]


async def ensure_member_room(
    config: OrganizationsConfig,
    db: AsyncSession,
    organization: OrganizationRecord,
    now: datetime,
    *,
    invitation_counted: bool,
) -> None:
    """Members and live pending invitations together stay within the tier (api.md §9).

    ``invitation_counted``: the newcomer's own invitation is already among the pending ones (accepting).
    """
    await organizations_repo.lock_organization(db, organization.id)
    maximum = limits_of(config, organization).members
    members = await members_repo.count_members(db, organization.id)
    pending = await invitations_repo.count_live_pending(db, organization.id, now)
    taken = members + pending - (1 if invitation_counted else 0)
    if taken >= maximum:
        raise TierLimitExceeded("members", maximum)


async def ensure_team_room(config: OrganizationsConfig, db: AsyncSession, organization: OrganizationRecord) -> None:
    await organizations_repo.lock_organization(db, organization.id)
    maximum = limits_of(config, organization).teams
    if await teams_repo.count_teams(db, organization.id) >= maximum:
        raise TierLimitExceeded("teams", maximum)


async def ensure_vault_room(config: OrganizationsConfig, db: AsyncSession, organization: OrganizationRecord) -> None:
    await organizations_repo.lock_organization(db, organization.id)
    maximum = limits_of(config, organization).vaults
    if await vaults_repo.count_live_vaults(db, organization.id) >= maximum:
        raise TierLimitExceeded("vaults", maximum)


async def ensure_membership_room(config: OrganizationsConfig, db: AsyncSession, user_id: int) -> None:
    """A user belongs to at most ``organizations.max_per_user`` organizations."""
    if await organizations_repo.count_memberships_of_user(db, user_id) >= config.max_per_user:
        raise TierLimitExceeded("organizations", config.max_per_user)
