"""``inferadb-mailer``: delivers the mail requests of the work queue over SMTP."""

from __future__ import annotations

from pathlib import Path

from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run
from inferadb_mailer.app import build_app
from inferadb_mailer.dev_inbox import DevInbox
from inferadb_mailer.tables import metadata
from inferadb_mailer.worker import mail_worker


async def _configure(ctx: ServiceContext) -> DevInbox | None:
    """The mailer's state is its development inbox, when ``email.dev_inbox`` is on."""
    inbox = DevInbox(ctx.database) if ctx.settings.email.dev_inbox else None
    ctx.workers.append(mail_worker(bus=ctx.bus, db=ctx.database, email=ctx.settings.email, dev_inbox=inbox))
    return inbox


DEFINITION = ServiceDefinition(
    name="mailer",
    description="Mail delivery",
    build_app=build_app,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    outbox_table_name=None,
    configure=_configure,
    uses_ids=False,  # it mints no ids, so it needs no worker-id lease
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
