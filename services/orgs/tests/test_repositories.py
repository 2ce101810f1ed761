"""Repository queries against the migrated schema: the member list costs one statement per page;
the effective vault role; removing a deleted user everywhere, twice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select

from inferadb_common.db import Database
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.outbox import Outbox
from inferadb_common.ids import new_id
from inferadb_common.pagination import PageParams
from inferadb_orgs import policy
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.organizations.lifecycle import remove_user_everywhere
from inferadb_orgs.roles import VaultRole
from inferadb_orgs.tables import (
    directory_users,
    organization_members,
    organizations,
    outbox,
    team_members,
    teams,
    vault_team_grants,
    vault_user_grants,
    vaults,
)
from inferadb_orgs.vaults import grant_repository as grants_repo

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@contextmanager
def counting_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def _organization(db: Database, *, members: int) -> tuple[int, list[int]]:
    org_id = new_id()
    user_ids = [new_id() for _ in range(members)]
    async with db.transaction() as session:
        await session.execute(
            insert(organizations).values(
                id=org_id, name="Big", tier="TIER_MAX_V1", status="active", created_at=NOW, updated_at=NOW
            )
        )
        if not user_ids:
            return org_id, user_ids
        await session.execute(
            insert(directory_users),
            [
                {"id": uid, "name": f"User {i}", "email": f"user{i}@example.com", "updated_at": NOW}
                for i, uid in enumerate(user_ids)
            ],
        )
        await session.execute(
            insert(organization_members),
            [
                {
                    "id": new_id(),
                    "organization_id": org_id,
                    "user_id": uid,
                    "role": "OWNER" if i == 0 else "MEMBER",
                    "joined_at": NOW,
                }
                for i, uid in enumerate(user_ids)
            ],
        )
    return org_id, user_ids


async def test_members_of_a_1000_member_organization_cost_one_statement_per_page(database: Database) -> None:
    org_id, user_ids = await _organization(database, members=1000)
    seen: list[int] = []
    cursor: list[Any] | None = None
    pages = 0
    async with database.read() as session:
        while True:
            page = PageParams(limit=100, offset=0, cursor=cursor)
            with counting_statements(database) as statements:
                rows, total = await members_repo.list_members(session, org_id, page)
            assert len(statements) == 1, statements
            assert "JOIN directory_users" in statements[0]
            assert total == 1000
            items, meta = page.build(list(rows), key=lambda row: [row.id], total=total)
            assert all(row.name and row.email for row in items)
            seen.extend(row.user_id for row in items)
            pages += 1
            if not meta["has_more"]:
                break
            cursor = [items[-1].id]
    assert pages == 10
    assert seen == user_ids  # member ids are in creation order, as are the users here

    async with database.read() as session:
        with counting_statements(database) as statements:
            rows, total = await members_repo.list_members(
                session, org_id, PageParams(limit=100, offset=900, cursor=None)
            )
        assert len(statements) == 1 and total == 1000 and len(rows) == 100


async def test_effective_vault_role_is_the_highest_of_the_direct_and_the_team_grants(database: Database) -> None:
    org_id, (user, other) = await _organization(database, members=2)
    vault_id, team_a, team_b = new_id(), new_id(), new_id()
    async with database.transaction() as session:
        await session.execute(
            insert(vaults).values(
                id=vault_id,
                organization_id=org_id,
                name="v",
                name_key="v",
                description=None,
                sync_status="PENDING",
                created_at=NOW,
                updated_at=NOW,
                deleted_at=None,
            )
        )
        for team in (team_a, team_b):
            await session.execute(
                insert(teams).values(
                    id=team,
                    organization_id=org_id,
                    name=str(team),
                    name_key=str(team),
                    description=None,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            await session.execute(
                insert(team_members).values(id=new_id(), team_id=team, user_id=user, is_manager=False, created_at=NOW)
            )
        await session.execute(
            insert(vault_user_grants).values(
                id=new_id(), vault_id=vault_id, user_id=user, role="READER", granted_at=NOW, granted_by_user_id=user
            )
        )
        await session.execute(
            insert(vault_team_grants),
            [
                {
                    "id": new_id(),
                    "vault_id": vault_id,
                    "team_id": team_a,
                    "role": "MANAGER",
                    "granted_at": NOW,
                    "granted_by_user_id": user,
                },
                {
                    "id": new_id(),
                    "vault_id": vault_id,
                    "team_id": team_b,
                    "role": "WRITER",
                    "granted_at": NOW,
                    "granted_by_user_id": user,
                },
            ],
        )
    async with database.read() as session:
        assert await policy.effective_vault_role(session, vault_id, user) is VaultRole.MANAGER
        assert await policy.effective_vault_role(session, vault_id, other) is None
        # what the escalation rules read: a team's grants, a user's roles on some vaults, the direct grant
        assert await grants_repo.team_grants_of_team(session, team_a) == [(vault_id, "MANAGER")]
        roles = await grants_repo.vault_roles_of_user_on(session, user, [vault_id, new_id()])
        assert sorted(roles) == [(vault_id, "MANAGER"), (vault_id, "READER"), (vault_id, "WRITER")]
        assert await grants_repo.vault_roles_of_user_on(session, other, [vault_id]) == []
        assert await grants_repo.direct_role(session, vault_id, user) == "READER"
        assert await grants_repo.direct_role(session, vault_id, other) is None


async def test_removing_a_deleted_user_everywhere_takes_teams_and_grants_and_is_idempotent(
    database: Database, event_outbox: Outbox
) -> None:
    org_id, (owner, leaver) = await _organization(database, members=2)
    solo_org, (solo_user,) = await _organization(database, members=1)
    alone_org, _ = await _organization(database, members=0)
    vault_id, team_id = new_id(), new_id()
    async with database.transaction() as session:
        await session.execute(
            insert(organization_members).values(
                id=new_id(), organization_id=alone_org, user_id=leaver, role="OWNER", joined_at=NOW
            )
        )
        await session.execute(
            insert(organization_members).values(
                id=new_id(), organization_id=solo_org, user_id=leaver, role="ADMIN", joined_at=NOW
            )
        )
        await session.execute(
            insert(vaults).values(
                id=vault_id,
                organization_id=org_id,
                name="v",
                name_key="v",
                description=None,
                sync_status="PENDING",
                created_at=NOW,
                updated_at=NOW,
                deleted_at=None,
            )
        )
        await session.execute(
            insert(teams).values(
                id=team_id,
                organization_id=org_id,
                name="t",
                name_key="t",
                description=None,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await session.execute(
            insert(team_members).values(id=new_id(), team_id=team_id, user_id=leaver, is_manager=True, created_at=NOW)
        )
        await session.execute(
            insert(vault_user_grants).values(
                id=new_id(), vault_id=vault_id, user_id=leaver, role="ADMIN", granted_at=NOW, granted_by_user_id=owner
            )
        )
    cause = EventEnvelope(id="1", type="user.deleted", source="auth", time=NOW)
    for _ in range(2):  # a redelivered event changes nothing more
        async with database.transaction() as session:
            await remove_user_everywhere(session, event_outbox, cause, leaver)
        async with database.read() as session:
            assert await members_repo.memberships_of_user(session, leaver) == []
            assert (await session.execute(select(team_members).where(team_members.c.user_id == leaver))).all() == []
            assert (
                await session.execute(select(vault_user_grants).where(vault_user_grants.c.user_id == leaver))
            ).all() == []
            assert await members_repo.count_members(session, org_id) == 1
            assert await members_repo.count_members(session, solo_org) == 1  # solo_user stays
            alone = await session.execute(select(organizations).where(organizations.c.id == alone_org))
            assert alone.first() is None  # the organization the user was alone in went with the account
    async with database.read() as session:
        subjects = [row.subject for row in (await session.execute(select(outbox.c.subject))).all()]
    assert subjects.count("inferadb.events.orgs.member.removed") == 2  # once per organization, not per delivery
    assert subjects.count("inferadb.events.orgs.organization.deleted") == 1
    assert solo_user
