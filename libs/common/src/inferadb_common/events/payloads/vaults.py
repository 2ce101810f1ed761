"""What orgs' vault and vault-grant events carry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from inferadb_common.events.payload import EventPayload, IdStr, Nullable


class VaultRemovals(BaseModel):
    """The grants that went with a deleted vault."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_grants: int
    team_grants: int


class VaultCreated(EventPayload):
    event_type = "vault.created"
    name: str


class VaultUpdated(EventPayload):
    event_type = "vault.updated"
    name: str | None = None
    description: Nullable[str] = None


class VaultDeleted(EventPayload):
    event_type = "vault.deleted"
    name: str
    removed: VaultRemovals


class VaultSynced(EventPayload):
    """Every engine known when the vault was created (or announced again) acknowledged it (engine.md E4)."""

    event_type = "vault.synced"


class VaultSyncFailed(EventPayload):
    """An engine's attempts to learn of the vault were used up: which engine and its last answer."""

    event_type = "vault.sync_failed"
    engine: str
    error: str


class VaultUserGrantCreated(EventPayload):
    event_type = "vault_user_grant.created"
    vault_id: IdStr
    user_id: IdStr
    role: str


class VaultUserGrantUpdated(EventPayload):
    event_type = "vault_user_grant.updated"
    vault_id: IdStr
    user_id: IdStr
    role: str
    previous_role: str


class VaultUserGrantDeleted(EventPayload):
    event_type = "vault_user_grant.deleted"
    vault_id: IdStr
    user_id: IdStr
    role: str


class VaultTeamGrantCreated(EventPayload):
    event_type = "vault_team_grant.created"
    vault_id: IdStr
    team_id: IdStr
    role: str


class VaultTeamGrantUpdated(EventPayload):
    event_type = "vault_team_grant.updated"
    vault_id: IdStr
    team_id: IdStr
    role: str
    previous_role: str


class VaultTeamGrantDeleted(EventPayload):
    event_type = "vault_team_grant.deleted"
    vault_id: IdStr
    team_id: IdStr
    role: str
