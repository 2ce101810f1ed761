"""What orgs' vault-token, refresh-token, client-assertion and rate-limit events carry (identifiers
only: never a token)."""

from __future__ import annotations

from inferadb_common.events.payload import EventPayload, IdStr


class VaultTokenGenerated(EventPayload):
    event_type = "vault_token.generated"
    vault_id: IdStr
    vault_role: str
    subject: str  # user:<id> or client:<id>
    grant: str
    jti: str
    expires_in: int
    refresh_expires_in: int
    certificate_id: IdStr | None = None  # a client's token: the certificate that signed its assertion


class VaultTokenRefreshed(EventPayload):
    event_type = "vault_token.refreshed"
    vault_id: IdStr
    vault_role: str
    subject: str
    grant: str
    jti: str
    expires_in: int
    refresh_expires_in: int


class RefreshTokensRevoked(EventPayload):
    event_type = "refresh_tokens.revoked"
    revoked_count: int
    reason: str
    vault_id: IdStr | None = None
    client_id: IdStr | None = None
    certificate_id: IdStr | None = None


class RefreshTokenReused(EventPayload):
    event_type = "refresh_token.reused"
    vault_id: IdStr
    subject: str
    family_revoked: bool


class ClientAssertionRejected(EventPayload):
    """Rejections of one client for one reason, counted over a window."""

    event_type = "client_assertion.rejected"
    reason: str
    error: str
    kid: str | None
    count: int
    window_start: str  # ISO 8601, UTC, with a Z
    window_end: str


class TokenRateLimitExceeded(EventPayload):
    event_type = "rate_limit.exceeded_orgs"
    category: str
    limit: str
    client_id: str | None = None  # the client named by the request, when the client limit is hit
