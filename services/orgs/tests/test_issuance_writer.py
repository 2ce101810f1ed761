"""Group commit of client tokens: concurrent requests share a transaction, a jti twice in one batch
is a replay, and a batch that fails is retried request by request so one bad request fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from inferadb_common.config import Settings
from inferadb_common.db import Database
from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import Outbox
from inferadb_common.ids import new_id
from inferadb_orgs.signing.keys import KeyCipher
from inferadb_orgs.signing.service import ManagementKeyring, SigningKeyring
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tables import client_assertion_rejections, organizations, outbox, refresh_tokens, vaults
from inferadb_orgs.tokens.claims import TokenRole
from inferadb_orgs.tokens.client_assertions import RejectedAssertion, VerifiedAssertion
from inferadb_orgs.tokens.request import CLIENT_CREDENTIALS, ClientTokenRequest

NOW = datetime.now(UTC)


async def _state(database: Database) -> tuple[OrgsState, int, int]:
    settings = Settings()
    keyring = SigningKeyring(database, KeyCipher(b"k" * 40), settings.auth)
    await keyring.load(NOW)
    management_keys = ManagementKeyring(database, b"k" * 40, settings.auth)
    state = OrgsState(
        settings=settings,
        db=database,
        outbox=Outbox(outbox, "orgs"),
        keyring=keyring,
        management_keys=management_keys,
    )
    org_id, vault_id = new_id(), new_id()
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
                sync_status="PENDING",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return state, org_id, vault_id


def _verified(org_id: int, vault_id: int, jti: str) -> VerifiedAssertion:
    return VerifiedAssertion(
        client_id=5,
        certificate_id=6,
        organization_id=org_id,
        vault_id=vault_id,
        kid="kid",
        jti=jti,
        expires_at=datetime.now(UTC) + timedelta(minutes=5),  # from now: the module may be imported long before
    )


def _request(vault_id: int) -> ClientTokenRequest:
    return ClientTokenRequest(CLIENT_CREDENTIALS, "assertion", vault_id, TokenRole.READ, None)


async def _count(database: Database, table: object) -> int:
    async with database.read() as db:
        return int((await db.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_concurrent_requests_share_batches_and_a_repeated_jti_is_a_replay(database: Database) -> None:
    state, org_id, vault_id = await _state(database)
    jtis = [f"j{i}" for i in range(30)] + ["j0", "j1"]
    results = await asyncio.gather(
        *(
            state.issuance.issue(_verified(org_id, vault_id, jti), _request(vault_id), Actor(), f"req-{i}")
            for i, jti in enumerate(jtis)
        ),
        return_exceptions=True,
    )
    replays = [result for result in results if isinstance(result, RejectedAssertion)]
    assert len(replays) == 2 and all(r.reason == "replayed" and r.recorded for r in replays)
    assert await _count(database, refresh_tokens) == 30
    async with database.read() as db:
        subjects = (await db.execute(select(outbox.c.subject))).scalars().all()
    assert subjects.count("inferadb.events.orgs.vault_token.generated") == 30
    # Replays are counted per client, reason and minute with the batch, not one event each.
    assert subjects.count("inferadb.events.orgs.client_assertion.rejected") == 0
    async with database.read() as db:
        counted = (await db.execute(select(client_assertion_rejections))).all()
    assert {(row.client_id, row.reason) for row in counted} == {(5, "replayed")}
    assert sum(row._mapping["count"] for row in counted) == 2  # one row, or two across a minute's end


async def test_a_failing_request_fails_alone(database: Database) -> None:
    state, org_id, vault_id = await _state(database)
    good = [_verified(org_id, vault_id, f"g{i}") for i in range(5)]
    bad = _verified(org_id, new_id(), "bad")  # a vault that does not exist: the foreign key refuses it
    results = await asyncio.gather(
        *(state.issuance.issue(v, _request(v.vault_id), Actor(), None) for v in [*good[:2], bad, *good[2:]]),
        return_exceptions=True,
    )
    assert [isinstance(result, Exception) for result in results] == [False, False, True, False, False, False]
    assert await _count(database, refresh_tokens) == 5
    with pytest.raises(RejectedAssertion):
        await state.issuance.issue(good[0], _request(vault_id), Actor(), None)
