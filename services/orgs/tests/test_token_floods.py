"""What keeps ``POST /v1/token`` floods cheap, on SQLite and on PostgreSQL: the batched rate limiter
(exact in one replica, shared by replicas through ``rate_limit_counters``), rejected assertions
counted per (client, reason, minute) and reported once per window even by racing replicas, and the
``orgs_0003`` migration that adds both tables."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from inferadb_common.config import StorageConfig
from inferadb_common.db import Database
from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import Outbox
from inferadb_common.ids import SnowflakeGenerator, install_generator
from inferadb_common.migrations import upgrade
from inferadb_common.ratelimit import BatchedRateLimiter
from inferadb_orgs.tables import client_assertion_rejections, outbox, rate_limit_counters
from inferadb_orgs.tokens import rejections
from inferadb_orgs.tokens.rejections import GRACE_SECONDS, WINDOW_SECONDS, Rejection
from inferadb_testing.postgres import fresh_database

from .conftest import MIGRATIONS

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
MINUTE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
OVER = MINUTE + timedelta(seconds=WINDOW_SECONDS + GRACE_SECONDS)


@asynccontextmanager
async def _databases(backend: str, tmp_path: Path, count: int = 1) -> AsyncIterator[list[Database]]:
    """``count`` connections (as replicas have) to one migrated orgs database."""
    install_generator(SnowflakeGenerator(worker_id=18))
    if backend == "sqlite":
        configs = [StorageConfig(backend="sqlite", data_dir=str(tmp_path))] * count
        async with _opened(configs) as databases:
            yield databases
        return
    with fresh_database() as url:
        async with _opened([StorageConfig(backend="postgres", url=url)] * count) as databases:
            yield databases


@asynccontextmanager
async def _opened(configs: list[StorageConfig]) -> AsyncIterator[list[Database]]:
    databases = [Database(config, "orgs") for config in configs]
    try:
        for database in databases:
            await database.initialise()
        await upgrade(databases[0], MIGRATIONS)
        yield databases
    finally:
        for database in databases:
            await database.dispose()


# -- the batched rate limiter -------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.parametrize("backend", BACKENDS)
async def test_limiter_is_exact_alone_and_shared_by_replicas_through_the_table(backend: str, tmp_path: Path) -> None:
    now = MINUTE.timestamp() + 10
    async with _databases(backend, tmp_path, count=2) as (one, two):
        first, second = BatchedRateLimiter(one, rate_limit_counters), BatchedRateLimiter(two, rate_limit_counters)
        results = [first.hit("token:ip:10.0.0.1", 5, 60, now) for _ in range(6)]
        assert [result.allowed for result, _ in results] == [True] * 5 + [False]
        assert [result.remaining for result, _ in results] == [4, 3, 2, 1, 0, 0]
        assert [first_refusal for _, first_refusal in results] == [False] * 5 + [True]
        assert first.hit("token:ip:10.0.0.1", 5, 60, now) == (results[-1][0], False)  # told once per window
        assert results[0][0].reset_at == MINUTE.timestamp() + 60
        assert first.hit("token:ip:10.0.0.2", 5, 60, now)[0].remaining == 4  # another key
        # No write per hit: nothing is in the table before the sync, which writes only admitted hits.
        async with one.read() as db:
            assert (await db.execute(select(rate_limit_counters))).all() == []
        await first.sync(now)
        async with one.read() as db:
            rows = dict((await db.execute(select(rate_limit_counters.c.key, rate_limit_counters.c.count))).all())
        assert rows == {"token:ip:10.0.0.1": 5, "token:ip:10.0.0.2": 1}
        # The other replica learns the shared count at its next sync (the first hit was admitted).
        assert second.hit("token:ip:10.0.0.1", 5, 60, now)[0].allowed
        await second.sync(now)
        assert not second.hit("token:ip:10.0.0.1", 5, 60, now)[0].allowed
        assert second.hit("token:ip:10.0.0.2", 5, 60, now)[0].remaining == 4  # first's hit not seen yet
        await second.sync(now)
        assert second.hit("token:ip:10.0.0.2", 5, 60, now)[0].remaining == 2  # 1 + 1 in the table, + this
        # A new window starts from zero; the finished one is forgotten in memory and purged later.
        assert first.hit("token:ip:10.0.0.1", 5, 60, now + 60)[0].remaining == 4
        await first.sync(now + 61)
        assert all(window_start == MINUTE.timestamp() + 60 for _, window_start, _ in first._counts)


@pytest.mark.integration
async def test_limiter_keeps_hits_it_could_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with _databases("sqlite", tmp_path) as (database,):
        limiter = BatchedRateLimiter(database, rate_limit_counters)
        now = MINUTE.timestamp()
        for _ in range(3):
            limiter.hit("k", 10, 60, now)

        async def unavailable(_: object) -> dict[object, int]:
            raise ConnectionError("storage away")

        with monkeypatch.context() as patched:
            patched.setattr(limiter, "_write", unavailable)
            with pytest.raises(ConnectionError):
                await limiter.sync(now)
        assert limiter.hit("k", 10, 60, now)[0].remaining == 6  # the 3 still count here
        await limiter.sync(now)
        async with database.read() as db:
            assert (await db.execute(select(rate_limit_counters.c.count))).scalar_one() == 4


@pytest.mark.integration
async def test_hits_being_written_still_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request arriving while a sync writes sees the hits in flight (once a test saw a full limit again)."""
    async with _databases("sqlite", tmp_path) as (database,):
        limiter = BatchedRateLimiter(database, rate_limit_counters)
        now = MINUTE.timestamp()
        for _ in range(3):
            limiter.hit("k", 5, 60, now)
        writing, release = asyncio.Event(), asyncio.Event()
        write = limiter._write

        async def slow(batch: dict[tuple[str, int, int], int]) -> dict[tuple[str, int, int], int]:
            writing.set()
            await release.wait()
            return await write(batch)

        monkeypatch.setattr(limiter, "_write", slow)
        sync = asyncio.create_task(limiter.sync(now))
        await writing.wait()
        assert limiter.hit("k", 5, 60, now)[0].remaining == 1
        release.set()
        await sync
        assert limiter.hit("k", 5, 60, now)[0].remaining == 0
        assert not limiter.hit("k", 5, 60, now)[0].allowed


# -- rejected assertions ------------------------------------------------------------------------


def _rejection(client_id: int, reason: str, at: datetime, ip: str = "10.0.0.9") -> Rejection:
    return Rejection(
        client_id=client_id,
        organization_id=1000 + client_id,
        reason=reason,
        error="invalid_client",
        kid=f"org-{1000 + client_id}-client-{client_id}-cert-1",
        actor=Actor(ip_address=ip, user_agent="flood/1.0"),
        request_id=f"req-{ip}",
        at=at,
    )


async def _events(database: Database) -> list[dict[str, Any]]:
    async with database.read() as db:
        payloads = (await db.execute(select(outbox.c.payload).order_by(outbox.c.id))).scalars().all()
    return [orjson.loads(payload) for payload in payloads]


@pytest.mark.integration
@pytest.mark.parametrize("backend", BACKENDS)
async def test_one_event_per_client_reason_and_minute_with_its_count(backend: str, tmp_path: Path) -> None:
    async with _databases(backend, tmp_path) as (database,):
        events = Outbox(outbox, "orgs")
        async with database.transaction() as db:
            await rejections.count(db, [_rejection(7, "signature", MINUTE + timedelta(seconds=s)) for s in range(3)])
        for second in range(40):  # one upsert each, as requests do
            async with database.transaction() as db:
                await rejections.count(db, [_rejection(7, "signature", MINUTE + timedelta(seconds=second), "10.1.1.1")])
        async with database.transaction() as db:
            await rejections.count(db, [_rejection(7, "audience", MINUTE), _rejection(8, "signature", MINUTE)])
            await rejections.count(db, [_rejection(7, "signature", MINUTE + timedelta(seconds=60))])  # next minute
        async with database.read() as db:
            assert len((await db.execute(select(client_assertion_rejections))).all()) == 4
        # Nothing is reported while the window is open or inside the grace period.
        assert await rejections.report(database, events, OVER - timedelta(seconds=1)) == 0
        assert await rejections.report(database, events, OVER) == 3
        assert await rejections.report(database, events, OVER) == 0
        # A straggler of a reported window is not counted again: never a second event for it.
        async with database.transaction() as db:
            await rejections.count(db, [_rejection(7, "signature", MINUTE + timedelta(seconds=59))])
        assert await rejections.report(database, events, OVER + timedelta(seconds=30)) == 0
        reported = await _events(database)
        assert {(e["resource"]["id"], e["data"]["reason"]): e["data"]["count"] for e in reported} == {
            ("7", "signature"): 43,
            ("7", "audience"): 1,
            ("8", "signature"): 1,
        }
        event = next(e for e in reported if e["data"]["reason"] == "signature" and e["resource"]["id"] == "7")
        assert event["type"] == "client_assertion.rejected" and event["organization_id"] == 1007
        assert event["resource"]["type"] == "client"
        assert event["actor"] == {"user_id": None, "client_id": 7, "ip_address": "10.0.0.9", "user_agent": "flood/1.0"}
        assert event["request_id"] == "req-10.0.0.9"  # the window's first request
        assert event["data"]["kid"] == "org-1007-client-7-cert-1" and event["data"]["error"] == "invalid_client"
        assert (event["data"]["window_start"], event["data"]["window_end"]) == (
            "2026-12-01T10:00:00Z",
            "2026-12-01T10:01:00Z",
        )
        # The next minute is its own window; reported rows go an hour later.
        assert await rejections.report(database, events, OVER + timedelta(seconds=60)) == 1
        await rejections.report(database, events, OVER + timedelta(hours=1, minutes=2))
        async with database.read() as db:
            assert (await db.execute(select(client_assertion_rejections))).all() == []


@pytest.mark.integration
async def test_concurrent_refusals_share_a_transaction_and_each_waits_for_its_commit(tmp_path: Path) -> None:
    async with _databases("sqlite", tmp_path) as (database,):
        commits: list[object] = []
        database.on_commit.append(commits.append)
        counter = rejections.RejectionCounter(database)
        await asyncio.gather(*(counter.add(_rejection(7, "signature", MINUTE)) for _ in range(200)))
        assert len(commits) < 20  # batches, not one transaction per refusal
        async with database.read() as db:
            assert (await db.execute(select(client_assertion_rejections.c["count"]))).scalar_one() == 200
        # A batch that cannot be written fails every request of it (nothing is answered uncounted).
        await database.dispose()
        broken = rejections.RejectionCounter(database)
        database.transaction = _unavailable  # type: ignore[method-assign]
        results = await asyncio.gather(
            *(broken.add(_rejection(7, "signature", MINUTE)) for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(result, ConnectionError) for result in results)


@asynccontextmanager
async def _unavailable() -> AsyncIterator[Any]:
    raise ConnectionError("storage away")
    yield


@pytest.mark.integration
@pytest.mark.parametrize("backend", BACKENDS)
async def test_racing_replicas_report_each_window_once(backend: str, tmp_path: Path) -> None:
    async with _databases(backend, tmp_path, count=3) as databases:
        async with databases[0].transaction() as db:
            await rejections.count(
                db, [_rejection(client, "signature", MINUTE) for client in range(1, 1 + rejections.BATCH + 100)]
            )
        events = Outbox(outbox, "orgs")
        written = await asyncio.gather(*(rejections.report(database, events, OVER) for database in databases))
        assert sum(written) == rejections.BATCH + 100
        reported = await _events(databases[0])
        assert sorted(int(e["resource"]["id"]) for e in reported) == list(range(1, 1 + rejections.BATCH + 100))


# -- the migration ------------------------------------------------------------------------------


def _alembic(connection: Connection, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


@pytest.mark.integration
@pytest.mark.parametrize("backend", BACKENDS)
async def test_orgs_0003_adds_the_tables_to_a_database_at_orgs_0002_and_removes_them(
    backend: str, tmp_path: Path
) -> None:
    install_generator(SnowflakeGenerator(worker_id=19))
    config = StorageConfig(backend="sqlite", data_dir=str(tmp_path)) if backend == "sqlite" else None
    with fresh_database() if backend == "postgres" else nullcontext("") as url:
        database = Database(config or StorageConfig(backend="postgres", url=url), "orgs")
        await database.initialise()
        try:
            async with database.engine.begin() as connection:
                await connection.run_sync(_alembic, "orgs_0002")
                assert "client_assertion_rejections" not in await connection.run_sync(_tables)
                await connection.execute(text("INSERT INTO client_assertion_jtis VALUES (1, 'j', CURRENT_TIMESTAMP)"))
            async with database.engine.begin() as connection:
                await connection.run_sync(_alembic, "head")
                tables = await connection.run_sync(_tables)
                assert {"client_assertion_rejections", "rate_limit_counters"} <= tables
            async with database.transaction() as db:  # the upsert and the claim work on the migrated schema
                await rejections.count(db, [_rejection(3, "expired", MINUTE)] * 2)
            assert await rejections.report(database, Outbox(outbox, "orgs"), OVER) == 1
            async with database.engine.begin() as connection:
                await connection.run_sync(_alembic, "orgs_0002", down=True)
                tables = await connection.run_sync(_tables)
                assert not {"client_assertion_rejections", "rate_limit_counters"} & tables
                assert (await connection.execute(text("SELECT jti FROM client_assertion_jtis"))).scalar_one() == "j"
        finally:
            await database.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())
