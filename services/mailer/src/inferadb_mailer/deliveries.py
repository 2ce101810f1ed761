"""All SQL for ``mail_deliveries``: one row per mail request, ``sent`` or ``abandoned``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_mailer.tables import mail_deliveries

__all__ = ["Status", "record_outcome"]

Status = Literal["sent", "abandoned"]

_ERROR_LIMIT = 255


async def record_outcome(
    session: AsyncSession,
    *,
    request_id: str,
    template: str,
    recipient_hash: str | None,
    status: Status,
    attempts: int,
    last_error: str | None = None,
) -> None:
    """Insert or update the request's row (never commits).

    An update is possible: a request given up on can still be redelivered if publishing its
    dead-letter copy failed, and a later success must win over the earlier verdict.
    """
    now = datetime.now(UTC)
    values = {
        "id": request_id,
        "template": template[:64],
        "recipient_hash": recipient_hash,
        "status": status,
        "attempts": attempts,
        "last_error": None if last_error is None else last_error[:_ERROR_LIMIT],
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(mail_deliveries).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[mail_deliveries.c.id],
        set_={
            "status": statement.excluded.status,
            "attempts": statement.excluded.attempts,
            "last_error": statement.excluded.last_error,
            "updated_at": statement.excluded.updated_at,
        },
    )
    await session.execute(statement)
