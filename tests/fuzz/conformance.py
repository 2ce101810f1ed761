"""One answer judged the way the fuzzer judges every answer: documented status, content type and body.

For the regression tests of what the fuzzer found: each makes the request that was answered
against the document, takes the public document and calls ``assert_documented``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from inferadb_common.app import SERVICE_OPENAPI_PATH
from inferadb_common.identity import HEADER, Identity, IdentitySigner
from inferadb_common.routes import ROUTES
from inferadb_gateway.openapi import merge
from inferadb_testing.stack import ENV_PREFIX, Stack


def openapi_document(base_url: str) -> dict[str, Any]:
    """The gateway's ``/openapi.json`` (it needs every service of the route table running)."""
    response = httpx.get(f"{base_url}/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def merged_document(stack: Stack, services: Iterable[str]) -> dict[str, Any]:
    """What ``/openapi.json`` says about the routes of ``services``, for stacks that run only those:
    their own documents put together by the gateway's ``merge``."""
    signer = IdentitySigner(stack.env[f"{ENV_PREFIX}AUTH__KEY_ENCRYPTION_SECRET"].encode())
    documents: dict[str, dict[str, Any]] = {}
    for service in services:
        response = httpx.get(
            f"http://127.0.0.1:{stack.ports[service]}{SERVICE_OPENAPI_PATH}",
            headers={HEADER: signer.sign(Identity(audience=service))},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        documents[service] = response.json()
    return merge(documents, [route for route in ROUTES if route.service in documents])


def assert_documented(document: dict[str, Any], path: str, response: httpx.Response) -> None:
    """``path`` is the route template (``/v1/organizations/{org}/jwks.json``); the method is the request's."""
    method = response.request.method
    responses = document["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method} {path} answered {status}; documented: {sorted(responses)}"
    content = responses[status].get("content", {})
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    assert media_type in content, f"{method} {path} {status} is {media_type!r}; documented: {sorted(content)}"
    schema = content[media_type].get("schema")
    if schema and media_type == "application/json":
        # References point into the document's components: validate with them at the root.
        validator = Draft202012Validator({**schema, "components": document["components"]})
        problems = [error.message for error in validator.iter_errors(response.json())]
        assert not problems, f"{method} {path} {status}: {problems}"
