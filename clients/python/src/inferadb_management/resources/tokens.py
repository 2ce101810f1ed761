"""``client.tokens``: vault tokens by session, by client assertion (RFC 7523), refresh, revoke, JWKS (api.md §6)."""

from __future__ import annotations

from typing import Any

from inferadb_management.models import JwksOut, OrgsRevokedOut, TokenResponse
from inferadb_management.operation import Call, Id, R, Resource, operation, parser

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class Tokens(Resource[R]):
    @operation("POST", "/v1/organizations/{org}/vaults/{vault}/tokens")
    def for_session(
        self,
        org: Id,
        vault: Id,
        requested_role: str | None = None,
        access_token_ttl: int | None = None,
        refresh_token_ttl: int | None = None,
    ) -> Call[TokenResponse]:
        """A vault JWT for the signed-in user (role ≤ the user's effective vault role; default ``read``)."""
        given = {
            "requested_role": requested_role,
            "access_token_ttl": access_token_ttl,
            "refresh_token_ttl": refresh_token_ttl,
        }
        body = {k: v for k, v in given.items() if v is not None}
        return Call(parser(TokenResponse), path={"org": org, "vault": vault}, json=body)

    @operation("POST", "/v1/token")
    def client_credentials(
        self, client_assertion: str, vault_id: Id, requested_role: str | None = None, client_id: Id | None = None
    ) -> Call[TokenResponse]:
        """A vault JWT for a backend client: RFC 7523 ``client_credentials`` with a signed assertion.
        :class:`~inferadb_management.credentials.ClientCredentials` builds the assertion and caches the token."""
        form: dict[str, str] = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion,
            "vault_id": str(vault_id),
        }
        if requested_role is not None:
            form["requested_role"] = requested_role
        if client_id is not None:
            form["client_id"] = str(client_id)
        return Call(parser(TokenResponse), form=form, authenticated=False)

    @operation("POST", "/v1/tokens/refresh")
    def refresh(self, refresh_token: str) -> Call[TokenResponse]:
        """A new access token and a new refresh token (the old one is spent)."""
        return Call(parser(TokenResponse), json={"refresh_token": refresh_token}, authenticated=False)

    @operation("POST", "/v1/tokens/revoke/vault/{vault}")
    def revoke_vault(self, vault: Id) -> Call[OrgsRevokedOut]:
        """Revoke every refresh token of a vault (vault ADMIN)."""
        return Call(parser(OrgsRevokedOut), path={"vault": vault})

    @operation("GET", "/.well-known/jwks.json")
    def jwks(self) -> Call[JwksOut]:
        """The keys vault tokens are signed with."""
        return Call(parser(JwksOut), authenticated=False)

    @operation("GET", "/v1/organizations/{org}/jwks.json")
    def organization_jwks(self, org: Id) -> Call[JwksOut]:
        """The active certificate keys of the organization's active clients."""
        return Call(parser(JwksOut), path={"org": org}, authenticated=False)

    @operation("GET", "/v1/organizations/{org}/.well-known/jwks.json")
    def organization_well_known_jwks(self, org: Id) -> Call[JwksOut]:
        """The same keys as :meth:`organization_jwks`, at the ``.well-known`` address."""
        return Call(parser(JwksOut), path={"org": org}, authenticated=False)


class Health(Resource[R]):
    """api.md §8 (not in the OpenAPI document: answers are plain JSON objects)."""

    @operation("GET", "/health")
    def ping(self) -> Call[dict[str, Any]]:
        return Call(_object)

    @operation("GET", "/v1/health")
    def status(self) -> Call[dict[str, Any]]:
        """``{status, version, uptime_seconds, checks}`` (a 503 raises with the body's message)."""
        return Call(_object)

    @operation("GET", "/v1/health/ready")
    def ready(self) -> Call[dict[str, Any]]:
        return Call(_object)


def _object(body: Any) -> dict[str, Any]:
    return dict(body) if isinstance(body, dict) else {}
