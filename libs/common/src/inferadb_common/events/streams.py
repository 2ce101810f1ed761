"""JetStream stream definitions: domain events, mail requests (work queue), dead letters."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from inferadb_common.config import NatsConfig
from inferadb_common.events.catalog import EVENTS_SUBJECT_PREFIX

EVENTS_STREAM = "INFERADB_EVENTS"
MAIL_STREAM = "INFERADB_MAIL"
DEADLETTER_STREAM = "INFERADB_DEADLETTER"
MAIL_SUBJECT = "inferadb.mail.requests"
DEADLETTER_PREFIX = "inferadb.deadletter"
# Core-NATS subject (no persistence needed): gateways drop cached sessions when they hear it.
SESSION_REVOKED_SUBJECT = "inferadb.sessions.revoked"


@dataclass(frozen=True, slots=True)
class StreamSet:
    events: StreamConfig
    mail: StreamConfig
    deadletter: StreamConfig

    def all(self) -> tuple[StreamConfig, ...]:
        return (self.events, self.mail, self.deadletter)


def stream_configs(nats: NatsConfig) -> StreamSet:
    window = float(nats.duplicate_window_seconds)
    return StreamSet(
        events=StreamConfig(
            name=EVENTS_STREAM,
            subjects=[f"{EVENTS_SUBJECT_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=float(nats.event_retention_days * 86400),
            duplicate_window=window,
            num_replicas=nats.stream_replicas,
            discard=DiscardPolicy.OLD,
        ),
        mail=StreamConfig(
            name=MAIL_STREAM,
            subjects=[MAIL_SUBJECT],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            max_age=float(nats.mail_retention_hours * 3600),
            duplicate_window=window,
            num_replicas=nats.stream_replicas,
        ),
        deadletter=StreamConfig(
            name=DEADLETTER_STREAM,
            subjects=[f"{DEADLETTER_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=float(30 * 86400),
            duplicate_window=window,
            num_replicas=nats.stream_replicas,
        ),
    )
