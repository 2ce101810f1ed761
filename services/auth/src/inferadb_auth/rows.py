"""Turning result rows into the repositories' frozen records (the only place raw rows are seen)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import RowMapping

R = TypeVar("R")


def one(record: Callable[..., R], row: RowMapping | None) -> R | None:
    """The row as a ``record`` (its columns are the record's fields, by name), or None."""
    return None if row is None else record(**row)


def every(record: Callable[..., R], rows: Iterable[RowMapping]) -> list[R]:
    return [record(**row) for row in rows]
