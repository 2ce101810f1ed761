"""The durable consumer that turns orgs' events into invalidation webhooks to deliver (engine.md E3).

For each event of E3's table it writes one ``engine_deliveries`` row per engine in the transaction
that acks the event, so a crash (SIGKILL included) loses no invalidation: either the event is acked
with its rows committed, or it is delivered again. The senders (:mod:`.delivery`) take it from there;
nothing is sent from a request.

Created on a deployment whose event stream already holds history, the consumer starts with the
events of the last :data:`LOOKBACK` (the longest engine cache TTL, E3), not the first event: an
engine may still cache what a change of those minutes made stale, but nothing from before them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.clock import utcnow
from inferadb_common.db import Database
from inferadb_common.events.catalog import CATALOG, EVENTS_SUBJECT_PREFIX
from inferadb_common.events.consumer import IdempotentConsumer, Subscription
from inferadb_common.events.decode import decode_payload
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_orgs.engine import service
from inferadb_orgs.engine.invalidations import RULES, invalidations_of
from inferadb_orgs.engine.targets import EngineTargets
from inferadb_orgs.tables import consumed_messages

DURABLE = "orgs-engine-notifier"
LOOKBACK = timedelta(seconds=600)
"""How far back the consumer starts when it is first created: engines cache organizations ~600 s,
vaults and keys ~300 s (engine.md E3), so an older change is in no engine's cache any more."""
ACK_WAIT_SECONDS = 5.0
"""A batch handed to a process that dies (SIGKILL) is handed out again after this long: it delays
invalidations, so it is short (writing a batch's rows takes milliseconds; a batch that outlives it
is handed out again and deduplicated)."""


class InvalidationWriter:
    """The consumer's handler: the events' invalidations, as rows for every engine known now."""

    def __init__(self, targets: EngineTargets, outbox: Outbox) -> None:
        self.targets = targets
        self.outbox = outbox

    async def __call__(self, db: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        now = utcnow()
        for event in events:
            spec = CATALOG.get(event.type)
            if spec is None or spec.payload not in RULES:
                continue
            requests = invalidations_of(event, decode_payload(event))
            endpoints = self.targets.current()
            await service.enqueue(db, endpoints, requests, event.id, now)
            if not endpoints:  # DNS found no engine: a new vault has no one to wait for
                for request in requests:
                    if request.sync_vault_id is not None:
                        await service.mark_synced(db, self.outbox, request.sync_vault_id)


def engine_notifier(
    bus: Bus, db: Database, outbox: Outbox, targets: EngineTargets
) -> IdempotentConsumer[EventEnvelope]:
    return IdempotentConsumer(
        bus=bus,
        db=db,
        subscription=Subscription(
            stream=EVENTS_STREAM,
            durable=DURABLE,
            filter_subject=f"{EVENTS_SUBJECT_PREFIX}.orgs.>",
            batch_size=100,
            deliver_since=LOOKBACK,
            ack_wait_seconds=ACK_WAIT_SECONDS,
        ),
        consumed=consumed_messages,
        model=EventEnvelope,
        handler=InvalidationWriter(targets, outbox),
        message_id=lambda event: event.id,
    )
