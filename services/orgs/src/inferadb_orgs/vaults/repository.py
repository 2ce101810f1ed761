"""SQL for vaults and their user and team grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import Column, Table, delete, func, insert, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.pagination import PageParams
from inferadb_orgs.paging import fetch_records
from inferadb_orgs.records import columns_of
from inferadb_orgs.tables import team_members, vault_team_grants, vault_user_grants, vaults
from inferadb_orgs.vaults.records import GrantRecord, VaultChanges, VaultRecord, VaultValues

USER_GRANTS = vault_user_grants
TEAM_GRANTS = vault_team_grants

_VAULT = columns_of(VaultRecord, vaults)


def _org_vaults(organization_id: int) -> Any:
    return select(vaults.c.id).where(vaults.c.organization_id == organization_id).scalar_subquery()


# -- vaults ---------------------------------------------------------------------------------------


async def live_vault(db: AsyncSession, vault_id: int, *, organization_id: int | None = None) -> VaultRecord | None:
    query = select(*_VAULT).where(vaults.c.id == vault_id, vaults.c.deleted_at.is_(None))
    if organization_id is not None:
        query = query.where(vaults.c.organization_id == organization_id)
    row = (await db.execute(query)).first()
    return VaultRecord(*row) if row is not None else None


async def list_vaults(db: AsyncSession, organization_id: int, page: PageParams) -> tuple[list[VaultRecord], int]:
    scope = [vaults.c.organization_id == organization_id, vaults.c.deleted_at.is_(None)]
    return await fetch_records(db, select(*_VAULT), vaults.c.id, scope, page, VaultRecord)


async def count_live_vaults(db: AsyncSession, organization_id: int) -> int:
    query = select(func.count()).where(vaults.c.organization_id == organization_id, vaults.c.deleted_at.is_(None))
    return int((await db.execute(query)).scalar_one())


async def insert_vault(db: AsyncSession, **vault: Unpack[VaultValues]) -> None:
    await db.execute(insert(vaults).values({**vault, "deleted_at": None}))


async def update_vault(db: AsyncSession, vault_id: int, changes: VaultChanges) -> None:
    await db.execute(update(vaults).where(vaults.c.id == vault_id).values(dict(changes)))


async def soft_delete_vault(db: AsyncSession, vault_id: int, now: datetime) -> dict[str, int]:
    """Mark the vault deleted (its name is free again) and remove its grants; how many went."""
    removed = {
        "user_grants": await _delete_count(
            db, delete(vault_user_grants).where(vault_user_grants.c.vault_id == vault_id)
        ),
        "team_grants": await _delete_count(
            db, delete(vault_team_grants).where(vault_team_grants.c.vault_id == vault_id)
        ),
    }
    await db.execute(update(vaults).where(vaults.c.id == vault_id).values(deleted_at=now, updated_at=now))
    return removed


async def delete_vaults_of_organization(db: AsyncSession, organization_id: int) -> None:
    org_vaults = _org_vaults(organization_id)
    await db.execute(delete(vault_user_grants).where(vault_user_grants.c.vault_id.in_(org_vaults)))
    await db.execute(delete(vault_team_grants).where(vault_team_grants.c.vault_id.in_(org_vaults)))
    await db.execute(delete(vaults).where(vaults.c.organization_id == organization_id))


async def _delete_count(db: AsyncSession, statement: Any) -> int:
    return int((await db.execute(statement)).rowcount)  # type: ignore[attr-defined]


# -- grants (the same SQL for user grants and team grants) --------------------------------------


def _grantee(table: Table) -> Column[int]:
    """The grantee column of a grant table: ``user_id`` of user grants, ``team_id`` of team grants."""
    return vault_user_grants.c.user_id if table is vault_user_grants else vault_team_grants.c.team_id


def _grant_columns(table: Table) -> tuple[Any, ...]:
    return columns_of(GrantRecord, table, grantee_id=_grantee(table))


async def get_grant(db: AsyncSession, table: Table, vault_id: int, grant_id: int) -> GrantRecord | None:
    query = select(*_grant_columns(table)).where(table.c.id == grant_id, table.c.vault_id == vault_id)
    row = (await db.execute(query)).first()
    return GrantRecord(*row) if row is not None else None


async def list_grants(db: AsyncSession, table: Table, vault_id: int, page: PageParams) -> tuple[list[GrantRecord], int]:
    query = select(*_grant_columns(table))
    return await fetch_records(db, query, table.c.id, [table.c.vault_id == vault_id], page, GrantRecord)


async def insert_grant(
    db: AsyncSession,
    table: Table,
    *,
    id: int,
    vault_id: int,
    grantee_id: int,
    role: str,
    granted_at: datetime,
    granted_by_user_id: int,
) -> None:
    values = {
        "id": id,
        "vault_id": vault_id,
        _grantee(table).name: grantee_id,
        "role": role,
        "granted_at": granted_at,
        "granted_by_user_id": granted_by_user_id,
    }
    await db.execute(insert(table).values(values))


async def update_grant(db: AsyncSession, table: Table, grant_id: int, *, role: str) -> None:
    await db.execute(update(table).where(table.c.id == grant_id).values(role=role))


async def delete_grant(db: AsyncSession, table: Table, grant_id: int) -> None:
    await db.execute(delete(table).where(table.c.id == grant_id))


async def remove_user_grants(db: AsyncSession, user_id: int, organization_id: int | None = None) -> int:
    """The user's direct vault grants in one organization (or everywhere); how many went."""
    statement = delete(vault_user_grants).where(vault_user_grants.c.user_id == user_id)
    if organization_id is not None:
        statement = statement.where(vault_user_grants.c.vault_id.in_(_org_vaults(organization_id)))
    return await _delete_count(db, statement)


async def vault_roles_of_user(db: AsyncSession, vault_id: int, user_id: int) -> list[str]:
    """The roles the user holds on the vault: the direct grant and one per team grant of the user's teams."""
    direct = select(vault_user_grants.c.role).where(
        vault_user_grants.c.vault_id == vault_id, vault_user_grants.c.user_id == user_id
    )
    through_teams = (
        select(vault_team_grants.c.role)
        .join(team_members, team_members.c.team_id == vault_team_grants.c.team_id)
        .where(vault_team_grants.c.vault_id == vault_id, team_members.c.user_id == user_id)
    )
    return [str(role) for role in (await db.execute(union_all(direct, through_teams))).scalars()]
