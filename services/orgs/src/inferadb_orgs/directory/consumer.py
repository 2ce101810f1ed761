"""Applies auth's user events: the directory projection, default organizations, account deletion,
and the end of the vault-token families that a revoked session or a deleted user leaves behind.

Runs as an idempotent consumer (dedupe by event id in ``consumed_messages``); every effect and the
events it causes are written in the consumer's transaction, so redelivery is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.db import Database
from inferadb_common.events.catalog import EVENTS_SUBJECT_PREFIX
from inferadb_common.events.consumer import IdempotentConsumer, Subscription
from inferadb_common.events.envelope import Actor, EventEnvelope
from inferadb_common.events.outbox import Outbox
from inferadb_common.events.streams import EVENTS_STREAM
from inferadb_orgs.directory import repository as directory
from inferadb_orgs.organizations.lifecycle import create_default_organization, remove_user_everywhere
from inferadb_orgs.tables import consumed_messages
from inferadb_orgs.tokens import repository as tokens_repo
from inferadb_orgs.tokens import revocation

DURABLE = "orgs-directory"


def _user_id(event: EventEnvelope) -> int:
    if event.type in ("user.registered", "user.updated", "user.deleted"):
        assert event.resource is not None and event.resource.id is not None
        return int(event.resource.id)
    return int(event.data["user_id"])


class DirectoryHandler:
    def __init__(self, outbox: Outbox, default_tier: str) -> None:
        self.outbox = outbox
        self.default_tier = default_tier

    async def __call__(self, db: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        for event in events:
            method = getattr(self, "on_" + event.type.replace(".", "_"), None)
            if method is not None:
                await method(db, event)

    async def on_user_registered(self, db: AsyncSession, event: EventEnvelope) -> None:
        user_id = _user_id(event)
        name = str(event.data["name"])
        await directory.upsert_user(db, user_id, name=name, email=str(event.data["email"]), at=event.time)
        await create_default_organization(
            db,
            self.outbox,
            event,
            user_id=user_id,
            organization_id=int(event.data["default_organization_id"]),
            user_name=name,
            tier=self.default_tier,
        )

    async def on_user_updated(self, db: AsyncSession, event: EventEnvelope) -> None:
        if "name" in event.data:
            await directory.rename_user(db, _user_id(event), str(event.data["name"]), event.time)

    async def on_email_verified(self, db: AsyncSession, event: EventEnvelope) -> None:
        user_id = _user_id(event)
        await directory.add_verified_email(db, user_id, str(event.data["email"]))
        if event.data.get("primary"):
            await directory.set_primary_email(db, user_id, str(event.data["email"]), event.time)

    async def on_email_primary_changed(self, db: AsyncSession, event: EventEnvelope) -> None:
        await directory.set_primary_email(db, _user_id(event), str(event.data["email"]), event.time)

    async def on_email_removed(self, db: AsyncSession, event: EventEnvelope) -> None:
        await directory.remove_verified_email(db, _user_id(event), str(event.data["email"]))

    async def on_session_revoked(self, db: AsyncSession, event: EventEnvelope) -> None:
        """Vault tokens born of a session end with it: its refresh-token families are revoked."""
        assert event.resource is not None and event.resource.id is not None
        actor = Actor(user_id=event.actor.user_id or _user_id(event), ip_address=event.actor.ip_address)
        condition = tokens_repo.of_session(int(event.resource.id))
        await revocation.revoke(self.outbox, db, condition, actor, event.time, "session_revoked")

    async def on_user_deleted(self, db: AsyncSession, event: EventEnvelope) -> None:
        user_id = _user_id(event)
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
