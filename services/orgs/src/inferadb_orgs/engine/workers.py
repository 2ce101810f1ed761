"""The engine integration's background workers: DNS discovery, the notifier and the webhook senders."""

from __future__ import annotations

import socket

from inferadb_common.runtime import ServiceContext
from inferadb_orgs.engine.delivery import DeadLetterStream, WebhookDispatcher, WebhookSigner
from inferadb_orgs.engine.notifier import engine_notifier
from inferadb_orgs.state import OrgsState


def add_engine_workers(ctx: ServiceContext, state: OrgsState, signer: WebhookSigner) -> None:
    """The DNS refresh, the notifier and the senders; nothing at all when no engine is configured."""
    targets = state.engine_targets
    if not targets.configured:
        return
    assert ctx.outbox is not None
    config = ctx.settings.engine
    ctx.workers.append(targets)
    ctx.workers.append(engine_notifier(ctx.bus, ctx.database, ctx.outbox, targets))
    instance = config.instance_id or socket.gethostname()
    dispatcher = WebhookDispatcher(
        db=ctx.database,
        outbox=ctx.outbox,
        dead_letters=DeadLetterStream(ctx.bus),
        targets=targets,
        config=config,
        signer=signer,
        instance=instance,
    )
    ctx.workers.append(dispatcher)
