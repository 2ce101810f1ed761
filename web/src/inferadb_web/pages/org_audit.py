"""/orgs/{org}/audit: the organization's audit log, newest first, with filters (actor, action, resource,
from, to), "Next page" by the API's cursor, and "Export" (CSV or NDJSON) streamed from the API's export
route to the browser chunk by chunk (the console never holds the whole file).

Filters live in the address (a GET form), so a filtered view can be bookmarked and works without
JavaScript. ``from`` and ``to`` are dates, both inclusive (the API reads a full-date ``end_date`` as the
whole day).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from inferadb_common.events import CATALOG
from inferadb_web.console import Console, page_path
from inferadb_web.pages.common import console_of, failed, is_id, listing, not_found
from inferadb_web.pages.org_context import load_org
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

ACTIONS = sorted({spec.audit_type for spec in CATALOG.values()})
RESOURCE_TYPES = sorted({spec.resource_type for spec in CATALOG.values()})
EXPORT_FORMATS = {"csv": "CSV", "ndjson": "NDJSON"}
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# The page's filter field → the API's query parameter (and back, for the API's field errors).
_FILTERS = {
    "actor": "actor",
    "action": "event_type",
    "resource_type": "resource_type",
    "resource_id": "resource_id",
    "from": "start_date",
    "to": "end_date",
}
_ERROR_FIELDS = {**{api: page for page, api in _FILTERS.items()}, "user_id": "actor", "limit": "limit"}


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    return {name: query.get(name, "").strip() for name in _FILTERS}


def _page_size(request: Request) -> tuple[int, str | None]:
    raw = request.query_params.get("limit", "").strip()
    if not raw:
        return PAGE_SIZE, None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        return PAGE_SIZE, f"Enter a number from 1 to {MAX_PAGE_SIZE}"
    return int(raw), None


def _api_params(filters: dict[str, str]) -> dict[str, str]:
    return {_FILTERS[name]: value for name, value in filters.items() if value}


def _link(org: str, filters: dict[str, str], limit: int, cursor: str | None = None) -> str:
    params = {name: value for name, value in filters.items() if value}
    if limit != PAGE_SIZE:
        params["limit"] = str(limit)
    if cursor:
        params["cursor"] = cursor
    return f"/orgs/{org}/audit" + ("?" + urlencode(params) if params else "")


async def _audit_page(request: Request, org: str, status: int = 200, errors: dict[str, str] | None = None) -> Response:
    organization = await load_org(request, org)
    if isinstance(organization, Response):
        return organization
    console = console_of(request)
    filters = _filters(request)
    limit, limit_error = _page_size(request)
    errors = dict(errors or {})
    if limit_error:
        errors["limit"] = limit_error
    cursor = request.query_params.get("cursor", "").strip()
    entries: list[dict[str, Any]] = []
    next_link = None
    if not errors:
        params = {**_api_params(filters), "limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        result = await console.api.call(request, "GET", f"/v1/organizations/{org}/audit-logs", params=params)
        if result.status == 401:
            return console.to_login(page_path(request))
        if result.ok:
            entries = [entry for entry in result.data.get("audit_logs", []) if isinstance(entry, dict)]
            pagination = result.data.get("pagination", {})
            if pagination.get("has_more") and pagination.get("next_cursor"):
                next_link = _link(org, filters, limit, str(pagination["next_cursor"]))
        elif result.status == 403:
            return console.render(
                request, "org_audit.html", 403, org=organization, section="audit", refused=result.message
            )
        elif result.status in (400, 422) and result.details:
            errors = {_ERROR_FIELDS.get(key, "form"): value for key, value in result.details.items()}
            status = 400
        else:
            return failed(request, result, "Audit log")
    members = await listing(request, f"/v1/organizations/{org}/members", "members")
    people = {str(member.get("user_id")): member for member in members}
    return console.render(
        request,
        "org_audit.html",
        status,
        org=organization,
        section="audit",
        entries=entries,
        people=people,
        members=members,
        filters=filters,
        limit=limit,
        limit_value=request.query_params.get("limit", "") if limit_error else str(limit),
        actions=ACTIONS,
        resource_types=RESOURCE_TYPES,
        formats=EXPORT_FORMATS,
        first_link=_link(org, filters, limit) if cursor else None,
        next_link=next_link,
        errors=errors,
    )


@router.get("/orgs/{org}/audit")
async def audit_page(request: Request, org: str) -> Response:
    return await _audit_page(request, org)


@router.get("/orgs/{org}/audit/export")
async def export(request: Request, org: str) -> Response:
    """The API's export, passed through as it streams; a refusal is a page with the API's message."""
    if not is_id(org):
        return not_found(request)
    console: Console = console_of(request)
    chosen = request.query_params.get("format", "csv")
    if chosen not in EXPORT_FORMATS:
        return await _audit_page(request, org, 400, {"format": "Choose CSV or NDJSON"})
    params = {**_api_params(_filters(request)), "format": chosen}
    accept = "application/x-ndjson, text/csv, application/json"
    response = await console.api.stream(request, f"/v1/organizations/{org}/audit-logs/export", params, accept)
    if response.status != 200:
        body = await response.error_body()
        if response.status == 401:
            return console.to_login(f"/orgs/{org}/audit")
        details = body.get("details")
        if isinstance(details, dict) and details:
            errors = {_ERROR_FIELDS.get(str(k), "form"): str(v) for k, v in details.items()}
            return await _audit_page(request, org, 400, errors)
        message = body.get("error")
        status = response.status if response.status >= 400 else 502
        return console.error(request, status, "Audit log", message if isinstance(message, str) else "Export failed")
    headers = {
        "Content-Disposition": response.headers.get(
            "content-disposition", f'attachment; filename="audit-logs-{org}.{chosen}"'
        ),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(
        response.chunks(),
        media_type=response.headers.get("content-type", "application/octet-stream"),
        headers=headers,
        background=BackgroundTask(response.close),
    )
