"""How repositories read rows into frozen records: the select names the record's fields in order, so a
row becomes a record with ``Record(*row)`` (no mapping, no per-field lookups)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, Table


def columns_of(record: type[object], table: Table, **extra: ColumnElement[Any]) -> tuple[ColumnElement[Any], ...]:
    """The columns to select for ``record``: each field by name, from ``extra`` or else from ``table``."""
    return tuple(
        extra[field.name].label(field.name) if field.name in extra else table.c[field.name]
        for field in fields(record)  # type: ignore[arg-type]
    )
