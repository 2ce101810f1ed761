"""Vault tokens: minting (a vault JWT plus a refresh token of a family) and the session route.

A *family* is created with every issued vault token and records what the token stands on (user and
session, or client and certificate; vault, role, TTLs). Its refresh tokens are 256-bit random
strings stored as SHA-256, single use (see :mod:`inferadb_orgs.tokens.refresh`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import ValidationFailed
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.tokens import VaultTokenGenerated, VaultTokenRefreshed
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id
from inferadb_orgs import policy
from inferadb_orgs.errors import InsufficientPermissions, OrganizationSuspended
from inferadb_orgs.policy import OrgAccess
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tokens import repository as repo
from inferadb_orgs.tokens.claims import TokenRole, vault_claims
from inferadb_orgs.tokens.records import FamilyValues, RefreshTokenValues
from inferadb_orgs.tokens.schemas import TokenResponse
from inferadb_orgs.vaults.records import VaultRecord

DEFAULT_ACCESS_TTL = 300
DEFAULT_SESSION_REFRESH_TTL = 3600
DEFAULT_CLIENT_REFRESH_TTL = 7 * 86400
MIN_REFRESH_TTL = 60
MAX_REFRESH_TTL = 90 * 86400
REFRESH_TOKEN_PREFIX = "vrt_"  # noqa: S105 - a prefix, not a secret


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    vault_id: int
    role: TokenRole
    family_id: int
    jti: str

    def response(self) -> TokenResponse:
        return TokenResponse(
            access_token=self.access_token,
            expires_in=self.expires_in,
            refresh_token=self.refresh_token,
            refresh_expires_in=self.refresh_expires_in,
            vault_id=self.vault_id,
            vault_role=self.role.value,
            scope=self.role.scope,
        )

    def generated(self, subject: str, grant: str, certificate_id: int | None = None) -> VaultTokenGenerated:
        """The event of a new token (identifiers only; never a token)."""
        return VaultTokenGenerated(
            vault_id=self.vault_id,
            vault_role=self.role.value,
            subject=subject,
            grant=grant,
            jti=self.jti,
            expires_in=self.expires_in,
            refresh_expires_in=self.refresh_expires_in,
            certificate_id=certificate_id,
        )

    def refreshed(self, subject: str) -> VaultTokenRefreshed:
        """The event of a refresh (identifiers only; never a token)."""
        return VaultTokenRefreshed(
            vault_id=self.vault_id,
            vault_role=self.role.value,
            subject=subject,
            grant="refresh_token",
            jti=self.jti,
            expires_in=self.expires_in,
            refresh_expires_in=self.refresh_expires_in,
        )


def default_access_ttl(state: OrgsState) -> int:
    auth = state.settings.auth
    return min(max(DEFAULT_ACCESS_TTL, auth.access_token_ttl_min), auth.access_token_ttl_max)


def subject_of(family: Any) -> str:
    return f"user:{family.user_id}" if family.user_id is not None else f"client:{family.client_id}"


def new_pair(
    state: OrgsState,
    *,
    family_id: int,
    family_created_at: datetime,
    organization_id: int,
    vault_id: int,
    role: TokenRole,
    subject: str,
    access_ttl: int,
    refresh_ttl: int,
    now: datetime,
    not_after: datetime | None = None,
) -> tuple[IssuedTokens, RefreshTokenValues]:
    """A signed vault JWT and the family's next refresh token, with the refresh token's row (its hash).

    A refresh token lives ``refresh_ttl`` from its issue, never past the family's 90 days, and never
    past ``not_after`` (the end of the session a family was born of).
    """
    refresh_token = REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)
    refresh_expires = min(now + timedelta(seconds=refresh_ttl), family_created_at + timedelta(seconds=MAX_REFRESH_TTL))
    if not_after is not None:
        refresh_expires = min(refresh_expires, not_after)
    row: RefreshTokenValues = {
        "id": new_id(),
        "family_id": family_id,
        "token_hash": hash_refresh_token(refresh_token),
        "created_at": now,
        "expires_at": refresh_expires,
        "used_at": None,
    }
    auth = state.settings.auth
    jti = str(new_id())
    assert auth.jwt_issuer is not None
    claims = vault_claims(
        issuer=auth.jwt_issuer,
        audience=auth.jwt_audience,
        subject=subject,
        organization_id=organization_id,
        vault_id=vault_id,
        role=role,
        issued_at=int(now.timestamp()),
        ttl=access_ttl,
        jti=jti,
    )
    issued = IssuedTokens(
        access_token=state.keyring.current.sign_jwt(claims),
        expires_in=access_ttl,
        refresh_token=refresh_token,
        refresh_expires_in=max(0, int((refresh_expires - now).total_seconds())),
        vault_id=vault_id,
        role=role,
        family_id=family_id,
        jti=jti,
    )
    return issued, row


class PairParameters(TypedDict):
    """What :func:`new_pair` takes besides the state (so :func:`mint` passes it on typed)."""

    family_id: int
    family_created_at: datetime
    organization_id: int
    vault_id: int
    role: TokenRole
    subject: str
    access_ttl: int
    refresh_ttl: int
    now: datetime
    not_after: NotRequired[datetime | None]


async def mint(state: OrgsState, db: AsyncSession, **pair: Unpack[PairParameters]) -> IssuedTokens:
    """:func:`new_pair`, with the refresh token stored."""
    issued, row = new_pair(state, **pair)
    await repo.insert_refresh_token(db, **row)
    return issued


def family_row(
    *,
    family_id: int,
    organization_id: int,
    vault_id: int,
    role: TokenRole,
    access_ttl: int,
    refresh_ttl: int,
    now: datetime,
    user_id: int | None = None,
    session_id: int | None = None,
    session_expires_at: datetime | None = None,
    client_id: int | None = None,
    certificate_id: int | None = None,
) -> FamilyValues:
    return {
        "id": family_id,
        "organization_id": organization_id,
        "vault_id": vault_id,
        "vault_role": role.value,
        "user_id": user_id,
        "session_id": session_id,
        "session_expires_at": session_expires_at,
        "client_id": client_id,
        "certificate_id": certificate_id,
        "access_token_ttl": access_ttl,
        "refresh_token_ttl": refresh_ttl,
        "created_at": now,
        "revoked_at": None,
        "revoked_reason": None,
    }


async def issue_new_family(
    state: OrgsState,
    db: AsyncSession,
    *,
    organization_id: int,
    vault_id: int,
    role: TokenRole,
    access_ttl: int,
    refresh_ttl: int,
    now: datetime,
    user_id: int,
    session_id: int | None,
    session_expires_at: datetime | None = None,
) -> IssuedTokens:
    """A new family for a user (and session) with its first token pair; a session's family ends
    with the session (its refresh tokens expire then at the latest, and refreshes are refused)."""
    family_id = new_id()
    await repo.insert_family(
        db,
        **family_row(
            family_id=family_id,
            organization_id=organization_id,
            vault_id=vault_id,
            role=role,
            access_ttl=access_ttl,
            refresh_ttl=refresh_ttl,
            now=now,
            user_id=user_id,
            session_id=session_id,
            session_expires_at=session_expires_at,
        ),
    )
    return await mint(
        state,
        db,
        family_id=family_id,
        family_created_at=now,
        organization_id=organization_id,
        vault_id=vault_id,
        role=role,
        subject=f"user:{user_id}",
        access_ttl=access_ttl,
        refresh_ttl=refresh_ttl,
        now=now,
        not_after=session_expires_at,
    )


# -- the session route ---------------------------------------------------------------------------


def session_ttls(state: OrgsState, access_ttl: int | None, refresh_ttl: int | None) -> tuple[int, int]:
    auth = state.settings.auth
    details: dict[str, str] = {}
    if access_ttl is not None and not auth.access_token_ttl_min <= access_ttl <= auth.access_token_ttl_max:
        low, high = auth.access_token_ttl_min, auth.access_token_ttl_max
        details["access_token_ttl"] = f"must be between {low} and {high} seconds"
    if refresh_ttl is not None and not MIN_REFRESH_TTL <= refresh_ttl <= MAX_REFRESH_TTL:
        details["refresh_token_ttl"] = f"must be between {MIN_REFRESH_TTL} and {MAX_REFRESH_TTL} seconds"
    if details:
        raise ValidationFailed(details=details)
    return access_ttl or default_access_ttl(state), refresh_ttl or DEFAULT_SESSION_REFRESH_TTL


async def issue_for_session(
    state: OrgsState,
    db: AsyncSession,
    access: OrgAccess,
    vault: VaultRecord,
    identity: Identity,
    actor: Actor,
    role: TokenRole,
    ttls: tuple[int, int],
    now: datetime,
) -> IssuedTokens:
    """A vault token for the signed-in user: the role may not exceed the effective vault role (403)."""
    effective = await policy.effective_vault_role(db, vault.id, access.user_id)
    if effective is None or not role.at_most(effective):
        raise InsufficientPermissions()
    if access.suspended:
        raise OrganizationSuspended()
    issued = await issue_new_family(
        state,
        db,
        organization_id=access.organization_id,
        vault_id=vault.id,
        role=role,
        access_ttl=ttls[0],
        refresh_ttl=ttls[1],
        now=now,
        user_id=access.user_id,
        session_id=identity.session_id,
        session_expires_at=(
            None if identity.session_expires_at is None else datetime.fromtimestamp(identity.session_expires_at, tz=UTC)
        ),
    )
    await state.outbox.record(
        db,
        issued.generated(f"user:{access.user_id}", "session"),
        actor=actor,
        organization_id=access.organization_id,
        resource_id=issued.family_id,
    )
    return issued
