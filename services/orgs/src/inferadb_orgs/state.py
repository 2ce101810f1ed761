"""What the orgs routes depend on, built once at start-up and reached through ``OrgsDep``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.config import Settings
from inferadb_common.db import Database
from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import Outbox
from inferadb_common.identity import Identity
from inferadb_common.ratelimit import BatchedRateLimiter
from inferadb_orgs.auth_client import AuthClient
from inferadb_orgs.engine.targets import EngineTargets
from inferadb_orgs.signing.service import ManagementKeyring, SigningKeyring
from inferadb_orgs.tables import rate_limit_counters
from inferadb_orgs.tokens.rejections import RejectionCounter
from inferadb_orgs.tokens.subject_cache import AssertionSubjectCache

if TYPE_CHECKING:
    from inferadb_orgs.tokens.issuance import IssuanceWriter

VaultDeletionHook = Callable[[AsyncSession, int, Actor, datetime], Awaitable[None]]
"""Runs inside the transaction that deletes a vault: ``(db, vault_id, actor, now)``."""


@dataclass
class OrgsState:
    settings: Settings
    db: Database
    outbox: Outbox
    keyring: SigningKeyring
    # The keys that sign the invalidation webhooks sent to engines (engine.md E3).
    management_keys: ManagementKeyring
    # What else must go when a vault goes. The vault-token code registers the revocation of the
    # vault's refresh tokens here (api.md §5, DELETE …/vaults/{vault}); grants are removed by the
    # vault service itself.
    vault_deletion_hooks: list[VaultDeletionHook] = field(default_factory=list)
    # What POST /v1/token reads (kept briefly) and the group commit of what it writes.
    subject_cache: AssertionSubjectCache = field(default_factory=AssertionSubjectCache)
    issuance: IssuanceWriter = field(init=False)
    # The POST /v1/token rate limits (per client IP and per client id), shared through the database.
    token_limiter: BatchedRateLimiter = field(init=False)
    # Rejected client assertions, counted per client, reason and minute (group-committed).
    rejections: RejectionCounter = field(init=False)
    # Auth itself, for what the event-fed copies may not know yet (a revoked session, a new address).
    auth: AuthClient = field(init=False)
    # The engines the invalidation webhooks go to (engine.md E3); none configured: vaults are SYNCED.
    engine_targets: EngineTargets = field(init=False)

    def __post_init__(self) -> None:
        from inferadb_orgs.tokens.issuance import IssuanceWriter  # it needs this module

        self.issuance = IssuanceWriter(self)
        self.token_limiter = BatchedRateLimiter(self.db, rate_limit_counters)
        self.rejections = RejectionCounter(self.db)
        self.auth = AuthClient(self.settings)
        self.engine_targets = EngineTargets(self.settings.engine)

    def link(self, path: str, token: str) -> str:
        return f"{self.settings.frontend_base_url.rstrip('/')}{path}?token={token}"


async def get_orgs_state(request: Request) -> OrgsState:
    state: OrgsState = request.app.state.orgs
    return state


OrgsDep = Annotated[OrgsState, Depends(get_orgs_state)]


def actor_of(identity: Identity) -> Actor:
    return Actor(user_id=identity.user_id, ip_address=identity.ip_address, user_agent=identity.user_agent)


def caller_id(identity: Identity) -> int:
    assert identity.user_id is not None, "AuthenticatedDep guarantees a user"
    return identity.user_id
