"""Pages of records ordered by id (api.md §1.2): offset or keyset cursor, ``total`` in the same statement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import ValidationFailed
from inferadb_common.pagination import PageParams


def cursor_id(page: PageParams) -> int | None:
    """The id the previous page ended at (cursors are ``[id]``)."""
    if page.cursor is None:
        return None
    value = page.cursor[0]
    if isinstance(value, bool) or not isinstance(value, int) or len(page.cursor) != 1:
        raise ValidationFailed(details={"cursor": "Invalid cursor"})
    return value


R = TypeVar("R")


class Identified(Protocol):
    @property
    def id(self) -> int: ...


def cursor_key(item: Identified) -> list[int]:
    return [int(item.id)]


async def fetch_records(
    db: AsyncSession,
    query: Select[Any],
    id_column: ColumnElement[int],
    scope: Sequence[ColumnElement[bool]],
    page: PageParams,
    record: Callable[..., R],
) -> tuple[list[R], int]:
    """Up to ``limit + 1`` records (``record(*columns of query)``) of the rows of ``query`` narrowed by
    ``scope``, plus the count of all rows in scope.

    The count rides along as a scalar subquery, so a page costs one statement; only an empty page
    (an offset past the end) needs a second one to learn the total.
    """
    counted = select(func.count()).select_from(id_column.table).where(*scope)
    total_column = counted.correlate(None).scalar_subquery().label("total")
    statement = query.where(*scope).add_columns(total_column)
    after = cursor_id(page)
    statement = statement.where(id_column > after) if after is not None else statement.offset(page.offset)
    rows = (await db.execute(statement.order_by(id_column).limit(page.limit + 1))).all()
    total = int(rows[0][-1]) if rows else int((await db.execute(counted)).scalar_one())
    return [record(*row[:-1]) for row in rows], total
