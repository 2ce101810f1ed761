"""``POST /v1/tokens/refresh``: single use, rotation, reuse detection, access re-checked.

A refresh spends the presented token with a conditional ``UPDATE … WHERE used_at IS NULL`` and adds
the next one to the family. Presenting a spent token revokes the whole family
(``refresh_token.reused``), so of 50 concurrent refreshes of one token exactly one succeeds, and even
its new token dies with the family: reuse means the token leaked.

A family born of a session ends with it. Before the unit of work, :func:`session_refusal` asks auth
whether that session is still live (one internal call, for session-born families only, and never
while a transaction is open): a logout or revocation stops the family at once, not when the
``session.revoked`` event reaches orgs' directory consumer (which still revokes the family for good).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.tokens import RefreshTokenReused
from inferadb_common.identity import Identity
from inferadb_orgs import policy
from inferadb_orgs.certificates import repository as certificates_repo
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.policy import SUSPENDED
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tokens import repository as repo
from inferadb_orgs.tokens.claims import TokenRole
from inferadb_orgs.tokens.errors import InvalidGrant
from inferadb_orgs.tokens.records import RefreshTokenWithFamily
from inferadb_orgs.tokens.service import IssuedTokens, hash_refresh_token, mint, subject_of
from inferadb_orgs.vaults import repository as vaults_repo

SESSION_ENDED = "The session this token was issued for has ended"


async def session_refusal(state: OrgsState, presented: str, identity: Identity, now: datetime) -> InvalidGrant | None:
    """Refuse a live token of a session-born family whose session auth no longer knows as live.

    Tokens the unit of work refuses anyway (unknown, spent — reuse must still revoke the family —,
    revoked, expired, past the session's end) and client families cost no call. Auth unreachable
    raises :class:`~inferadb_orgs.auth_client.AuthUnavailable` (503): never issue on a guess.
    """
    async with state.db.read() as db:
        row = await repo.token_with_family(db, hash_refresh_token(presented))
    if row is None or row.session_id is None or row.used_at is not None or row.revoked_at is not None:
        return None
    if row.expires_at <= now or (row.session_expires_at is not None and row.session_expires_at <= now):
        return None
    if await state.auth.session_active(int(row.session_id), identity):
        return None
    return InvalidGrant(SESSION_ENDED, status=401)


async def refresh(
    state: OrgsState, db: AsyncSession, presented: str, base_actor: Actor, now: datetime
) -> IssuedTokens | InvalidGrant:
    """Spend ``presented`` and mint the family's next pair, or say why not.

    Refusals are returned, not raised, so that a reuse's family revocation commits.
    """
    row = await repo.token_with_family(db, hash_refresh_token(presented))
    if row is None:
        return InvalidGrant("The refresh token is invalid, expired or revoked", status=401)
    actor = base_actor.model_copy(update={"user_id": row.user_id, "client_id": row.client_id})
    if row.used_at is not None:
        return await _reused(state, db, row, actor, now)
    if row.revoked_at is not None or row.expires_at <= now:
        return InvalidGrant("The refresh token is invalid, expired or revoked", status=401)
    if row.session_expires_at is not None and row.session_expires_at <= now:
        return InvalidGrant(SESSION_ENDED, status=401)
    refusal = await _access_lost(db, row)
    if refusal is not None:
        return InvalidGrant(refusal, status=401)
    if not await repo.spend(db, int(row.id), now):  # another request spent it a moment ago
        return await _reused(state, db, row, actor, now)
    role = TokenRole(row.vault_role)
    issued = await mint(
        state,
        db,
        family_id=int(row.family_id),
        family_created_at=row.family_created_at,
        organization_id=int(row.organization_id),
        vault_id=int(row.vault_id),
        role=role,
        subject=subject_of(row),
        access_ttl=int(row.access_token_ttl),
        refresh_ttl=int(row.refresh_token_ttl),
        now=now,
        not_after=row.session_expires_at,
    )
    await state.outbox.record(
        db,
        issued.refreshed(subject_of(row)),
        actor=actor,
        organization_id=int(row.organization_id),
        resource_id=issued.family_id,
    )
    return issued


async def _reused(
    state: OrgsState, db: AsyncSession, row: RefreshTokenWithFamily, actor: Actor, now: datetime
) -> InvalidGrant:
    revoked = await repo.revoke_families(db, repo.of_family(int(row.family_id)), now, "reuse_detected")
    if revoked:
        await state.outbox.record(
            db,
            RefreshTokenReused(vault_id=row.vault_id, subject=subject_of(row), family_revoked=True),
            actor=actor,
            organization_id=int(row.organization_id),
            resource_id=int(row.family_id),
        )
    return InvalidGrant("The refresh token was already used; its token family is revoked", status=401)


async def _access_lost(db: AsyncSession, row: RefreshTokenWithFamily) -> str | None:
    """Why the access behind a family is gone (organization, vault, grant, client, certificate), if it is."""
    organization = await organizations_repo.get_organization(db, int(row.organization_id))
    if organization is None:
        return "The organization no longer exists"
    if organization.status == SUSPENDED:
        return "The organization is suspended"
    if await vaults_repo.live_vault(db, int(row.vault_id), organization_id=int(row.organization_id)) is None:
        return "The vault no longer exists"
    if row.user_id is not None:
        if await organizations_repo.organization_for_member(db, int(row.organization_id), int(row.user_id)) is None:
            return "The user is no longer a member of the organization"
        effective = await policy.effective_vault_role(db, int(row.vault_id), int(row.user_id))
        if effective is None or not TokenRole(row.vault_role).at_most(effective):
            return "The user's vault grant no longer allows this role"
        return None
    assert row.certificate_id is not None and row.client_id is not None  # a family without a user is a client's
    if not await certificates_repo.certificate_is_usable(db, row.certificate_id, row.client_id):
        return "The client or its certificate is no longer active"
    return None
