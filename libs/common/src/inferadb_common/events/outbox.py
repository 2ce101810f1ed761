"""Transactional outbox: events and mail requests are rows written with the state change; a relay
publishes them to JetStream with ``Nats-Msg-Id`` and marks them sent.

A crash between commit and publish loses nothing (the row stays unpublished); a crash between
publish and mark-sent duplicates nothing (JetStream drops the re-publish inside the duplicate
window, and consumers dedupe by id beyond it). Mail rows carry a secret link, so the relay deletes
them once JetStream has them instead of keeping them marked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.clock import utcnow
from inferadb_common.db import Database
from inferadb_common.events.catalog import spec_for
from inferadb_common.events.envelope import Actor, EventEnvelope, MailRequest, ResourceRef
from inferadb_common.events.payload import EventPayload
from inferadb_common.events.streams import MAIL_SUBJECT
from inferadb_common.ids import new_id
from inferadb_common.metrics import EVENTS_PUBLISHED, OUTBOX_PENDING
from inferadb_common.request_context import current_request_id

logger = logging.getLogger("inferadb.outbox")

KIND_EVENT = "event"
KIND_MAIL = "mail"
PENDING_FLAG = "outbox_pending"


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """One event of a batch for :meth:`Outbox.record_many`: what :meth:`Outbox.record` takes, plus
    the request it belongs to (a batch gathers several requests' events)."""

    payload: EventPayload
    actor: Actor
    organization_id: int | None
    resource_id: str | int | None
    request_id: str | None


class Outbox:
    """Writes outbox rows inside the caller's transaction (never commits)."""

    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source

    async def record(
        self,
        session: AsyncSession,
        payload: EventPayload,
        *,
        actor: Actor | None = None,
        resource_id: str | int | None = None,
        organization_id: int | None = None,
    ) -> EventEnvelope:
        event = PendingEvent(payload, actor or Actor(), organization_id, resource_id, current_request_id())
        envelope, row = self._event_row(event, utcnow())
        await self._insert(session, [row])
        return envelope

    async def record_many(self, session: AsyncSession, events: Sequence[PendingEvent]) -> list[EventEnvelope]:
        """Several events in one ``INSERT`` (a group commit): the rows :meth:`record` writes, one
        per event, each with its own request id."""
        now = utcnow()
        built = [self._event_row(event, now) for event in events]
        if built:
            await self._insert(session, [row for _, row in built])
        return [envelope for envelope, _ in built]

    async def request_mail(
        self, session: AsyncSession, template: str, to: str, variables: dict[str, str]
    ) -> MailRequest:
        now = utcnow()
        mail = MailRequest(
            id=str(new_id()), template=template, to=to, time=now, request_id=current_request_id(), variables=variables
        )
        await self._insert(session, [_row(KIND_MAIL, MAIL_SUBJECT, mail.id, mail.model_dump_json().encode(), now)])
        return mail

    def _event_row(self, event: PendingEvent, now: datetime) -> tuple[EventEnvelope, dict[str, Any]]:
        spec = spec_for(event.payload.event_type)
        if spec.payload is not type(event.payload):
            raise TypeError(f"{spec.type} carries {spec.payload.__name__}, not {type(event.payload).__name__}")
        if spec.source != self.source:
            raise ValueError(f"{self.source} may not emit {spec.type} (catalog says {spec.source})")
        resource_id = None if event.resource_id is None else str(event.resource_id)
        envelope = EventEnvelope(
            id=str(new_id()),
            type=spec.type,
            source=self.source,
            time=now,
            actor=event.actor,
            organization_id=event.organization_id,
            resource=ResourceRef(type=spec.resource_type, id=resource_id),
            request_id=event.request_id,
            data=event.payload.to_data(),
        )
        return envelope, _row(KIND_EVENT, spec.subject, envelope.id, envelope.model_dump_json().encode(), now)

    async def _insert(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        await session.execute(insert(self.table), rows)
        session.info[PENDING_FLAG] = True


def _row(kind: str, subject: str, message_id: str, payload: bytes, now: datetime) -> dict[str, Any]:
    return {
        "id": int(message_id),
        "kind": kind,
        "subject": subject,
        "message_id": message_id,
        "payload": payload,
        "created_at": now,
        "published_at": None,
        "attempts": 0,
    }


class OutboxRelay:
    """Publishes unpublished outbox rows; woken after each commit that wrote one, and by a poll."""

    def __init__(
        self,
        db: Database,
        table: Table,
        bus: Bus,
        *,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        keep_published: timedelta = timedelta(hours=1),
    ) -> None:
        self.db = db
        self.table = table
        self.bus = bus
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.keep_published = keep_published
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.after_publish: Callable[[list[int]], Any] | None = None
        db.on_commit.append(self._on_commit)
        bus.on_reconnect.append(self._wake_async)

    def _on_commit(self, session_info: dict[str, Any]) -> None:
        if session_info.get(PENDING_FLAG):
            self._wake.set()

    async def _wake_async(self) -> None:
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        """Publish what can be published quickly, then stop."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.bus.connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.publish_pending(), timeout=3)

    async def run(self) -> None:
        passes = 0
        while not self._stopping:
            try:
                published = await self.publish_pending()
                passes += 1
                if passes % 300 == 0:
                    await self.purge_published()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("outbox relay pass failed: %s", exc)
                published = 0
            if published >= self.batch_size:
                continue  # more waiting: go again at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()

    async def publish_pending(self) -> int:
        if not self.bus.connected:
            return 0
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(
                        self.table.c.id,
                        self.table.c.kind,
                        self.table.c.subject,
                        self.table.c.message_id,
                        self.table.c.payload,
                    )
                    .where(self.table.c.published_at.is_(None))
                    .order_by(self.table.c.id)
                    .limit(self.batch_size)
                )
            ).all()
        OUTBOX_PENDING.set(len(rows))
        if not rows:
            return 0
        # All of the batch in flight at once: the PUBs leave in one write and the acks come back
        # together, instead of a round trip per row. JetStream keeps them in this order.
        outcomes = await asyncio.gather(*(self._publish(row) for row in rows), return_exceptions=True)
        published_events: list[int] = []
        published_mail: list[int] = []
        failures: list[BaseException] = []
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                failures.append(outcome)
                continue
            EVENTS_PUBLISHED.labels(stream=row.kind).inc()
            (published_mail if row.kind == KIND_MAIL else published_events).append(row.id)
        if failures:
            logger.warning("outbox publish failed for %d of %d (will retry): %s", len(failures), len(rows), failures[0])
        done = published_events + published_mail
        if self.after_publish is not None:
            self.after_publish(done)  # test hook: lets a test "crash" between publish and mark-sent
        await self._mark_published(published_events, published_mail)
        return len(done)

    async def _publish(self, row: Any) -> None:
        await self.bus.js.publish(row.subject, bytes(row.payload), headers={"Nats-Msg-Id": row.message_id}, timeout=5)

    async def _mark_published(self, event_ids: list[int], mail_ids: list[int]) -> None:
        if not event_ids and not mail_ids:
            return
        async with self.db.transaction() as session:
            if event_ids:
                await session.execute(
                    update(self.table).where(self.table.c.id.in_(event_ids)).values(published_at=utcnow())
                )
            if mail_ids:
                await session.execute(delete(self.table).where(self.table.c.id.in_(mail_ids)))

    async def purge_published(self) -> None:
        cutoff = utcnow() - self.keep_published
        async with self.db.transaction() as session:
            await session.execute(
                delete(self.table).where(self.table.c.published_at.is_not(None), self.table.c.published_at < cutoff)
            )


def decode_envelope(payload: bytes) -> EventEnvelope:
    return EventEnvelope.model_validate(orjson.loads(payload))
