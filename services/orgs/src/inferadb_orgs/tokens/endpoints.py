"""Token routes for people: a vault token from a session, refresh (RFC 6749 errors), revocation."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from inferadb_common.clock import utcnow
from inferadb_common.events.envelope import Actor
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.errors import InsufficientPermissions, OrganizationNotFound, VaultNotFound
from inferadb_orgs.policy import Action
from inferadb_orgs.roles import VaultRole
from inferadb_orgs.state import OrgsDep, actor_of, caller_id
from inferadb_orgs.tokens import refresh, revocation, service
from inferadb_orgs.tokens import repository as repo
from inferadb_orgs.tokens.claims import TokenRole
from inferadb_orgs.tokens.errors import NO_STORE, InvalidRequest
from inferadb_orgs.tokens.request import REFRESH_REQUEST_BODY, read_json_object
from inferadb_orgs.tokens.schemas import OAuthErrorOut, RevokedOut, SessionTokenIn, TokenResponse
from inferadb_orgs.vaults import repository as vaults_repo

router = APIRouter()


@router.post("/v1/organizations/{org}/vaults/{vault}/tokens", status_code=201)
async def vault_token_for_session(
    org: IdIn, vault: IdIn, body: SessionTokenIn, state: OrgsDep, identity: AuthenticatedDep, response: Response
) -> TokenResponse:
    ttls = service.session_ttls(state, body.access_token_ttl, body.refresh_token_ttl)
    role = body.requested_role or TokenRole.READ
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_READ)
        issued = await service.issue_for_session(
            state, db, access, row, identity, actor_of(identity), role, ttls, utcnow()
        )
    response.headers.update(NO_STORE)
    return issued.response()


@router.post(
    "/v1/tokens/refresh",
    responses={400: {"model": OAuthErrorOut}, 401: {"model": OAuthErrorOut}},
    openapi_extra=REFRESH_REQUEST_BODY,
)
async def refresh_vault_token(
    request: Request, response: Response, state: OrgsDep, identity: IdentityDep
) -> TokenResponse:
    """Body ``{refresh_token}``; every refusal is RFC 6749 ``invalid_grant`` (401) or ``invalid_request``."""
    fields = read_json_object(await request.body())
    presented = fields.get("refresh_token")
    if not isinstance(presented, str) or not presented:
        raise InvalidRequest("Missing parameter 'refresh_token'")
    actor = Actor(ip_address=identity.ip_address, user_agent=identity.user_agent)
    refusal = await refresh.session_refusal(state, presented, identity, utcnow())
    if refusal is not None:
        raise refusal
    async with state.db.transaction() as db:
        outcome = await refresh.refresh(state, db, presented, actor, utcnow())
    if not isinstance(outcome, service.IssuedTokens):
        raise outcome
    response.headers.update(NO_STORE)
    return outcome.response()


@router.post("/v1/tokens/revoke/vault/{vault}")
async def revoke_vault_tokens(vault: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> RevokedOut:
    """Every live refresh token of the vault (vault ADMIN and member of its organization)."""
    user_id = caller_id(identity)
    async with state.db.transaction() as db:
        row = await vaults_repo.live_vault(db, vault)
        if row is None:
            raise VaultNotFound()
        try:
            await policy.load_access(db, int(row.organization_id), user_id)
        except OrganizationNotFound:
            raise VaultNotFound() from None
        if await policy.effective_vault_role(db, vault, user_id) is not VaultRole.ADMIN:
            raise InsufficientPermissions()
        count = await revocation.revoke(
            state.outbox,
            db,
            repo.of_vault(vault),
            actor_of(identity),
            utcnow(),
            "vault_revoke",
            vault_id=vault,
        )
    return RevokedOut(revoked_count=count)
