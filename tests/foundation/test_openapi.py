"""The gateway's OpenAPI document describes exactly the routes it serves, with the JSON error body
(RFC 6749's on the token routes)."""

from __future__ import annotations

import httpx

from inferadb_common.routes import ROUTES
from inferadb_testing.stack import Stack


def test_openapi_lists_exactly_the_served_routes(stack: Stack) -> None:
    response = httpx.get(f"{stack.gateway_url}/openapi.json", timeout=30)
    assert response.status_code == 200
    document = response.json()
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    table = {(route.method, route.path) for route in ROUTES}
    assert documented == table, {"undocumented": sorted(table - documented), "unknown": sorted(documented - table)}
    assert {"ErrorBody", "OAuthError"} <= set(document["components"]["schemas"])
    oauth_routes = {(route.method, route.path) for route in ROUTES if route.oauth}
    assert oauth_routes == {("POST", "/v1/token"), ("POST", "/v1/tokens/refresh")}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "422" not in operation["responses"], (method, path)
            # The RFC 6749 routes document every error in that form (api.md §6), the others in §1.1's.
            body = "OAuthError" if (method.upper(), path) in oauth_routes else "ErrorBody"
            for status in ("500", "503"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                    "$ref": f"#/components/schemas/{body}"
                }, (method, path, status)
    me = document["paths"]["/v1/users/me"]["get"]
    assert me["security"] == [{"sessionCookie": []}]
    assert "internal" not in " ".join(document["paths"])
    docs = httpx.get(f"{stack.gateway_url}/docs", timeout=10)
    assert docs.status_code == 200 and "/openapi.json" in docs.text


def test_every_documented_reference_resolves(stack: Stack) -> None:
    document = httpx.get(f"{stack.gateway_url}/openapi.json", timeout=30).json()
    schemas = document["components"]["schemas"]
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    refs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    missing = {ref for ref in refs if ref.removeprefix("#/components/schemas/") not in schemas}
    assert refs and not missing, missing
