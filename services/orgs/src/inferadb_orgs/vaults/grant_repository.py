"""SQL for what the escalation rules read of vault grants: a team's grants, a user's roles on some
vaults, a user's direct grant (policy.py decides with them)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_orgs.tables import team_members, vault_team_grants, vault_user_grants


async def team_grants_of_team(db: AsyncSession, team_id: int) -> list[tuple[int, str]]:
    """``(vault_id, role)`` of every grant the team holds (deleted vaults keep none)."""
    query = select(vault_team_grants.c.vault_id, vault_team_grants.c.role).where(vault_team_grants.c.team_id == team_id)
    return [(int(vault_id), str(role)) for vault_id, role in (await db.execute(query)).all()]


async def vault_roles_of_user_on(db: AsyncSession, user_id: int, vault_ids: Collection[int]) -> list[tuple[int, str]]:
    """``(vault_id, role)`` of the user's direct grants and of the grants of all the user's teams on those vaults."""
    direct = select(vault_user_grants.c.vault_id, vault_user_grants.c.role).where(
        vault_user_grants.c.user_id == user_id, vault_user_grants.c.vault_id.in_(vault_ids)
    )
    through_teams = (
        select(vault_team_grants.c.vault_id, vault_team_grants.c.role)
        .join(team_members, team_members.c.team_id == vault_team_grants.c.team_id)
        .where(team_members.c.user_id == user_id, vault_team_grants.c.vault_id.in_(vault_ids))
    )
    return [(int(vault_id), str(role)) for vault_id, role in (await db.execute(union_all(direct, through_teams))).all()]


async def direct_role(db: AsyncSession, vault_id: int, user_id: int) -> str | None:
    """The role of the user's own grant on the vault, if any (team grants aside)."""
    query = select(vault_user_grants.c.role).where(
        vault_user_grants.c.vault_id == vault_id, vault_user_grants.c.user_id == user_id
    )
    role = (await db.execute(query)).scalar_one_or_none()
    return None if role is None else str(role)
