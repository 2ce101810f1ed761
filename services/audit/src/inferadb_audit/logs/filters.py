"""The query filters shared by the audit-log list, the caller's own log and the export (api.md §7).

``event_type`` (repeatable, or comma-separated; ``action`` is an alias), ``actor`` / ``user_id``,
``client_id``, ``resource_type``, ``resource_id``, ``start_date`` and ``end_date``. Dates are
RFC 3339 (``2026-01-31T10:00:00Z``; a bare ``2026-01-31`` means that whole day) and both ends are
inclusive at the precision given, so an ``end_date`` copied from an entry's ``created_at`` includes
that entry. Every bad value is reported at once as 400 ``VALIDATION_FAILED`` with per-field details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

from fastapi import Depends, Query

from inferadb_common.errors import ValidationFailed
from inferadb_common.events.catalog import CATALOG
from inferadb_common.wire import has_control_characters, parse_id

EVENT_TYPES = frozenset(spec.audit_type for spec in CATALOG.values())
RESOURCE_TYPES = frozenset(spec.resource_type for spec in CATALOG.values())
MAX_RESOURCE_ID_LENGTH = 64
_DATE_EXAMPLE = "must be an RFC 3339 date-time, e.g. 2026-01-31T10:00:00Z"
# RFC 3339 date-time (or full-date). A '+' offset that arrived unencoded in a query string has
# become a space; it is read back as '+'.
_RFC3339 = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>[Zz]|[+\- ]\d{2}:\d{2}))?$"
)


@dataclass(frozen=True, slots=True)
class AuditFilters:
    event_types: tuple[str, ...] = ()
    user_id: int | None = None
    client_id: int | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    start: datetime | None = None
    """Entries at or after this instant."""
    end_before: datetime | None = None
    """Entries strictly before this instant (``end_date`` plus the precision it was given in)."""


def parse_rfc3339(value: str) -> tuple[datetime, timedelta]:
    """The instant and the precision it was written with (a day, a second, 10⁻ⁿ s)."""
    match = _RFC3339.match(value.strip())
    if match is None:
        raise ValueError(_DATE_EXAMPLE)
    try:
        day = datetime.strptime(match["date"], "%Y-%m-%d").replace(tzinfo=UTC)
        if match["time"] is None:
            return day, timedelta(days=1)
        hours, minutes, seconds = (int(part) for part in match["time"].split(":"))
        fraction = match["fraction"] or ""
        digits = min(len(fraction), 6)
        micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
        offset = match["offset"]
        if offset in ("Z", "z"):
            zone = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        instant = datetime(day.year, day.month, day.day, hours, minutes, seconds, micros, tzinfo=zone)
    except ValueError as exc:  # e.g. month 13, second 60, offset beyond ±24h
        raise ValueError(_DATE_EXAMPLE) from exc
    return instant.astimezone(UTC), timedelta(microseconds=10 ** (6 - digits))


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_filters(
    event_type: list[str],
    action: list[str],
    actor: str | None,
    user_id: str | None,
    client_id: str | None,
    resource_type: str | None,
    resource_id: str | None,
    start_date: str | None,
    end_date: str | None,
) -> AuditFilters:
    details: dict[str, str] = {}
    event_types = tuple(dict.fromkeys(_split([*event_type, *action])))
    unknown = [value for value in event_types if value not in EVENT_TYPES]
    if unknown:
        details["event_type" if event_type or not action else "action"] = f"unknown event type '{unknown[0]}'"

    users: dict[str, int] = {}
    for name, raw in (("actor", actor), ("user_id", user_id)):
        if raw is not None:
            try:
                users[name] = parse_id(raw.strip())
            except ValueError as exc:
                details[name] = str(exc)
    if len(set(users.values())) > 1:
        details["user_id"] = "actor and user_id name different users"
    parsed_client: int | None = None
    if client_id is not None:
        try:
            parsed_client = parse_id(client_id.strip())
        except ValueError as exc:
            details["client_id"] = str(exc)

    if resource_type is not None and resource_type not in RESOURCE_TYPES:
        details["resource_type"] = f"unknown resource type '{resource_type}'"
    if resource_id is not None and (
        not resource_id or len(resource_id) > MAX_RESOURCE_ID_LENGTH or has_control_characters(resource_id)
    ):
        details["resource_id"] = f"must be 1-{MAX_RESOURCE_ID_LENGTH} printable characters"

    start: datetime | None = None
    end_before: datetime | None = None
    if start_date is not None:
        try:
            start, _ = parse_rfc3339(start_date)
        except ValueError as exc:
            details["start_date"] = str(exc)
    if end_date is not None:
        try:
            end, precision = parse_rfc3339(end_date)
            end_before = end + precision
        except ValueError as exc:
            details["end_date"] = str(exc)
    if start is not None and end_before is not None and end_before <= start:
        details["end_date"] = "must not be before start_date"
    if details:
        raise ValidationFailed(details=details)
    return AuditFilters(
        event_types=event_types,
        user_id=next(iter(users.values()), None),
        client_id=parsed_client,
        resource_type=resource_type,
        resource_id=resource_id,
        start=start,
        end_before=end_before,
    )


# ``async`` so that FastAPI calls it on the event loop, not through its thread pool.
async def _filters_dependency(
    event_type: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    action: Annotated[list[str], Query()] = [],  # noqa: B006
    actor: Annotated[str | None, Query()] = None,
    user_id: Annotated[str | None, Query()] = None,
    client_id: Annotated[str | None, Query()] = None,
    resource_type: Annotated[str | None, Query()] = None,
    resource_id: Annotated[str | None, Query()] = None,
    start_date: Annotated[str | None, Query()] = None,
    end_date: Annotated[str | None, Query()] = None,
) -> AuditFilters:
    return parse_filters(
        event_type, action, actor, user_id, client_id, resource_type, resource_id, start_date, end_date
    )


FiltersDep = Annotated[AuditFilters, Depends(_filters_dependency)]
