"""Invalidation webhooks (engine.md E3) and vault sync (E4), in process: the real schema in SQLite, the
real senders, and small HTTP servers on loopback standing in for engines."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import REGISTRY
from sqlalchemy import insert, select

from inferadb_common.bus import Bus
from inferadb_common.config import EngineConfig, NatsConfig
from inferadb_common.db import Database
from inferadb_common.events.envelope import EventEnvelope, ResourceRef
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.payloads.clients import CertificateDeleted, CertificateRevoked, ClientDeleted, ClientUpdated
from inferadb_common.events.payloads.organizations import (
    OrganizationDeleted,
    OrganizationResumed,
    OrganizationSuspended,
    OrganizationUpdated,
)
from inferadb_common.events.payloads.vaults import VaultCreated, VaultDeleted, VaultRemovals, VaultUpdated
from inferadb_common.ids import new_id
from inferadb_orgs.engine import invalidations, service
from inferadb_orgs.engine.delivery import WebhookDispatcher, backoff_seconds
from inferadb_orgs.engine.invalidations import Invalidation, Kind, invalidations_of
from inferadb_orgs.engine.notifier import InvalidationWriter, engine_notifier
from inferadb_orgs.engine.targets import EngineTargets
from inferadb_orgs.tables import engine_deliveries, organizations, outbox, vaults

NOW = datetime.now(UTC)
KID = "mgmt-test-key"


# -- E3's table -----------------------------------------------------------------------------------


def _event(payload: Any, resource_id: int, organization_id: int = 7) -> tuple[EventEnvelope, Any]:
    envelope = EventEnvelope(
        id=f"event-{payload.event_type}-{resource_id}",
        type=payload.event_type,
        source="orgs",
        time=NOW,
        organization_id=organization_id,
        resource=ResourceRef(type="x", id=str(resource_id)),
        data=payload.to_data(),
    )
    return envelope, payload


@pytest.mark.parametrize(
    ("payload", "resource", "wanted"),
    [
        (VaultCreated(name="v"), 11, [Invalidation(Kind.VAULT, "/internal/cache/invalidate/vault/11", 11)]),
        (VaultUpdated(name="w"), 11, [invalidations.vault(11)]),
        (VaultDeleted(name="v", removed=VaultRemovals(user_grants=1, team_grants=0)), 11, [invalidations.vault(11)]),
        (OrganizationSuspended(status="suspended"), 7, [invalidations.organization(7)]),
        (OrganizationResumed(status="active"), 7, [invalidations.organization(7)]),
        (OrganizationDeleted(name="o"), 7, [invalidations.organization(7)]),
        (CertificateRevoked(client_id=5, kid="k", refresh_tokens_revoked=0), 9, [invalidations.certificate(7, 5, 9)]),
        (CertificateDeleted(client_id=5, kid="k", refresh_tokens_revoked=0), 9, [invalidations.certificate(7, 5, 9)]),
        (
            ClientUpdated(is_active=False, certificates_revoked=2, refresh_tokens_revoked=0, certificate_ids=[8, 9]),
            5,
            [invalidations.certificate(7, 5, 8), invalidations.certificate(7, 5, 9)],
        ),
        (
            ClientDeleted(name="c", certificates_revoked=1, refresh_tokens_revoked=0, certificate_ids=[8]),
            5,
            [invalidations.certificate(7, 5, 8)],
        ),
        (ClientUpdated(name="renamed"), 5, []),  # an edit invalidates nothing
        (ClientDeleted(name="c", certificates_revoked=0, refresh_tokens_revoked=0), 5, []),  # an old event
        (OrganizationUpdated(name="n", previous_name="o"), 7, []),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, int | list) else None,
)
def test_each_event_of_e3s_table_becomes_its_requests(payload: Any, resource: int, wanted: list[Invalidation]) -> None:
    assert invalidations_of(*_event(payload, resource)) == wanted


def test_certificate_ids_travel_as_strings_and_old_client_events_still_decode() -> None:
    event = ClientUpdated(is_active=False, certificate_ids=[8, 9])
    assert event.to_data()["certificate_ids"] == ["8", "9"]
    assert ClientUpdated.model_validate({"is_active": False, "certificates_revoked": 1}).certificate_ids is None


# -- targets and backoff --------------------------------------------------------------------------


async def test_static_targets_are_the_configured_endpoints_once_without_a_trailing_slash() -> None:
    targets = EngineTargets(EngineConfig(endpoints=["http://e1:9090/", "http://e2:9090", "http://e1:9090"]))
    assert targets.configured
    assert await targets.refresh() == ("http://e1:9090", "http://e2:9090")
    assert not EngineTargets(EngineConfig()).configured


async def test_dns_targets_are_every_address_on_the_port_refreshed_and_kept_when_a_lookup_fails() -> None:
    answers: list[list[str] | OSError] = [["10.0.0.7", "fd00::7"], OSError("SERVFAIL"), ["10.0.0.8"]]
    asked: list[tuple[str, int]] = []

    async def resolver(name: str, port: int) -> list[str]:
        asked.append((name, port))
        answer = answers.pop(0)
        if isinstance(answer, OSError):
            raise answer
        return answer

    config = EngineConfig(discovery="dns", dns_name="engine.svc", dns_port=9191, dns_refresh_seconds=0.05)
    targets = EngineTargets(config, resolver)
    changes: list[tuple[str, ...]] = []
    two_changes = asyncio.Event()

    def changed(endpoints: tuple[str, ...]) -> None:
        changes.append(endpoints)
        if len(changes) == 2:
            two_changes.set()

    targets.on_change.append(changed)
    assert targets.configured and targets.current() == ()
    targets.start()
    try:
        await asyncio.wait_for(two_changes.wait(), timeout=5)
    finally:
        await targets.stop()
    assert asked[0] == ("engine.svc", 9191)
    assert changes == [("http://10.0.0.7:9191", "http://[fd00::7]:9191"), ("http://10.0.0.8:9191",)]


async def test_a_real_lookup_runs_off_the_event_loop_and_finds_localhost() -> None:
    targets = EngineTargets(EngineConfig(discovery="dns", dns_name="localhost", dns_port=9090))
    assert "http://127.0.0.1:9090" in await targets.refresh()


def test_backoff_doubles_to_its_cap_with_jitter_of_at_most_half() -> None:
    rand = random.Random(4)
    for attempts, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (8, 60.0), (30, 60.0)]:
        waits = [backoff_seconds(attempts, 0.5, 60.0, rand) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 1


# -- engines on loopback --------------------------------------------------------------------------


@dataclass
class FakeEngine:
    """Records each webhook and answers what ``answers`` says next (an int status, or "hang")."""

    answers: list[int | str] = field(default_factory=list)
    received: list[tuple[str, str, float]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path, request.headers.get("Authorization", ""), time.monotonic()))
        answer = self.answers.pop(0) if self.answers else 204
        if answer == "hang":
            await asyncio.sleep(30)
        return web.Response(status=int(answer) if isinstance(answer, int) else 204)


@pytest.fixture
async def engines() -> AsyncIterator[Callable[[], Any]]:
    runners: list[web.AppRunner] = []

    async def start() -> FakeEngine:
        engine = FakeEngine()
        app = web.Application()
        app.router.add_post("/internal/cache/invalidate/{rest:.*}", engine.handle)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        engine.url = f"http://127.0.0.1:{port}"
        runners.append(runner)
        return engine

    yield start
    for runner in runners:
        await runner.cleanup()


class Ed25519Signer:
    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": KID, "typ": "JWT"})


class Letters:
    def __init__(self) -> None:
        self.published: list[tuple[bytes, str]] = []

    async def publish(self, data: bytes, reason: str) -> None:
        self.published.append((data, reason))


@dataclass
class Rig:
    db: Database
    dispatcher: WebhookDispatcher
    signer: Ed25519Signer
    letters: Letters
    outbox: Outbox
    org_id: int


@pytest.fixture
async def rig(database: Database, event_outbox: Outbox) -> AsyncIterator[Callable[..., Any]]:
    started: list[WebhookDispatcher] = []

    async def make(endpoints: list[str], **config: Any) -> Rig:
        settings = EngineConfig(
            endpoints=endpoints,
            webhook_timeout_seconds=config.pop("timeout", 0.5),
            webhook_backoff_seconds=0.05,
            webhook_backoff_max_seconds=0.2,
            webhook_max_attempts=config.pop("max_attempts", 4),
        )
        signer, letters = Ed25519Signer(), Letters()
        dispatcher = WebhookDispatcher(
            db=database,
            outbox=event_outbox,
            dead_letters=letters,
            targets=EngineTargets(settings),
            config=settings,
            signer=signer,
            instance="mgmt-1",
        )
        org_id = new_id()
        async with database.transaction() as db:
            await db.execute(
                insert(organizations).values(
                    id=org_id, name="O", tier="TIER_DEV_V1", status="active", created_at=NOW, updated_at=NOW
                )
            )
        dispatcher.start()
        started.append(dispatcher)
        return Rig(database, dispatcher, signer, letters, event_outbox, org_id)

    yield make
    for dispatcher in started:
        await dispatcher.stop()


async def _new_vault(rig: Rig) -> int:
    vault_id = new_id()
    async with rig.db.transaction() as db:
        await db.execute(
            insert(vaults).values(
                id=vault_id,
                organization_id=rig.org_id,
                name=f"v{vault_id}",
                name_key=f"v{vault_id}",
                sync_status="PENDING",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        endpoints = rig.dispatcher.targets.current()
        await service.enqueue(db, endpoints, [invalidations.vault(vault_id, sync=True)], "e1", NOW)
    return vault_id


async def _until(check: Callable[[], Any], within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.02)


async def _vault_sync(rig: Rig, vault_id: int) -> tuple[str, str | None]:
    async with rig.db.read() as db:
        row = (await db.execute(select(vaults.c.sync_status, vaults.c.sync_error).where(vaults.c.id == vault_id))).one()
    return str(row[0]), row[1]


async def _event_types(rig: Rig) -> list[str]:
    async with rig.db.read() as db:
        return list((await db.execute(select(outbox.c.subject))).scalars())


async def _pending(rig: Rig) -> int:
    async with rig.db.read() as db:
        return len((await db.execute(select(engine_deliveries.c.id))).all())


def _metric(kind: str, result: str) -> float:
    return REGISTRY.get_sample_value("engine_webhooks_total", {"kind": kind, "result": result}) or 0.0


def _claims(rig: Rig, authorization: str, audience: str) -> dict[str, Any]:
    token = authorization.removeprefix("Bearer ")
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    claims: dict[str, Any] = jwt.decode(token, rig.signer.key.public_key(), algorithms=["EdDSA"], audience=audience)
    return claims


async def test_a_vault_webhook_is_signed_as_e3_says_and_its_acknowledgement_syncs_the_vault(
    engines: Callable[[], Any], rig: Callable[..., Any]
) -> None:
    first, second = await engines(), await engines()
    r: Rig = await rig([first.url, second.url])
    before = _metric("vault", "delivered")
    vault_id = await _new_vault(r)
    assert await _until(lambda: _synced(r, vault_id))
    jtis = set()
    for engine in (first, second):
        [(path, authorization, _)] = engine.received
        assert path == f"/internal/cache/invalidate/vault/{vault_id}"
        claims = _claims(r, authorization, engine.url)
        assert claims["iss"] == "inferadb-management:mgmt-1" and claims["sub"] == "management:mgmt-1"
        assert claims["aud"] == engine.url and claims["exp"] - claims["iat"] == 300
        jtis.add(claims["jti"])
    assert len(jtis) == 2
    assert await _pending(r) == 0
    assert "inferadb.events.orgs.vault.synced" in await _event_types(r)
    assert _metric("vault", "delivered") - before == 2


async def _synced(rig: Rig, vault_id: int) -> bool:
    return (await _vault_sync(rig, vault_id))[0] == "SYNCED"


async def test_500s_and_a_timeout_are_retried_with_backoff_until_delivered(
    engines: Callable[[], Any], rig: Callable[..., Any]
) -> None:
    engine = await engines()
    engine.answers = [500, "hang", 429, 204]
    r: Rig = await rig([engine.url], timeout=0.3, max_attempts=5)
    before = _metric("vault", "retried")
    vault_id = await _new_vault(r)
    assert await _until(lambda: _synced(r, vault_id))
    assert len(engine.received) == 4
    gaps = [later[2] - earlier[2] for earlier, later in zip(engine.received, engine.received[1:], strict=False)]
    assert gaps[1] >= 0.3  # the hanging attempt was given its timeout, then retried
    assert _metric("vault", "retried") - before == 3
    assert r.letters.published == []


async def test_another_4xx_is_dead_lettered_at_once_and_fails_the_vaults_sync(
    engines: Callable[[], Any], rig: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    engine = await engines()
    engine.answers = [404]
    r: Rig = await rig([engine.url])
    before = _metric("vault", "dead_lettered")
    with caplog.at_level(logging.WARNING, logger="inferadb.orgs.engine"):
        vault_id = await _new_vault(r)
        assert await _until(lambda: _failed(r, vault_id))
        await _until(lambda: _true_if(bool(r.letters.published)))
    assert len(engine.received) == 1
    assert await _vault_sync(r, vault_id) == ("FAILED", f"engine {engine.url}: HTTP 404")
    assert "inferadb.events.orgs.vault.sync_failed" in await _event_types(r)
    [(letter, reason)] = r.letters.published
    assert reason == "refused: HTTP 404" and f"/vault/{vault_id}".encode() in letter
    [line] = [record.getMessage() for record in caplog.records if "dead-lettered" in record.getMessage()]
    assert f"endpoint={engine.url}" in line and "kind=vault" in line and f"id={vault_id}" in line
    assert "reason=refused: HTTP 404" in line
    assert _metric("vault", "dead_lettered") - before == 1


async def _failed(rig: Rig, vault_id: int) -> bool:
    return (await _vault_sync(rig, vault_id))[0] == "FAILED"


async def _true_if(value: bool) -> bool:
    return value


async def test_used_up_attempts_are_dead_lettered_and_a_resync_then_syncs(
    engines: Callable[[], Any], rig: Callable[..., Any]
) -> None:
    engine = await engines()
    engine.answers = [503, 503, 503]
    r: Rig = await rig([engine.url], max_attempts=3)
    vault_id = await _new_vault(r)
    assert await _until(lambda: _failed(r, vault_id))
    assert await _vault_sync(r, vault_id) == ("FAILED", f"engine {engine.url}: HTTP 503")
    await _until(lambda: _true_if(bool(r.letters.published)))
    assert r.letters.published[0][1] == "3 attempts used up, last answer: HTTP 503"
    async with r.db.transaction() as db:  # POST …/sync: announced again, PENDING until acknowledged
        await service.announce_vault(db, r.outbox, r.dispatcher.targets.current(), vault_id, "sync:1", NOW)
    assert await _until(lambda: _synced(r, vault_id))
    assert len(engine.received) == 4


async def test_a_hanging_engine_does_not_hold_up_another(engines: Callable[[], Any], rig: Callable[..., Any]) -> None:
    slow, quick = await engines(), await engines()
    slow.answers = ["hang"] * 10
    r: Rig = await rig([slow.url, quick.url], timeout=3.0)
    started = time.monotonic()
    org = r.org_id
    async with r.db.transaction() as db:
        await service.enqueue(db, r.dispatcher.targets.current(), [invalidations.organization(org)], "e2", NOW)
    assert await _until(lambda: _true_if(bool(quick.received)), within=5)
    assert quick.received[0][2] - started < 1.0
    assert quick.received[0][0] == f"/internal/cache/invalidate/organization/{org}"


async def test_the_notifier_writes_one_row_per_engine_and_nothing_for_other_events(
    database: Database, event_outbox: Outbox
) -> None:
    targets = EngineTargets(EngineConfig(endpoints=["http://e1:9090", "http://e2:9090"]))
    writer = InvalidationWriter(targets, event_outbox)
    suspended, _ = _event(OrganizationSuspended(status="suspended"), 7)
    renamed, _ = _event(OrganizationUpdated(name="n", previous_name="o"), 7)
    async with database.transaction() as db:
        await writer(db, [suspended, renamed])
        assert db.info.get(service.WAKE_FLAG) is True
    async with database.read() as db:
        rows = (await db.execute(select(engine_deliveries.c.endpoint, engine_deliveries.c.path))).all()
    assert sorted(map(tuple, rows)) == [
        ("http://e1:9090", "/internal/cache/invalidate/organization/7"),
        ("http://e2:9090", "/internal/cache/invalidate/organization/7"),
    ]


async def test_the_notifiers_durable_starts_with_the_last_ten_minutes_of_the_stream_when_first_created(
    database: Database, event_outbox: Outbox
) -> None:
    """On an existing deployment the notifier does not announce the whole history again: only what an
    engine may still hold in its longest cache (organizations, ~600 s). What that setting does to a
    real stream is shown in libs/common/tests/test_consumer_start.py."""
    bus = Bus(NatsConfig(url="nats://127.0.0.1:1"), "orgs-test")  # never connected
    targets = EngineTargets(EngineConfig(endpoints=["http://e1:9090"]))
    consumer = engine_notifier(bus, database, event_outbox, targets)
    assert consumer.subscription.deliver_since == timedelta(seconds=600)
    assert consumer.subscription.durable == "orgs-engine-notifier"
    assert consumer.subscription.ack_wait_seconds == 5.0  # a crashed batch waits no longer
