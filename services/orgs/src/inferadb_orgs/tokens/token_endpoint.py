"""``POST /v1/token`` (api.md §6): client assertion → vault token, with RFC 6749 errors only.

The hot path of quality.md P3: no threadpool dependencies, the response written with orjson.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import utcnow
from inferadb_common.internal_auth import get_identity
from inferadb_common.request_context import current_request_id
from inferadb_orgs.state import get_orgs_state
from inferadb_orgs.tokens import client_assertions
from inferadb_orgs.tokens.errors import NO_STORE
from inferadb_orgs.tokens.request import TOKEN_REQUEST_BODY, parse_token_request
from inferadb_orgs.tokens.schemas import OAuthErrorOut, TokenResponse

router = APIRouter()

_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": OAuthErrorOut, "description": "invalid_request, invalid_grant or unauthorized_client"},
    401: {"model": OAuthErrorOut, "description": "invalid_client"},
}


@router.post("/v1/token", response_model=TokenResponse, responses=_ERRORS, openapi_extra=TOKEN_REQUEST_BODY)
async def client_token(request: Request) -> Response:
    """RFC 7523 client assertion, as ``client_credentials`` (§2.2) or as the ``jwt-bearer`` grant (§2.1)."""
    state, identity = await get_orgs_state(request), await get_identity(request)
    token_request = parse_token_request(request.headers.get("content-type", ""), await request.body())
    actor = Actor(ip_address=identity.ip_address, user_agent=identity.user_agent)
    request_id = current_request_id()
    try:
        verified = await client_assertions.verify(state, token_request, utcnow())
        actor = actor.model_copy(update={"client_id": verified.client_id})
        issued = await state.issuance.issue(verified, token_request, actor, request_id)
    except client_assertions.RejectedAssertion as rejection:
        if not rejection.recorded:
            async with state.db.transaction() as db:
                await client_assertions.record_rejection(state, db, rejection, actor, request_id)
        raise rejection.error from None
    body = orjson.dumps(issued.response().model_dump(mode="json"))
    return Response(body, media_type="application/json", headers=NO_STORE)
