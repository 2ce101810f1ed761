"""Response models of the audit-log routes (api.md §7): ids as strings, RFC 3339 ms timestamps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel

from inferadb_audit.logs.repository import AuditEntry
from inferadb_common.wire import IdOut, ResponseModel, Timestamp, format_timestamp


class ActorOut(ResponseModel):
    user_id: IdOut | None
    client_id: IdOut | None
    ip_address: str | None
    user_agent: str | None


class AuditLogOut(ResponseModel):
    id: IdOut
    event_type: str
    organization_id: IdOut | None
    actor: ActorOut
    resource_type: str | None
    resource_id: str | None
    data: dict[str, Any]
    request_id: str | None
    created_at: Timestamp


class PaginationOut(BaseModel):
    count: int
    limit: int
    offset: int
    has_more: bool
    next_cursor: str | None


class AuditLogsOut(BaseModel):
    audit_logs: list[AuditLogOut]
    pagination: PaginationOut


def audit_log_out(row: AuditEntry) -> AuditLogOut:
    """A stored row as served (rows come from our own typed columns: not validated again)."""
    return AuditLogOut.model_construct(
        id=row.id,
        event_type=row.event_type,
        organization_id=row.organization_id,
        actor=ActorOut.model_construct(
            user_id=row.actor_user_id,
            client_id=row.actor_client_id,
            ip_address=row.ip_address,
            user_agent=row.user_agent,
        ),
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        data=row.data if isinstance(row.data, dict) else {},
        request_id=row.request_id,
        created_at=row.created_at,
    )


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def audit_log_wire(row: Sequence[Any]) -> dict[str, Any]:
    """:class:`AuditLogOut` of ``row`` as its JSON has it, built directly: a page of 100 entries
    spent about 40 % of its CPU building and serialising the models (P4). ``row`` holds
    ``repository.ENTRY_COLUMNS`` in order (what ``fetch_page`` selects) and is unpacked by position:
    a ``Row`` attribute costs about a microsecond, sixty times an unpacking. Kept equal to the
    model's JSON by ``services/audit/tests/test_wire_format.py``."""
    (
        entry_id,
        event_type,
        organization_id,
        user_id,
        client_id,
        ip_address,
        user_agent,
        resource_type,
        resource_id,
        data,
        request_id,
        created_at,
    ) = row
    return {
        "id": str(entry_id),
        "event_type": event_type,
        "organization_id": _id(organization_id),
        "actor": {
            "user_id": _id(user_id),
            "client_id": _id(client_id),
            "ip_address": ip_address,
            "user_agent": user_agent,
        },
        "resource_type": resource_type,
        "resource_id": resource_id,
        "data": data if isinstance(data, dict) else {},
        "request_id": request_id,
        "created_at": format_timestamp(created_at),
    }


def audit_logs_response(rows: Sequence[AuditEntry], meta: dict[str, Any]) -> Response:
    """An :class:`AuditLogsOut` page as the response."""
    body = {"audit_logs": [audit_log_wire(row) for row in rows], "pagination": PaginationOut(**meta).model_dump()}
    return Response(orjson.dumps(body), media_type="application/json")
