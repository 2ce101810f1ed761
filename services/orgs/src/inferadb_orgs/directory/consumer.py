"""Applies auth's user events: the directory projection, default organizations, account deletion,
and the end of the vault-token families that a revoked session or a deleted user leaves behind.

Runs as an idempotent consumer (dedupe by event id in ``consumed_messages``); every effect and the
events it causes are written in the consumer's transaction, so redelivery is harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.db import Database
from inferadb_common.events.catalog import CATALOG, EVENTS_SUBJECT_PREFIX
from inferadb_common.events.consumer import IdempotentConsumer, Subscription
from inferadb_common.events.decode import decode_payload
from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.payload import EventPayload
from inferadb_common.events.payloads.auth import (
    EmailPrimaryChanged,
    EmailRemoved,
    EmailVerified,
    SessionRevoked,
    UserDeleted,
    UserRegistered,
    UserUpdated,
)
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_orgs.directory import repository as directory
from inferadb_orgs.organizations.lifecycle import create_default_organization, remove_user_everywhere
from inferadb_orgs.tables import consumed_messages
from inferadb_orgs.tokens import repository as tokens_repo
from inferadb_orgs.tokens import revocation

DURABLE = "orgs-directory"
P = TypeVar("P", bound=EventPayload)

Handler = Callable[[AsyncSession, EventEnvelope, EventPayload], Awaitable[None]]


def _route(
    model: type[P], handle: Callable[[AsyncSession, EventEnvelope, P], Awaitable[None]]
) -> tuple[type[EventPayload], Handler]:
    """One entry of the dispatch map: the handler of ``model``'s events, given the decoded payload."""

    async def handler(db: AsyncSession, event: EventEnvelope, payload: EventPayload) -> None:
        assert isinstance(payload, model)
        await handle(db, event, payload)

    return model, handler


def _subject_user(event: EventEnvelope) -> int:
    """The user an event about a user account is about (its resource)."""
    assert event.resource is not None and event.resource.id is not None
    return int(event.resource.id)


class DirectoryHandler:
    def __init__(self, outbox: Outbox, default_tier: str) -> None:
        self.outbox = outbox
        self.default_tier = default_tier
        # The events this consumer acts on; auth's others (logins, passwords…) pass by undecoded.
        self.handlers: dict[type[EventPayload], Handler] = dict(
            [
                _route(UserRegistered, self.on_user_registered),
                _route(UserUpdated, self.on_user_updated),
                _route(EmailVerified, self.on_email_verified),
                _route(EmailPrimaryChanged, self.on_email_primary_changed),
                _route(EmailRemoved, self.on_email_removed),
                _route(SessionRevoked, self.on_session_revoked),
                _route(UserDeleted, self.on_user_deleted),
            ]
        )

    async def __call__(self, db: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        for event in events:
            spec = CATALOG.get(event.type)
            handler = None if spec is None else self.handlers.get(spec.payload)
            if handler is not None:
                await handler(db, event, decode_payload(event))

    async def on_user_registered(self, db: AsyncSession, event: EventEnvelope, payload: UserRegistered) -> None:
        user_id = _subject_user(event)
        await directory.upsert_user(db, user_id, name=payload.name, email=payload.email, at=event.time)
        await create_default_organization(
            db,
            self.outbox,
            event,
            user_id=user_id,
            organization_id=payload.default_organization_id,
            user_name=payload.name,
            tier=self.default_tier,
        )

    async def on_user_updated(self, db: AsyncSession, event: EventEnvelope, payload: UserUpdated) -> None:
        if payload.name is not None:
            await directory.rename_user(db, _subject_user(event), payload.name, event.time)

    async def on_email_verified(self, db: AsyncSession, event: EventEnvelope, payload: EmailVerified) -> None:
        await directory.add_verified_email(db, payload.user_id, payload.email)
        if payload.primary:
            await directory.set_primary_email(db, payload.user_id, payload.email, event.time)

    async def on_email_primary_changed(
        self, db: AsyncSession, event: EventEnvelope, payload: EmailPrimaryChanged
    ) -> None:
        await directory.set_primary_email(db, payload.user_id, payload.email, event.time)

    async def on_email_removed(self, db: AsyncSession, event: EventEnvelope, payload: EmailRemoved) -> None:
        await directory.remove_verified_email(db, payload.user_id, payload.email)

    async def on_session_revoked(self, db: AsyncSession, event: EventEnvelope, payload: SessionRevoked) -> None:
        """Vault tokens born of a session end with it: its refresh-token families are revoked."""
        assert event.resource is not None and event.resource.id is not None
        actor = Actor(user_id=event.actor.user_id or payload.user_id, ip_address=event.actor.ip_address)
        condition = tokens_repo.of_session(int(event.resource.id))
        await revocation.revoke(self.outbox, db, condition, actor, event.time, "session_revoked")

    async def on_user_deleted(self, db: AsyncSession, event: EventEnvelope, payload: UserDeleted) -> None:
        user_id = _subject_user(event)
        actor = Actor(user_id=user_id, ip_address=event.actor.ip_address)
        await revocation.revoke(self.outbox, db, tokens_repo.of_user(user_id), actor, event.time, "user_deleted")
        await remove_user_everywhere(db, self.outbox, event, user_id)
        await directory.delete_user(db, user_id)


def directory_consumer(bus: Bus, db: Database, outbox: Outbox, default_tier: str) -> IdempotentConsumer[EventEnvelope]:
    return IdempotentConsumer(
        bus=bus,
        db=db,
        subscription=Subscription(
            stream=EVENTS_STREAM, durable=DURABLE, filter_subject=f"{EVENTS_SUBJECT_PREFIX}.auth.>", batch_size=100
        ),
        consumed=consumed_messages,
        model=EventEnvelope,
        handler=DirectoryHandler(outbox, default_tier),
        message_id=lambda event: event.id,
    )
