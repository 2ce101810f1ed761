"""Request and response models of the token routes (api.md §6)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from inferadb_common.wire import IdOut, RequestModel, ResponseModel
from inferadb_orgs.tokens.claims import TokenRole


def _role(value: Any) -> Any:
    return TokenRole.parse(value) if isinstance(value, str) else value


TokenRoleIn = Annotated[TokenRole, BeforeValidator(_role)]


class SessionTokenIn(RequestModel):
    requested_role: TokenRoleIn | None = None
    access_token_ttl: int | None = None
    refresh_token_ttl: int | None = None


class TokenResponse(ResponseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    vault_id: IdOut
    vault_role: str
    scope: str


class RefreshIn(RequestModel):
    refresh_token: str


class RevokedOut(ResponseModel):
    revoked_count: int


class OAuthErrorOut(ResponseModel):
    """RFC 6749 §5.2 error body of the token endpoints."""

    error: str
    error_description: str
