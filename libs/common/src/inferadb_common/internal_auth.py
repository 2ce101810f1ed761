"""Service side of the internal identity header: every request but health and metrics needs one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from inferadb_common.edge import send_error
from inferadb_common.errors import Unauthorized
from inferadb_common.identity import HEADER, Identity, IdentitySigner, InvalidIdentity

OPEN_PATHS = frozenset(
    {"/health", "/metrics", "/v1/health", "/v1/health/live", "/v1/health/ready", "/v1/health/startup"}
)
_HEADER_BYTES = HEADER.encode()


class InternalIdentityMiddleware:
    def __init__(self, app: ASGIApp, *, signer: IdentitySigner, audience: str) -> None:
        self.app = app
        self.signer = signer
        self.audience = audience

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        token = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == _HEADER_BYTES), None)
        try:
            if token is None:
                raise InvalidIdentity("missing")
            identity = self.signer.verify(token, self.audience)
        except InvalidIdentity:
            await send_error(send, 401, Unauthorized.default_message, Unauthorized.code)
            return
        scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, receive, send)


def _identity_of(request: Request) -> Identity:
    identity = getattr(request.state, "identity", None)
    if not isinstance(identity, Identity):
        raise Unauthorized()
    return identity


# Dependencies are coroutines: FastAPI runs plain functions in its thread pool, a hop per request.
async def get_identity(request: Request) -> Identity:
    return _identity_of(request)


async def get_authenticated(request: Request) -> Identity:
    identity = _identity_of(request)
    if not identity.authenticated:
        raise Unauthorized()
    return identity


IdentityDep = Annotated[Identity, Depends(get_identity)]
AuthenticatedDep = Annotated[Identity, Depends(get_authenticated)]
