"""Reading the audit log: which entries a caller may see, keyset pages, and the page-by-page walk
behind the export. Never commits (nothing here writes) and never speaks HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.logs import repository as repo
from inferadb_audit.logs.filters import AuditFilters
from inferadb_audit.logs.repository import AuditEntry, Position
from inferadb_common.db import Database
from inferadb_common.errors import ValidationFailed
from inferadb_common.pagination import PageParams

# api.md §9 and §10: what /v1/users/me/audit-logs shows, and only where the caller is the actor.
PERSONAL_EVENT_TYPES = frozenset(
    {
        "user_login",
        "user_login_failed",
        "user_logout",
        "user_session_revoked",
        "password_changed",
        "password_reset_requested",
        "password_reset_completed",
        "user_email_added",
        "user_email_verified",
        "user_email_removed",
        # api.md §10
        "mfa_enabled",
        "mfa_disabled",
        "mfa_login_failed",
        "recovery_codes_regenerated",
        "recovery_code_used",
        "passkey_added",
        "passkey_removed",
        "passkey_flagged",
        "user_reauthenticated",
    }
)
EXPORT_PAGE_SIZE = 1000


def organization_scope(organization_id: int) -> list[ColumnElement[bool]]:
    return repo.organization_scope(organization_id)


def personal_scope(user_id: int) -> list[ColumnElement[bool]]:
    return repo.personal_scope(user_id, PERSONAL_EVENT_TYPES)


def cursor_key(row: AuditEntry) -> list[Any]:
    created_at: datetime = row.created_at
    return [created_at.isoformat(timespec="microseconds"), int(row.id)]


def position_of(cursor: list[Any] | None) -> Position | None:
    """The position a cursor made by ``cursor_key`` names; anything else is 400 ``Invalid cursor``."""
    if cursor is None:
        return None
    invalid = ValidationFailed(details={"cursor": "Invalid cursor"})
    if len(cursor) != 2 or not isinstance(cursor[0], str) or type(cursor[1]) is not int:
        raise invalid
    try:
        created_at = datetime.fromisoformat(cursor[0])
    except ValueError as exc:
        raise invalid from exc
    if created_at.tzinfo is None or not 0 < cursor[1] < 2**63:
        raise invalid
    return Position(created_at, cursor[1])


async def list_page(
    db: AsyncSession, scope: Sequence[ColumnElement[bool]], filters: AuditFilters, page: PageParams
) -> tuple[list[AuditEntry], dict[str, Any]]:
    """One page, newest first, and its pagination block (no ``total``: counting is the expensive part)."""
    rows = await repo.fetch_page(
        db, scope, filters, limit=page.limit + 1, after=position_of(page.cursor), offset=page.offset
    )
    return page.build(list(rows), key=cursor_key, include_total=False)


async def walk(
    database: Database,
    scope: Sequence[ColumnElement[bool]],
    filters: AuditFilters,
    page_size: int = EXPORT_PAGE_SIZE,
) -> AsyncIterator[Sequence[AuditEntry]]:
    """Every matching entry, newest first, ``page_size`` at a time; each page is its own short read,
    so a slow reader of the export holds no connection and no snapshot between pages."""
    after: Position | None = None
    while True:
        async with database.read() as db:
            rows = await repo.fetch_page(db, scope, filters, limit=page_size, after=after)
        if not rows:
            return
        yield rows
        if len(rows) < page_size:
            return
        last = rows[-1]
        after = Position(last.created_at, int(last.id))
