"""The gateway's share of the web console: which paths go to the ``web`` process, and Swagger UI's assets.

Every path that is not the API's (``/v1/…``, ``/health``, ``/metrics``, ``/openapi.json``, ``/docs``,
``/.well-known/…``) is a console page (console.md C1). ``/internal/…`` is neither: it stays a 404, so
no service's internal route is ever reachable through the public address.

``/docs`` loads Swagger UI from the ``fastapi-offline`` package's copy (Swagger UI 5, which renders
OpenAPI 3.1), served under ``/docs/assets/``: the page works offline, nothing comes from a CDN.

A page request goes to ``web`` with the browser's client IP signed (``console_headers``), so the API
calls ``web`` makes for that page count against the browser's IP, not the console's.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import FileResponse, Response

from inferadb_common.errors import error_response
from inferadb_gateway.client_ip import CONSOLE_CLIENT_IP_HEADER, ConsoleClientIp

CONSOLE_SERVICE = "web"
_API_PATHS = frozenset({"/v1", "/health", "/metrics", "/openapi.json", "/docs"})
_API_PREFIXES = ("/v1/", "/.well-known/", "/docs/", "/internal/")
ASSETS_PREFIX = "/docs/assets"
# The only files served: name → media type.
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
_ASSET_CACHE = "public, max-age=86400"


def is_console_path(path: str) -> bool:
    return path not in _API_PATHS and not path.startswith(_API_PREFIXES) and path != "/internal"


def console_headers(signer: ConsoleClientIp, ip: str | None) -> dict[str, str]:
    """What the gateway adds to a page request it forwards to ``web``: the browser's IP, signed, which
    ``web`` hands back on the API calls of that page (inferadb_gateway.client_ip)."""
    return {CONSOLE_CLIENT_IP_HEADER: signer.sign(ip)} if ip else {}


def _assets_dir() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def docs_router(title: str) -> APIRouter:
    """``/docs`` and its assets; include it before the gateway's catch-all route."""
    router = APIRouter(include_in_schema=False)
    directory = _assets_dir()

    @router.get("/docs")
    async def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=title,
            swagger_js_url=f"{ASSETS_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PREFIX}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PREFIX}/favicon.png",
        )

    @router.get(ASSETS_PREFIX + "/{name}")
    async def asset(name: str) -> Response:
        media_type = _ASSETS.get(name)
        if media_type is None:
            return error_response(404)
        return FileResponse(directory / name, media_type=media_type, headers={"Cache-Control": _ASSET_CACHE})

    return router
