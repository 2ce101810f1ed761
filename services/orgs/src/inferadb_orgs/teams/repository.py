"""SQL for teams, their members and their permissions."""

from __future__ import annotations

from typing import Any, Unpack

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import Reader
from inferadb_common.pagination import PageParams
from inferadb_orgs.paging import fetch_records
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import directory_users, team_members, team_permissions, teams, vault_team_grants
from inferadb_orgs.teams.records import (
    TeamChanges,
    TeamMemberRecord,
    TeamMemberValues,
    TeamPermissionRecord,
    TeamPermissionValues,
    TeamRecord,
    TeamValues,
)

_member_count = (
    select(func.count())
    .where(team_members.c.team_id == teams.c.id)
    .correlate(teams)
    .scalar_subquery()
    .label("member_count")
)
_TEAM = columns_of(TeamRecord, teams, member_count=_member_count)
_TEAM_MEMBER = columns_of(TeamMemberRecord, team_members, name=directory_users.c.name, email=directory_users.c.email)
_TEAM_PERMISSION = columns_of(TeamPermissionRecord, team_permissions)


def _org_teams(organization_id: int) -> Any:
    return select(teams.c.id).where(teams.c.organization_id == organization_id).scalar_subquery()


# -- teams ----------------------------------------------------------------------------------------


async def get_team(db: AsyncSession, organization_id: int, team_id: int) -> TeamRecord | None:
    query = select(*_TEAM).where(teams.c.id == team_id, teams.c.organization_id == organization_id)
    row = (await db.execute(query)).first()
    return TeamRecord(*row) if row is not None else None


async def list_teams(db: AsyncSession, organization_id: int, page: PageParams) -> tuple[list[TeamRecord], int]:
    scope = [teams.c.organization_id == organization_id]
    return await fetch_records(db, select(*_TEAM), teams.c.id, scope, page, TeamRecord)


async def count_teams(db: AsyncSession, organization_id: int) -> int:
    query = select(func.count()).where(teams.c.organization_id == organization_id)
    return int((await db.execute(query)).scalar_one())


async def insert_team(db: AsyncSession, **team: Unpack[TeamValues]) -> None:
    await db.execute(insert(teams).values(dict(team)))


async def update_team(db: AsyncSession, team_id: int, changes: TeamChanges) -> None:
    await db.execute(update(teams).where(teams.c.id == team_id).values(dict(changes)))


async def delete_team(db: AsyncSession, team_id: int) -> dict[str, int]:
    """The team with its members, permissions and vault team grants; how many of each went."""
    removed = {
        "members": await _delete_count(db, delete(team_members).where(team_members.c.team_id == team_id)),
        "permissions": await _delete_count(db, delete(team_permissions).where(team_permissions.c.team_id == team_id)),
        "vault_grants": await _delete_count(
            db, delete(vault_team_grants).where(vault_team_grants.c.team_id == team_id)
        ),
    }
    await db.execute(delete(teams).where(teams.c.id == team_id))
    return removed


async def delete_teams_of_organization(db: AsyncSession, organization_id: int) -> None:
    org_teams = _org_teams(organization_id)
    await db.execute(delete(vault_team_grants).where(vault_team_grants.c.team_id.in_(org_teams)))
    await db.execute(delete(team_permissions).where(team_permissions.c.team_id.in_(org_teams)))
    await db.execute(delete(team_members).where(team_members.c.team_id.in_(org_teams)))
    await db.execute(delete(teams).where(teams.c.organization_id == organization_id))


async def _delete_count(db: AsyncSession, statement: Any) -> int:
    return int((await db.execute(statement)).rowcount)  # type: ignore[attr-defined]


# -- team members ---------------------------------------------------------------------------------


def _team_member_query() -> Any:
    return select(*_TEAM_MEMBER).outerjoin(directory_users, directory_users.c.id == team_members.c.user_id)


async def get_team_member(db: AsyncSession, team_id: int, member_id: int) -> TeamMemberRecord | None:
    query = _team_member_query().where(team_members.c.id == member_id, team_members.c.team_id == team_id)
    row = (await db.execute(query)).first()
    return TeamMemberRecord(*row) if row is not None else None


async def team_member_by_user(db: AsyncSession, team_id: int, user_id: int) -> TeamMemberRecord | None:
    query = _team_member_query().where(team_members.c.team_id == team_id, team_members.c.user_id == user_id)
    row = (await db.execute(query)).first()
    return TeamMemberRecord(*row) if row is not None else None


async def list_team_members(db: AsyncSession, team_id: int, page: PageParams) -> tuple[list[TeamMemberRecord], int]:
    scope = [team_members.c.team_id == team_id]
    return await fetch_records(db, _team_member_query(), team_members.c.id, scope, page, TeamMemberRecord)


async def insert_team_member(db: AsyncSession, **member: Unpack[TeamMemberValues]) -> None:
    await db.execute(insert(team_members).values(dict(member)))


async def update_team_member(db: AsyncSession, member_id: int, *, is_manager: bool) -> None:
    await db.execute(update(team_members).where(team_members.c.id == member_id).values(is_manager=is_manager))


async def delete_team_member(db: AsyncSession, member_id: int) -> None:
    await db.execute(delete(team_members).where(team_members.c.id == member_id))


async def remove_user_from_teams(db: AsyncSession, user_id: int, organization_id: int | None = None) -> int:
    """The user's team memberships in one organization (or everywhere); how many went."""
    statement = delete(team_members).where(team_members.c.user_id == user_id)
    if organization_id is not None:
        statement = statement.where(team_members.c.team_id.in_(_org_teams(organization_id)))
    return await _delete_count(db, statement)


# -- team permissions -----------------------------------------------------------------------------


async def permissions_of_user(db: Reader, organization_id: int, user_id: int) -> list[str]:
    """Every permission granted to a team of the organization the user belongs to."""
    query = (
        select(team_permissions.c.permission)
        .distinct()
        .join(team_members, team_members.c.team_id == team_permissions.c.team_id)
        .join(teams, teams.c.id == team_permissions.c.team_id)
        .where(team_members.c.user_id == user_id, teams.c.organization_id == organization_id)
    )
    return [str(name) for name in (await db.execute(query)).scalars()]


async def permissions_of_team(db: AsyncSession, team_id: int) -> list[str]:
    query = select(team_permissions.c.permission).where(team_permissions.c.team_id == team_id)
    return [str(name) for name in (await db.execute(query)).scalars()]


async def list_team_permissions(
    db: AsyncSession, team_id: int, page: PageParams
) -> tuple[list[TeamPermissionRecord], int]:
    scope = [team_permissions.c.team_id == team_id]
    query = select(*_TEAM_PERMISSION)
    return await fetch_records(db, query, team_permissions.c.id, scope, page, TeamPermissionRecord)


async def get_team_permission(
    db: AsyncSession, team_id: int, *, permission_id: int | None = None, name: str | None = None
) -> TeamPermissionRecord | None:
    query = select(*_TEAM_PERMISSION).where(team_permissions.c.team_id == team_id)
    if permission_id is not None:
        query = query.where(team_permissions.c.id == permission_id)
    if name is not None:
        query = query.where(team_permissions.c.permission == name)
    row = (await db.execute(query)).first()
    return TeamPermissionRecord(*row) if row is not None else None


async def insert_team_permission(db: AsyncSession, **permission: Unpack[TeamPermissionValues]) -> None:
    await db.execute(insert(team_permissions).values(dict(permission)))


async def delete_team_permission(db: AsyncSession, permission_id: int) -> None:
    await db.execute(delete(team_permissions).where(team_permissions.c.id == permission_id))
