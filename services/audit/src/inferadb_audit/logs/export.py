"""Export encodings: NDJSON (one audit_log object per line) and CSV (fixed columns, ``data`` as JSON).

CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage
return) are prefixed with a single quote (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence

import orjson

from inferadb_audit.logs.repository import AuditEntry
from inferadb_audit.logs.schemas import audit_log_out

FORMATS = {"ndjson": ("application/x-ndjson", "ndjson"), "csv": ("text/csv; charset=utf-8", "csv")}
CSV_COLUMNS = (
    "id",
    "created_at",
    "event_type",
    "organization_id",
    "actor_user_id",
    "actor_client_id",
    "ip_address",
    "user_agent",
    "resource_type",
    "resource_id",
    "request_id",
    "data",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _csv_cells(row: AuditEntry) -> list[str]:
    entry = audit_log_out(row).model_dump(mode="json")
    actor = entry["actor"]
    values = [
        entry["id"],
        entry["created_at"],
        entry["event_type"],
        entry["organization_id"],
        actor["user_id"],
        actor["client_id"],
        actor["ip_address"],
        actor["user_agent"],
        entry["resource_type"],
        entry["resource_id"],
        entry["request_id"],
        orjson.dumps(entry["data"], option=orjson.OPT_SORT_KEYS).decode(),
    ]
    return [neutralise_formula("" if value is None else str(value)) for value in values]


async def ndjson_chunks(pages: AsyncIterator[Sequence[AuditEntry]]) -> AsyncIterator[bytes]:
    async for rows in pages:
        yield b"".join(audit_log_out(row).model_dump_json().encode() + b"\n" for row in rows)


async def csv_chunks(pages: AsyncIterator[Sequence[AuditEntry]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue().encode()
    async for rows in pages:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_cells(row) for row in rows)
        yield buffer.getvalue().encode()
