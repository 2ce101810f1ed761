"""The token tables on the real schema: the replay store, single-use refresh tokens, family
revocation, and the consumer that ends the families of revoked sessions and deleted users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from inferadb_common.db import Database
from inferadb_common.events.envelope import Actor, EventEnvelope, ResourceRef
from inferadb_common.events.outbox import Outbox
from inferadb_common.ids import new_id
from inferadb_orgs.directory.consumer import DirectoryHandler
from inferadb_orgs.tables import organizations, outbox, refresh_token_families, refresh_tokens, vaults
from inferadb_orgs.tokens import repository as repo

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def test_a_jti_is_single_use_until_it_expires(database: Database) -> None:
    expires = NOW + timedelta(minutes=1)
    async with database.transaction() as db:
        assert await repo.use_jti(db, 1, "abc", expires, NOW)
        assert not await repo.use_jti(db, 1, "abc", expires, NOW)
        assert await repo.use_jti(db, 2, "abc", expires, NOW)  # per client
        later = expires + timedelta(seconds=1)
        assert await repo.use_jti(db, 1, "abc", later + timedelta(minutes=1), later)  # expired: taken over
        assert not await repo.use_jti(db, 1, "abc", later, later)
    async with database.transaction() as db:
        assert await repo.purge_jtis(db, NOW + timedelta(hours=1)) == 2


async def _family(database: Database, *, user_id: int, session_id: int) -> tuple[int, int, int]:
    org_id, vault_id, family_id, token_id = new_id(), new_id(), new_id(), new_id()
    async with database.transaction() as db:
        await db.execute(
            insert(organizations).values(
                id=org_id, name="O", tier="TIER_DEV_V1", status="active", created_at=NOW, updated_at=NOW
            )
        )
        await db.execute(
            insert(vaults).values(
                id=vault_id,
                organization_id=org_id,
                name="v",
                name_key="v",
                description=None,
                sync_status="PENDING",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await repo.insert_family(
            db,
            id=family_id,
            organization_id=org_id,
            vault_id=vault_id,
            vault_role="read",
            user_id=user_id,
            session_id=session_id,
            access_token_ttl=300,
            refresh_token_ttl=3600,
            created_at=NOW,
        )
        await repo.insert_refresh_token(
            db, id=token_id, family_id=family_id, token_hash=f"h{token_id}", created_at=NOW, expires_at=NOW
        )
    return org_id, family_id, token_id


async def test_a_refresh_token_is_spent_once_and_families_revoke_once(database: Database) -> None:
    org_id, family_id, token_id = await _family(database, user_id=7, session_id=8)
    async with database.transaction() as db:
        assert await repo.spend(db, token_id, NOW)
        assert not await repo.spend(db, token_id, NOW)
        revoked = await repo.revoke_families(db, repo.of_family(family_id), NOW, "reuse_detected")
        assert [(row.id, row.organization_id) for row in revoked] == [(family_id, org_id)]
        assert await repo.revoke_families(db, repo.of_family(family_id), NOW, "again") == []
        assert await repo.purge_refresh_tokens(db, NOW + timedelta(seconds=1)) == 1
        assert (await db.execute(select(refresh_token_families.c.id))).all() == []
        assert (await db.execute(select(refresh_tokens.c.id))).all() == []


def _event(event_type: str, resource_id: int, data: dict[str, str]) -> EventEnvelope:
    return EventEnvelope(
        id=str(new_id()),
        type=event_type,
        source="auth",
        time=NOW,
        actor=Actor(user_id=7),
        resource=ResourceRef(type="session", id=str(resource_id)),
        data=data,
    )


async def test_revoked_sessions_and_deleted_users_end_their_families(database: Database) -> None:
    handler = DirectoryHandler(Outbox(outbox, "orgs"), "TIER_DEV_V1")
    org_a, family_a, _ = await _family(database, user_id=7, session_id=8)
    _, family_b, _ = await _family(database, user_id=7, session_id=9)
    async with database.transaction() as db:
        await handler(db, [_event("session.revoked", 8, {"user_id": "7", "reason": "logout"})])
        rows = (await db.execute(select(refresh_token_families.c.id, refresh_token_families.c.revoked_reason))).all()
        assert dict(rows) == {family_a: "session_revoked", family_b: None}
        events = (await db.execute(select(outbox.c.subject, outbox.c.payload))).all()
        assert [subject for subject, _ in events] == ["inferadb.events.orgs.refresh_tokens.revoked"]
        assert f'"organization_id":{org_a}' in bytes(events[0][1]).decode()
        await handler(db, [_event("user.deleted", 7, {})])
        rows = (await db.execute(select(refresh_token_families.c.id, refresh_token_families.c.revoked_reason))).all()
        assert dict(rows)[family_b] == "user_deleted"
