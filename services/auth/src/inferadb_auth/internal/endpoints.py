"""``POST /internal/v1/sessions/introspect``: the gateway asks who a session cookie belongs to.

The gateway sends only the SHA-256 of the cookie. Activity is written at most once a minute.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from pydantic import Field

from inferadb_auth import repository as repo
from inferadb_auth.state import AuthDep
from inferadb_common.errors import Unauthorized
from inferadb_common.events.outbox import utcnow
from inferadb_common.internal_auth import IdentityDep
from inferadb_common.wire import RequestModel, ResponseModel

router = APIRouter(include_in_schema=False)
ACTIVITY_GRANULARITY = timedelta(minutes=1)


class IntrospectIn(RequestModel):
    token_hash: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")


class IntrospectOut(ResponseModel):
    user_id: str
    session_id: str
    session_type: str
    expires_at: float


@router.post("/internal/v1/sessions/introspect")
async def introspect(body: IntrospectIn, state: AuthDep, _: IdentityDep) -> IntrospectOut:
    now = utcnow()
    async with state.db.read() as db:
        row = await repo.session_by_hash(db, body.token_hash)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized()
    if now - row.last_activity_at >= ACTIVITY_GRANULARITY:
        async with state.db.transaction() as db:
            await repo.touch_session(db, row.id, now)
    return IntrospectOut(
        user_id=str(row.user_id),
        session_id=str(row.id),
        session_type=row.session_type,
        expires_at=row.expires_at.timestamp(),
    )
