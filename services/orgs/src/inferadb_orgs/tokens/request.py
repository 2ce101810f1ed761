"""The bodies of the token endpoints, ``POST /v1/token`` in particular: form (RFC 6749 §3.2) or JSON,
parsed by hand so that every problem
is an RFC 6749 ``invalid_request`` rather than the §1.1 validation body.

Parameters may not repeat (RFC 6749 §3.2); unknown parameters are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from inferadb_common.wire import parse_id
from inferadb_orgs.tokens.claims import TokenRole
from inferadb_orgs.tokens.errors import InvalidRequest

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_FORM = "application/x-www-form-urlencoded"
_MAX_FIELDS = 50


@dataclass(frozen=True, slots=True)
class ClientTokenRequest:
    grant_type: str
    assertion: str
    vault_id: int
    requested_role: TokenRole
    client_id: str | None


def _form(body: bytes) -> dict[str, Any]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("The form body could not be parsed") from None
    fields: dict[str, Any] = {}
    for name, value in pairs:
        if name in fields:
            raise InvalidRequest(f"Parameter '{name[:40]}' is repeated")
        fields[name] = value
    return fields


def read_json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise InvalidRequest("The request body is empty")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The JSON body could not be parsed") from None
    if not isinstance(value, dict):
        raise InvalidRequest("The JSON body must be an object")
    return value


def _text(fields: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise InvalidRequest(f"Missing parameter '{name}'")
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"Parameter '{name}' must be a string")
    return value


def parse_token_request(content_type: str, body: bytes) -> ClientTokenRequest:
    if not body.strip():
        raise InvalidRequest("The request body is empty")
    is_form = content_type.split(";", 1)[0].strip().lower() == _FORM
    fields = _form(body) if is_form else read_json_object(body)
    grant_type = _text(fields, "grant_type")
    if grant_type == CLIENT_CREDENTIALS:
        if _text(fields, "client_assertion_type") != JWT_BEARER_ASSERTION_TYPE:
            raise InvalidRequest(f"client_assertion_type must be {JWT_BEARER_ASSERTION_TYPE}")
        assertion = _text(fields, "client_assertion")
    elif grant_type == JWT_BEARER_GRANT:
        assertion = _text(fields, "assertion")
    else:
        raise InvalidRequest(f"Unsupported grant_type; use {CLIENT_CREDENTIALS} or {JWT_BEARER_GRANT}")
    vault = fields.get("vault_id")
    if vault is None or vault == "":
        raise InvalidRequest("Missing parameter 'vault_id'")
    try:
        vault_id = parse_id(vault)
    except ValueError:
        raise InvalidRequest("Parameter 'vault_id' must be an id") from None
    role_text = _text(fields, "requested_role", required=False)
    try:
        role = TokenRole.READ if role_text is None else TokenRole.parse(role_text)
    except ValueError:
        raise InvalidRequest("Parameter 'requested_role' must be one of read, write, manage, admin") from None
    client_id = fields.get("client_id")
    if isinstance(client_id, int) and not isinstance(client_id, bool):
        fields["client_id"] = str(client_id)
    assert grant_type is not None and assertion is not None
    return ClientTokenRequest(grant_type, assertion, vault_id, role, _text(fields, "client_id", required=False))


def _documented_body(schema: dict[str, Any], *media_types: str) -> dict[str, Any]:
    """OpenAPI ``requestBody`` of a route that reads its body by hand (FastAPI cannot see it)."""
    return {
        "requestBody": {"required": True, "content": {media_type: {"schema": schema} for media_type in media_types}}
    }


_ID = {"type": "string", "pattern": "^[0-9]{1,19}$", "description": "an id (a decimal string; JSON may use a number)"}
TOKEN_REQUEST_BODY = _documented_body(
    {
        "type": "object",
        "required": ["grant_type", "vault_id"],
        "properties": {
            "grant_type": {"type": "string", "enum": [CLIENT_CREDENTIALS, JWT_BEARER_GRANT]},
            "client_assertion_type": {
                "type": "string",
                "enum": [JWT_BEARER_ASSERTION_TYPE],
                "description": f"required with {CLIENT_CREDENTIALS}",
            },
            "client_assertion": {"type": "string", "description": f"the signed JWT, with {CLIENT_CREDENTIALS}"},
            "assertion": {"type": "string", "description": f"the signed JWT, with {JWT_BEARER_GRANT}"},
            "vault_id": _ID,
            "requested_role": {"type": "string", "enum": [role.value for role in TokenRole], "default": "read"},
            "client_id": {"type": "string", "description": "must equal the assertion's iss when present"},
        },
    },
    _FORM,
    "application/json",
)
REFRESH_REQUEST_BODY = _documented_body(
    {"type": "object", "required": ["refresh_token"], "properties": {"refresh_token": {"type": "string"}}},
    "application/json",
)
