"""Printing results: ``--output json`` prints the API's objects as JSON (a list for lists) on stdout;
``--output table`` (the default) a Rich table or a key/value view for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


class Output(StrEnum):
    table = "table"
    json = "json"


def plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(plain(value), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def show(value: Any, output: Output, columns: Sequence[str] | None = None, title: str | None = None) -> None:
    """One object (a key/value table) or a list of objects (one row each, ``columns`` of them)."""
    if output is Output.json:
        emit_json(value)
        return
    data = plain(value)
    if isinstance(data, list):
        show_rows(data, columns, title)
        return
    table = Table(show_header=False, box=None, title=title)
    table.add_column(style="bold")
    table.add_column()
    for key, item in (data or {}).items():
        if columns is None or key in columns:
            table.add_row(key, _cell(item))
    stdout.print(table)


def show_rows(rows: Iterable[dict[str, Any]], columns: Sequence[str] | None, title: str | None = None) -> None:
    items = list(rows)
    if not items:
        stdout.print("(none)")
        return
    names = list(columns or items[0].keys())
    table = Table(title=title)
    for name in names:
        table.add_column(name)
    for item in items:
        table.add_row(*(_cell(item.get(name)) for name in names))
    stdout.print(table)


def done(message: str) -> None:
    """A confirmation for people (table mode), on stderr so that stdout stays the data."""
    stderr.print(message)
