"""``client.audit``: an organization's audit log, listed, followed page by page, or exported (api.md §7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from inferadb_management.models import AuditLogOut, AuditLogsOut
from inferadb_management.operation import (
    Call,
    Id,
    PageCall,
    R,
    Resource,
    items_of,
    no_body,
    operation,
    paginated,
    parser,
    streamed,
)

ExportFormat = Literal["ndjson", "csv"]


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """The filters of every audit route; dates are RFC 3339 strings or aware datetimes (inclusive)."""

    event_types: Sequence[str] = ()
    actor: str | None = None
    user_id: Id | None = None
    client_id: Id | None = None
    resource_type: str | None = None
    resource_id: Id | None = None
    start_date: str | datetime | None = None
    end_date: str | datetime | None = None


def _date(value: str | datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def audit_query(filters: AuditFilters | None, **extra: Any) -> dict[str, Any]:
    given = filters or AuditFilters()
    return {
        "event_type": list(given.event_types) or None,
        "actor": given.actor,
        "user_id": given.user_id,
        "client_id": given.client_id,
        "resource_type": given.resource_type,
        "resource_id": given.resource_id,
        "start_date": _date(given.start_date),
        "end_date": _date(given.end_date),
        **extra,
    }


class Audit(Resource[R]):
    @operation("GET", "/v1/organizations/{org}/audit-logs")
    def list(
        self, org: Id, filters: AuditFilters | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Call[AuditLogsOut]:
        """One page, newest first (OWNER, or ADMIN where the server allows it)."""
        return Call(parser(AuditLogsOut), path={"org": org}, query=audit_query(filters, limit=limit, cursor=cursor))

    @paginated("GET", "/v1/organizations/{org}/audit-logs")
    def iter(self, org: Id, filters: AuditFilters | None = None, limit: int | None = None) -> PageCall[AuditLogOut]:
        """Every entry matching ``filters``, newest first, page after page."""
        call = Call(parser(AuditLogsOut), path={"org": org}, query=audit_query(filters, limit=limit))
        return PageCall(call, items_of(AuditLogsOut, lambda page: page.audit_logs))

    @streamed("GET", "/v1/organizations/{org}/audit-logs/export")
    def export(self, org: Id, format: ExportFormat = "ndjson", filters: AuditFilters | None = None) -> Call[None]:
        """The matching entries as a streamed CSV or NDJSON body, in chunks of bytes (constant memory)."""
        return Call(no_body(), path={"org": org}, query=audit_query(filters, format=format))
