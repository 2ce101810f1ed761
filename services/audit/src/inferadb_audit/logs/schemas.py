"""Response models of the audit-log routes (api.md §7): ids as strings, RFC 3339 ms timestamps."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row

from inferadb_common.wire import IdOut, ResponseModel, Timestamp


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


def audit_log_out(row: Row[Any]) -> AuditLogOut:
    return AuditLogOut(
        id=row.id,
        event_type=row.event_type,
        organization_id=row.organization_id,
        actor=ActorOut(
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
