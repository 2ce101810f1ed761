"""The senders of the invalidation webhooks (engine.md E3): one loop per engine endpoint.

Each loop takes its endpoint's due ``engine_deliveries`` rows and sends them (``POST
{endpoint}{path}``, no body, a management JWT), at once after the commit that wrote them and
otherwise when their retry is due. 2xx → the row goes; a connection error, a timeout, 429 or 5xx →
retried with exponential backoff and jitter until ``engine.webhook_max_attempts``; another 4xx or
the attempts used up → dead-lettered (the dead-letter stream, one WARNING line, the metric). A slow
or hanging engine only holds up its own loop, each request bounded by ``webhook_timeout_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import aiohttp

from inferadb_common.bus import Bus
from inferadb_common.clock import utcnow
from inferadb_common.config import EngineConfig
from inferadb_common.db import Database
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.streams import DEADLETTER_PREFIX
from inferadb_common.metrics import ENGINE_WEBHOOK_DURATION, ENGINE_WEBHOOK_PENDING, ENGINE_WEBHOOKS
from inferadb_orgs.engine import repository as repo
from inferadb_orgs.engine import service
from inferadb_orgs.engine.repository import DeliveryRecord
from inferadb_orgs.engine.targets import EngineTargets

logger = logging.getLogger("inferadb.orgs.engine")

DEAD_LETTER_SUBJECT = f"{DEADLETTER_PREFIX}.orgs-engine-webhooks"
TOKEN_LIFETIME_SECONDS = 300
BATCH = 64
POLL_SECONDS = 1.0  # rows written by another replica, or due for a retry, are found at least this often


class WebhookSigner(Protocol):
    """Signs a webhook's claims with the current management key (header ``{alg: EdDSA, typ: JWT, kid}``)."""

    def sign_jwt(self, claims: dict[str, Any]) -> str: ...


def webhook_claims(instance: str, audience: str, now: float) -> dict[str, Any]:
    """E3's claims: who sends (this instance), to which engine, valid five minutes, never reused."""
    issued = int(now)
    return {
        "iss": f"inferadb-management:{instance}",
        "sub": f"management:{instance}",
        "aud": audience,
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME_SECONDS,
        "jti": secrets.token_urlsafe(16),
    }


def backoff_seconds(attempts: int, base: float, cap: float, rand: random.Random | None = None) -> float:
    """The wait before the next attempt after ``attempts`` failed ones: ``base`` doubling per attempt up
    to ``cap``, of which a random half to all is taken (so engines coming back are not hit in step)."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return float(ceiling * (rand or random).uniform(0.5, 1.0))


class DeadLetters(Protocol):
    """Where a given-up webhook is published (with its reason)."""

    async def publish(self, data: bytes, reason: str) -> None: ...


class DeadLetterStream:
    """The dead-letter stream (``INFERADB_DEADLETTER``), reached through the process's NATS connection."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def publish(self, data: bytes, reason: str) -> None:
        headers = {"X-Dead-Letter-Reason": reason[:200]}
        await self.bus.js.publish(DEAD_LETTER_SUBJECT, data, headers=headers)


class Result(StrEnum):
    DELIVERED = "delivered"
    RETRIED = "retried"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the engine answered (``status`` None: no answer at all), and how to say it in an error."""

    status: int | None
    text: str

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


class WebhookDispatcher:
    """The worker that runs one sender loop per engine endpoint (the targets, and any endpoint that
    still has rows from before a restart or a change of targets)."""

    def __init__(
        self,
        *,
        db: Database,
        outbox: Outbox,
        dead_letters: DeadLetters,
        targets: EngineTargets,
        config: EngineConfig,
        signer: WebhookSigner,
        instance: str,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.dead_letters = dead_letters
        self.targets = targets
        self.config = config
        self.signer = signer
        self.instance = instance
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._wakes: dict[str, asyncio.Event] = {}
        self._main: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._stopping = False

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit_per_host=BATCH),
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
        )
        self.db.on_commit.append(self.after_commit)
        self.targets.on_change.append(self._run_loops_for)
        self._main = asyncio.create_task(self._supervise(), name="engine-webhooks")

    async def stop(self) -> None:
        self._stopping = True
        tasks = [task for task in (self._main, *self._loops.values()) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(ValueError):
            self.db.on_commit.remove(self.after_commit)
        if self._http is not None:
            await self._http.close()
            self._http = None

    def after_commit(self, info: dict[str, Any]) -> None:
        """A transaction wrote deliveries: every sender looks for them now rather than at its next poll."""
        if info.get(service.WAKE_FLAG):
            for wake in self._wakes.values():
                wake.set()

    # -- the loops ----------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Start a loop per endpoint, then keep the pending gauge and the set of loops up to date."""
        await self.targets.refresh()
        self._run_loops_for(self.targets.current())
        while True:
            try:
                async with self.db.read() as db:
                    leftovers = await repo.endpoints_with_deliveries(db)
                    ENGINE_WEBHOOK_PENDING.set(await repo.count_pending(db))
                self._run_loops_for(tuple(leftovers))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("engine webhooks: cannot read the pending deliveries (will retry): %s", exc)
            await asyncio.sleep(POLL_SECONDS)

    def _run_loops_for(self, endpoints: tuple[str, ...]) -> None:
        if self._stopping:
            return
        for endpoint in endpoints:
            task = self._loops.get(endpoint)
            if task is None or task.done():
                self._wakes.setdefault(endpoint, asyncio.Event()).set()
                self._loops[endpoint] = asyncio.create_task(self._send_loop(endpoint), name=f"engine-{endpoint}")

    async def _send_loop(self, endpoint: str) -> None:
        wake = self._wakes[endpoint]
        lease = timedelta(seconds=self.config.webhook_timeout_seconds + 2.0)
        while True:
            wake.clear()
            try:
                async with self.db.transaction() as db:
                    rows = await repo.claim_due(db, endpoint, utcnow(), lease, BATCH)
                if rows:
                    await asyncio.gather(*(self._deliver(endpoint, row) for row in rows))
                    continue
                async with self.db.read() as db:
                    due = await repo.next_due(db, endpoint)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("engine webhooks to %s: storage unavailable (will retry): %s", endpoint, exc)
                await asyncio.sleep(POLL_SECONDS)
                continue
            if due is None and endpoint not in self.targets.current():
                return  # an engine no longer targeted, with nothing left to send it
            delay = POLL_SECONDS if due is None else min(POLL_SECONDS, max(0.0, _seconds_until(due)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)

    # -- one request --------------------------------------------------------------------------------

    async def _deliver(self, endpoint: str, row: DeliveryRecord) -> None:
        started = time.monotonic()
        answer = await self._post(endpoint, row.path)
        ENGINE_WEBHOOK_DURATION.labels(kind=row.kind).observe(time.monotonic() - started)
        attempts = row.attempts + 1
        if answer.delivered:
            result, reason = Result.DELIVERED, None
        elif answer.retryable and attempts < self.config.webhook_max_attempts:
            result, reason = Result.RETRIED, None
        elif answer.retryable:
            result, reason = Result.DEAD_LETTERED, f"{attempts} attempts used up, last answer: {answer.text}"
        else:
            result, reason = Result.DEAD_LETTERED, f"refused: {answer.text}"
        try:
            await self._record(endpoint, row, result, answer, attempts)
        except Exception as exc:  # the lease runs out and the row is sent again
            logger.warning("engine webhooks to %s: cannot record the outcome of %s: %s", endpoint, row.path, exc)
            return
        ENGINE_WEBHOOKS.labels(kind=row.kind, result=result.value).inc()
        if reason is not None:
            await self._dead_letter(endpoint, row, reason, attempts)

    async def _post(self, endpoint: str, path: str) -> Answer:
        assert self._http is not None, "started"
        token = self.signer.sign_jwt(webhook_claims(self.instance, endpoint, time.time()))
        timeout = self.config.webhook_timeout_seconds
        try:
            async with self._http.post(
                f"{endpoint}{path}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
            ) as response:
                await response.read()
                return Answer(response.status, f"HTTP {response.status}")
        except TimeoutError:
            return Answer(None, f"no answer within {timeout:g} s")
        except aiohttp.ClientError as exc:
            return Answer(None, f"connection failed ({type(exc).__name__}: {exc})")

    async def _record(self, endpoint: str, row: DeliveryRecord, result: Result, answer: Answer, attempts: int) -> None:
        async with self.db.transaction() as db:
            if result is Result.RETRIED:
                wait = backoff_seconds(
                    attempts, self.config.webhook_backoff_seconds, self.config.webhook_backoff_max_seconds
                )
                await repo.reschedule(db, row.id, attempts, utcnow() + timedelta(seconds=wait), answer.text)
                return
            await repo.remove(db, row.id)
            if row.sync_vault_id is None:
                return
            if result is Result.DELIVERED:
                await service.acknowledged(db, self.outbox, row.sync_vault_id)
            else:
                await service.mark_failed(db, self.outbox, row.sync_vault_id, endpoint, answer.text)

    async def _dead_letter(self, endpoint: str, row: DeliveryRecord, reason: str, attempts: int) -> None:
        target = row.path.split(f"/{row.kind}/", 1)[-1]  # the vault, organization or org/client/certificate
        logger.warning(
            "engine webhook dead-lettered: endpoint=%s kind=%s id=%s reason=%s", endpoint, row.kind, target, reason
        )
        letter = {
            "endpoint": endpoint,
            "kind": row.kind,
            "path": row.path,
            "event_id": row.event_id,
            "attempts": attempts,
            "reason": reason,
        }
        try:
            await self.dead_letters.publish(json.dumps(letter).encode(), reason)
        except Exception as exc:
            logger.error("engine webhooks: cannot publish the dead letter for %s%s: %s", endpoint, row.path, exc)


def _seconds_until(moment: datetime) -> float:
    return (moment - utcnow()).total_seconds()
