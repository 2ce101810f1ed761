"""The public OpenAPI document: the services' own descriptions, merged and cut to the route manifest.

Each service describes its routes at ``/internal/openapi.json`` (FastAPI generates it from the
real request and response models). The gateway keeps only the operations of the public route
manifest (``inferadb_common.routes``), prefixes component names with the service (two services may
both have a ``MessageOut``), and adds what only the gateway knows: the session cookie scheme and the
JSON error responses (``ErrorBody``; ``OAuthError`` on the RFC 6749 routes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from inferadb_common import __version__
from inferadb_common.app import SERVICE_OPENAPI_PATH
from inferadb_common.identity import HEADER, Identity, IdentitySigner
from inferadb_common.routes import ROUTES, AuthMode, Route, Service
from inferadb_gateway.upstream import Upstreams

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "code", "request_id"],
    "properties": {
        "error": {"type": "string", "description": "Human-readable message"},
        "code": {"type": "string", "description": "UPPER_SNAKE_CODE"},
        "request_id": {"type": "string"},
        "details": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"type": "string", "description": "RFC 6749 error code, e.g. invalid_request"},
        "error_description": {"type": "string"},
    },
}
_DESCRIPTIONS = {
    "400": "Malformed JSON or validation failed",
    "401": "Invalid session",
    "403": (
        "Insufficient permissions, email not verified, organization suspended, cross-site request refused "
        "or re-authentication required"
    ),
    "404": "Not found (also: not a member of the organization)",
    "409": "Conflict",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "429": "Rate limit exceeded",
    "500": "Internal server error",
    "503": "Service unavailable",
    "504": "Upstream service timed out",
}


def _error_content(route: Route) -> dict[str, Any]:
    schema = "OAuthError" if route.oauth else "ErrorBody"
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _rewrite_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/components/schemas/", f"#/components/schemas/{service}__")
                if key == "$ref" and isinstance(value, str)
                else _rewrite_refs(value, service)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item, service) for item in node]
    return node


def _error_codes(route: Route) -> list[str]:
    codes = ["400", "500", "503", "504"]
    if route.method in ("POST", "PUT", "PATCH", "DELETE"):
        codes += ["413", "415"]
    if route.auth is AuthMode.SESSION:
        codes += ["401", "403", "404", "409", "429"]
    elif route.service is Service.AUTH:
        codes += ["401", "403", "429"]
    if route.auth is not AuthMode.NONE and route.method in ("POST", "PUT", "PATCH", "DELETE"):
        codes.append("403")  # CSRF_REJECTED: sent cross-site with the session cookie
    if route.rate_limits:
        codes.append("429")  # the manifest's limits (api.md §1.4), with or without a session
    if "{" in route.path:
        codes.append("404")  # an id in the path may name nothing (e.g. the JWKS of an unknown organization)
    return sorted(set(codes))


def merge(service_documents: dict[str, dict[str, Any]], routes: Iterable[Route] = ROUTES) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"ErrorBody": ERROR_SCHEMA, "OAuthError": OAUTH_ERROR_SCHEMA}
    for service, document in service_documents.items():
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[f"{service}__{name}"] = _rewrite_refs(schema, service)
    for route in routes:
        operation = (
            service_documents.get(route.service, {}).get("paths", {}).get(route.path, {}).get(route.method.lower())
        )
        if operation is None:
            continue
        operation = _rewrite_refs(operation, route.service)
        operation["tags"] = [route.service]
        responses = operation.setdefault("responses", {})
        responses.pop("422", None)  # FastAPI's default; we answer 400 (api.md §1.1)
        for code, response in responses.items():
            if code.isdigit() and int(code) >= 400 and "content" not in response:
                response["content"] = _error_content(route)  # a status the service declared, e.g. 402 tier limits
        for code in _error_codes(route):
            responses.setdefault(code, {"description": _DESCRIPTIONS[code], "content": _error_content(route)})
        if route.auth is AuthMode.SESSION:
            operation["security"] = [{"sessionCookie": []}]
        elif route.auth is AuthMode.OPTIONAL:
            operation["security"] = [{"sessionCookie": []}, {}]
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    schemas = {name: schema for name, schema in schemas.items() if not name.endswith("HTTPValidationError")}
    schemas = {name: schema for name, schema in schemas.items() if not name.endswith("__ValidationError")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "InferaDB Management API",
            "version": __version__,
            "description": (
                "Control plane of the InferaDB authorization database. Errors use ErrorBody, but for "
                "/v1/token and /v1/tokens/refresh, which answer every error in RFC 6749's form (OAuthError)."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"sessionCookie": {"type": "apiKey", "in": "cookie", "name": "infera_session"}},
        },
    }


class OpenApiDocument:
    """Built on first request from the services' documents, then cached for the process's life."""

    def __init__(self, upstreams: Upstreams, signer: IdentitySigner, routes: tuple[Route, ...] = ROUTES) -> None:
        self.upstreams = upstreams
        self.signer = signer
        self.routes = routes
        self._document: dict[str, Any] | None = None
        self._lock = asyncio.Lock()

    async def _fetch(self, service: str) -> dict[str, Any]:
        token = self.signer.sign(Identity(audience=service))
        request = self.upstreams.request(service, "GET", SERVICE_OPENAPI_PATH, headers={HEADER: token})
        async with await request as response:
            response.raise_for_status()
            document: dict[str, Any] = await response.json()
            return document

    async def get(self) -> dict[str, Any]:
        """Raises aiohttp.ClientError or TimeoutError while a service is unreachable (the caller answers 503)."""
        if self._document is not None:
            return self._document
        async with self._lock:
            if self._document is None:
                services = sorted({str(route.service) for route in self.routes})
                documents = await asyncio.gather(*(self._fetch(service) for service in services))
                self._document = merge(dict(zip(services, documents, strict=True)), self.routes)
        return self._document
