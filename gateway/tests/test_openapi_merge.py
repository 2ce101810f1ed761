"""The merged document documents every error status a route can answer, with the JSON error body.

Both gaps were found by the schemathesis fuzzer (quality.md R5): an unknown id in the path of a
route without a session (the organization JWKS) answered an undocumented 404, and statuses a
service declares itself (402 tier limits, 409 duplicate registration) came without a body schema.
"""

from __future__ import annotations

from typing import Any

from inferadb_common.routes import AuthMode, RateLimit, Route, Service
from inferadb_gateway.openapi import merge

ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def _service_document(path: str, responses: dict[str, Any]) -> dict[str, Any]:
    return {"paths": {path: {"get": {"responses": {"200": {"description": "OK"}, **responses}}}}}


def test_a_route_with_an_id_in_its_path_documents_404_even_without_a_session() -> None:
    path = "/v1/organizations/{org}/jwks.json"
    table = (Route("GET", path, Service.ORGS, AuthMode.NONE),)
    merged = merge({"orgs": _service_document(path, {})}, table)
    assert merged["paths"][path]["get"]["responses"]["404"]["content"] == ERROR_CONTENT


def test_a_route_without_parameters_or_session_documents_no_404() -> None:
    table = (Route("GET", "/.well-known/jwks.json", Service.ORGS, AuthMode.NONE),)
    merged = merge({"orgs": _service_document("/.well-known/jwks.json", {})}, table)
    assert "404" not in merged["paths"]["/.well-known/jwks.json"]["get"]["responses"]


def test_an_error_status_declared_by_the_service_gets_the_error_body() -> None:
    path = "/v1/organizations"
    table = (Route("GET", path, Service.ORGS, AuthMode.SESSION),)
    declared = {"402": {"description": "Tier limit exceeded"}}
    merged = merge({"orgs": _service_document(path, declared)}, table)
    answer = merged["paths"][path]["get"]["responses"]["402"]
    assert answer == {"description": "Tier limit exceeded", "content": ERROR_CONTENT}


def test_a_state_changing_route_that_reads_the_cookie_documents_403() -> None:
    """A cross-site request carrying the session cookie is refused with 403 CSRF_REJECTED."""
    path = "/v1/organizations/{org}/things"
    table = (Route("POST", path, Service.ORGS, AuthMode.OPTIONAL),)
    document = {"paths": {path: {"post": {"responses": {"200": {"description": "OK"}}}}}}
    merged = merge({"orgs": document}, table)
    assert merged["paths"][path]["post"]["responses"]["403"]["content"] == ERROR_CONTENT


def test_a_rate_limited_route_without_a_session_documents_429() -> None:
    path = "/v1/organizations/things"
    limited = (Route("GET", path, Service.ORGS, AuthMode.NONE, rate_limits=(RateLimit.TOKEN,)),)
    unlimited = (Route("GET", path, Service.ORGS, AuthMode.NONE),)
    document = {"orgs": _service_document(path, {})}
    assert merge(document, limited)["paths"][path]["get"]["responses"]["429"]["content"] == ERROR_CONTENT
    assert "429" not in merge(document, unlimited)["paths"][path]["get"]["responses"]
