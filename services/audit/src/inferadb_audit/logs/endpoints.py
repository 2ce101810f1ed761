"""Audit-log routes (api.md §7): an organization's log, its export, and the caller's own log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from inferadb_audit.access.policy import ensure_can_read_organization_log
from inferadb_audit.logs import service
from inferadb_audit.logs.export import FORMATS, csv_chunks, ndjson_chunks
from inferadb_audit.logs.filters import FiltersDep
from inferadb_audit.logs.schemas import AuditLogsOut, audit_logs_response
from inferadb_audit.state import AuditDep, caller_id
from inferadb_common.errors import ValidationFailed
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn

router = APIRouter()

ORG_LOG = "/v1/organizations/{org}/audit-logs"


@router.get(ORG_LOG, response_model=AuditLogsOut)
async def list_organization_audit_logs(
    org: IdIn, state: AuditDep, identity: AuthenticatedDep, filters: FiltersDep, page: PageDep
) -> Response:
    async with state.db.read() as db:
        await ensure_can_read_organization_log(db, state.settings.audit, org, caller_id(identity))
        rows, meta = await service.list_page(db, service.organization_scope(org), filters, page)
    return audit_logs_response(rows, meta)


# The export streams NDJSON or CSV, never JSON: that is what the document must say (content types are checked).
_EXPORT_CONTENT = {media_type.split(";")[0]: {"schema": {"type": "string"}} for media_type, _ in FORMATS.values()}


@router.get(
    f"{ORG_LOG}/export",
    response_class=StreamingResponse,
    responses={200: {"description": "The matching entries, newest first, as a download", "content": _EXPORT_CONTENT}},
)
async def export_organization_audit_logs(
    org: IdIn,
    state: AuditDep,
    identity: AuthenticatedDep,
    filters: FiltersDep,
    format: Annotated[str, Query()] = "ndjson",
) -> StreamingResponse:
    if format not in FORMATS:
        raise ValidationFailed(details={"format": "must be 'ndjson' or 'csv'"})
    async with state.db.read() as db:
        await ensure_can_read_organization_log(db, state.settings.audit, org, caller_id(identity))
    media_type, extension = FORMATS[format]
    pages = service.walk(state.db, service.organization_scope(org), filters)
    body = ndjson_chunks(pages) if format == "ndjson" else csv_chunks(pages)
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="audit-logs-{org}.{extension}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/v1/users/me/audit-logs", response_model=AuditLogsOut)
async def list_my_audit_logs(
    state: AuditDep, identity: AuthenticatedDep, filters: FiltersDep, page: PageDep
) -> Response:
    async with state.db.read() as db:
        rows, meta = await service.list_page(db, service.personal_scope(caller_id(identity)), filters, page)
    return audit_logs_response(rows, meta)
