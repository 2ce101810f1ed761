"""The development inbox (``email.dev_inbox``, console.md C3): the last mails as rendered, for ``/dev/mail``.

Every rendered mail is kept after each delivery attempt, whatever its outcome, so a stack without any
SMTP server (``make run`` on a fresh machine) still shows it: ``pending`` (will be retried), ``sent``
or ``abandoned``. Only the newest :data:`SIZE` are kept. The web console reads them
through ``GET /internal/v1/dev-inbox`` (the internal identity check, like every internal route);
with the option off the route answers 404 and nothing is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from inferadb_common.db import Database
from inferadb_common.errors import NotFound
from inferadb_mailer.tables import dev_inbox

__all__ = ["PATH", "SIZE", "DevInbox", "InboxEntry", "dev_inbox_router"]

logger = logging.getLogger("inferadb.mailer")

SIZE = 200
PATH = "/internal/v1/dev-inbox"
InboxStatus = Literal["pending", "sent", "abandoned"]


@dataclass
class InboxEntry:
    """One rendered mail and how its delivery went so far."""

    request_id: str
    recipient: str
    subject: str
    body: str
    status: InboxStatus = "pending"


class DevInbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def keep(self, entry: InboxEntry) -> None:
        """Store a mail, or its new status (one row per request id), and drop all but the newest :data:`SIZE`.

        Called by the worker after the delivery's own transaction (SQLite has a single writer) so a
        failed SMTP attempt, which rolls the delivery back, still leaves its mail here. A failure
        here is logged; it never affects delivery.
        """
        values = {
            "id": entry.request_id,
            "recipient": entry.recipient[:320],
            "subject": entry.subject[:255],
            "body": entry.body,
            "status": entry.status,
            "created_at": datetime.now(UTC),
        }
        try:
            async with self.db.transaction() as session:
                dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
                insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
                statement = insert(dev_inbox).values(values)
                statement = statement.on_conflict_do_update(
                    index_elements=[dev_inbox.c.id], set_={"status": statement.excluded.status}
                )
                await session.execute(statement)
                newest = select(dev_inbox.c.id).order_by(dev_inbox.c.created_at.desc(), dev_inbox.c.id.desc())
                await session.execute(delete(dev_inbox).where(dev_inbox.c.id.not_in(newest.limit(SIZE))))
        except Exception as exc:
            logger.warning("dev inbox: could not keep mail %s: %s", entry.request_id, exc)

    async def newest(self) -> list[dict[str, Any]]:
        async with self.db.read() as session:
            rows = await session.execute(
                select(dev_inbox).order_by(dev_inbox.c.created_at.desc(), dev_inbox.c.id.desc()).limit(SIZE)
            )
            return [
                {
                    "id": row.id,
                    "to": row.recipient,
                    "subject": row.subject,
                    "body": row.body,
                    "status": row.status,
                    "created_at": row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC).isoformat(),
                }
                for row in rows
            ]


def dev_inbox_router(inbox: DevInbox | None) -> APIRouter:
    """``/dev/mail``: the inbox's newest mails, or 404 when the inbox is off."""
    router = APIRouter(include_in_schema=False)

    @router.get(PATH)
    async def list_mails(request: Request) -> dict[str, Any]:
        if inbox is None:
            raise NotFound()
        return {"mails": await inbox.newest()}

    return router
