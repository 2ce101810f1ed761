"""``POST /v1/token`` (api.md §6): client assertion → vault token, with RFC 6749 errors only.

The hot path of quality.md P3: no threadpool dependencies, the response written with orjson.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from inferadb_common.clock import utcnow
from inferadb_common.events.envelope import Actor
from inferadb_common.internal_auth import get_identity
from inferadb_common.request_context import current_request_id
from inferadb_orgs.state import get_orgs_state
from inferadb_orgs.tokens import client_assertions, limits
from inferadb_orgs.tokens.errors import NO_STORE
from inferadb_orgs.tokens.request import TOKEN_REQUEST_BODY, parse_token_request
from inferadb_orgs.tokens.schemas import OAuthErrorOut, TokenResponse

router = APIRouter()

_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": OAuthErrorOut, "description": "invalid_request, invalid_grant or unauthorized_client"},
    401: {"model": OAuthErrorOut, "description": "invalid_client"},
    429: {"model": OAuthErrorOut, "description": "invalid_request: rate_limiting.token_per_minute reached"},
}


@router.post("/v1/token", response_model=TokenResponse, responses=_ERRORS, openapi_extra=TOKEN_REQUEST_BODY)
async def client_token(request: Request) -> Response:
    """RFC 7523 client assertion, as ``client_credentials`` (§2.2) or as the ``jwt-bearer`` grant (§2.1)."""
    state, identity = await get_orgs_state(request), await get_identity(request)
    actor = Actor(ip_address=identity.ip_address, user_agent=identity.user_agent)
    scope = request.scope
    await limits.admit(state, scope, "ip", identity.ip_address or "unknown", actor)
    token_request = parse_token_request(request.headers.get("content-type", ""), await request.body())
    request_id = current_request_id()
    try:
        parsed = client_assertions.parse(token_request)
    except client_assertions.RejectedAssertion as malformed:  # names no known client: nothing recorded
        claimed = limits.claimed_client_id(token_request, None)
        if claimed is not None:
            await limits.admit(state, scope, "client", claimed, actor)
        raise malformed.error from None
    claimed = limits.claimed_client_id(token_request, parsed)
    if claimed is not None:
        await limits.admit(state, scope, "client", claimed, actor)
    try:
        verified = await client_assertions.verify(state, token_request, parsed, utcnow())
        actor = actor.model_copy(update={"client_id": verified.client_id})
        issued = await state.issuance.issue(verified, token_request, actor, request_id)
    except client_assertions.RejectedAssertion as rejection:
        owner = None if rejection.client_id is None else str(rejection.client_id)
        if owner is not None and owner != claimed:  # the kid's client pays for what names another
            await limits.admit(state, scope, "client", owner, actor)
        if not rejection.recorded:
            await client_assertions.record_rejection(state, rejection, actor, request_id, utcnow())
        raise rejection.error from None
    body = orjson.dumps(issued.response().model_dump(mode="json"))
    return Response(body, media_type="application/json", headers=NO_STORE)
