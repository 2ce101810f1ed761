"""Pages of records ordered by id (api.md §1.2): offset or keyset cursor, ``total`` in the same statement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import Reader
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


class PrebuiltPage:
    """:func:`fetch_records` for a query whose scope compares with bind parameters, built once.

    SQLAlchemy memoizes a statement's cache key on the statement object, so a page statement built at
    import time costs neither the building nor the cache-key walk per request; the hot list routes
    (bench/p10_console.py) use it. Same SQL shape as :func:`fetch_records`, limit and offset bound.
    """

    def __init__(self, query: Select[Any], id_column: ColumnElement[int], scope: Sequence[ColumnElement[bool]]):
        counted = select(func.count()).select_from(id_column.table).where(*scope)
        total_column = counted.correlate(None).scalar_subquery().label("total")
        statement = query.where(*scope).add_columns(total_column)
        limit = bindparam("page_limit", type_=Integer)
        self._counted = counted
        self._by_offset = statement.offset(bindparam("page_offset", type_=Integer)).order_by(id_column).limit(limit)
        self._after = statement.where(id_column > bindparam("page_after", type_=Integer)).order_by(id_column)
        self._after = self._after.limit(limit)

    async def fetch(
        self, db: Reader, values: dict[str, Any], page: PageParams, record: Callable[..., R]
    ) -> tuple[list[R], int]:
        """Up to ``limit + 1`` records and the count of all rows in scope; ``values`` binds the scope."""
        after = cursor_id(page)
        if after is not None:
            statement, bound = self._after, {**values, "page_after": after, "page_limit": page.limit + 1}
        else:
            statement, bound = self._by_offset, {**values, "page_offset": page.offset, "page_limit": page.limit + 1}
        rows = (await db.execute(statement, bound)).all()
        total = int(rows[0][-1]) if rows else int((await db.execute(self._counted, values)).scalar_one())
        return [record(*row[:-1]) for row in rows], total
