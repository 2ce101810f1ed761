"""The outermost ASGI layers of every app, one pure-ASGI middleware per job (as Starlette's own are),
so bodies stream through untouched and each layer costs a function call.

From the outside in, as :func:`install_edge` composes them::

    RequestIdMiddleware        X-Request-ID in and out; the id every layer below logs and answers with
    AccessLogMiddleware        one line per request, with the status the client got
    MetricsMiddleware          http_requests_total / http_request_duration_seconds (when enabled)
    PromisedHeadersMiddleware  headers a route promised for every outcome (X-RateLimit-*)
    OAuthErrorMiddleware       RFC 6749 error bodies on the OAuth paths, whoever produced the error
    UnhandledErrorMiddleware   an exception nothing handled: 503 (storage away) or 500
    BodyLimitMiddleware        400 / 413 on Content-Length, 413 on a longer streamed body
    MediaTypeMiddleware        415 unless the body is JSON (or a form on the form paths)
    the app                    (inside Starlette's own ServerErrorMiddleware, which never sees an error)

The order is the contract: every answer the lower layers make (415, 413, 500…) carries the request id
and the promised headers, is rewritten on OAuth paths, and is counted and logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.applications import Starlette

from inferadb_common.edge.access_log import AccessLogMiddleware
from inferadb_common.edge.body_limit import BodyLimitMiddleware
from inferadb_common.edge.media_type import MediaTypeMiddleware
from inferadb_common.edge.metrics import MetricsMiddleware
from inferadb_common.edge.oauth_errors import OAuthErrorMiddleware
from inferadb_common.edge.request_id import RequestIdMiddleware
from inferadb_common.edge.response_headers import PromisedHeadersMiddleware, add_response_headers
from inferadb_common.edge.responses import send_error
from inferadb_common.edge.scope import RouteLabel, client_host, fastapi_route_label
from inferadb_common.edge.unhandled_errors import UnhandledErrorMiddleware

__all__ = [
    "AccessLogMiddleware",
    "BodyLimitMiddleware",
    "MediaTypeMiddleware",
    "MetricsMiddleware",
    "OAuthErrorMiddleware",
    "PromisedHeadersMiddleware",
    "RequestIdMiddleware",
    "RouteLabel",
    "UnhandledErrorMiddleware",
    "add_response_headers",
    "client_host",
    "fastapi_route_label",
    "install_edge",
    "send_error",
]


def install_edge(
    app: Starlette,
    *,
    max_body_bytes: int,
    form_paths: Iterable[str] = (),
    oauth_paths: Iterable[str] = (),
    route_label: RouteLabel = fastapi_route_label,
    metrics_enabled: bool = True,
    form_path: Callable[[str], bool] | None = None,
) -> None:
    """Wrap ``app`` in the edge layers, outside every middleware added before this call.

    ``add_middleware`` puts each new layer outside the ones before it, so they are added innermost first.
    """
    app.add_middleware(MediaTypeMiddleware, form_paths=form_paths, form_path=form_path)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    oauth = frozenset(oauth_paths)
    if oauth:
        app.add_middleware(OAuthErrorMiddleware, oauth_paths=oauth)
    app.add_middleware(PromisedHeadersMiddleware)
    if metrics_enabled:
        app.add_middleware(MetricsMiddleware, route_label=route_label)
    app.add_middleware(AccessLogMiddleware, route_label=route_label)
    app.add_middleware(RequestIdMiddleware)
