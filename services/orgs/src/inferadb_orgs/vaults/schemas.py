"""Request and response models of the vault and grant routes (api.md §5)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator

from inferadb_common.wire import IdIn, IdOut, RequestModel, ResponseModel, Timestamp
from inferadb_orgs.roles import VaultRoleIn
from inferadb_orgs.schemas import Description, PaginationOut
from inferadb_orgs.vaults.records import GrantRecord, SyncStatus, VaultRecord

_VAULT_NAME_PUNCTUATION = frozenset(" -_")


def clean_vault_name(value: Any) -> str:
    """api.md §9: trimmed, 1-100 characters of Unicode letters and digits, space, ``-`` and ``_``.

    Combining marks count as part of the letter they follow (written Devanagari or Thai needs them);
    the name is compared and stored in NFC.
    """
    if not isinstance(value, str):
        raise ValueError("must be a string")
    name = unicodedata.normalize("NFC", value.strip())
    if not name:
        raise ValueError("must not be empty")
    if len(name) > 100:
        raise ValueError("must be at most 100 characters")
    for position, ch in enumerate(name):
        category = unicodedata.category(ch)
        letter_or_digit = category[0] == "L" or category == "Nd" or (category[0] == "M" and position > 0)
        if not letter_or_digit and ch not in _VAULT_NAME_PUNCTUATION:
            raise ValueError("may contain only letters, digits, spaces, '-' and '_'")
    return name


VaultName = Annotated[str, BeforeValidator(clean_vault_name)]


class VaultIn(RequestModel):
    name: VaultName
    description: Description = None


class VaultUpdateIn(RequestModel):
    name: VaultName | None = None
    description: Description = None


class VaultOut(ResponseModel):
    id: IdOut
    name: str
    description: str | None
    organization_id: IdOut
    sync_status: SyncStatus
    created_at: Timestamp
    updated_at: Timestamp


class VaultEnvelope(ResponseModel):
    vault: VaultOut


class VaultsPage(ResponseModel):
    vaults: list[VaultOut]
    pagination: PaginationOut


class UserGrantIn(RequestModel):
    user_id: IdIn
    role: VaultRoleIn


class TeamGrantIn(RequestModel):
    team_id: IdIn
    role: VaultRoleIn


class GrantUpdateIn(RequestModel):
    role: VaultRoleIn


class UserGrantOut(ResponseModel):
    id: IdOut
    vault_id: IdOut
    user_id: IdOut
    role: str
    granted_at: Timestamp
    granted_by_user_id: IdOut

    @classmethod
    def of(cls, grant: GrantRecord) -> UserGrantOut:
        return cls(
            id=grant.id,
            vault_id=grant.vault_id,
            user_id=grant.grantee_id,
            role=grant.role,
            granted_at=grant.granted_at,
            granted_by_user_id=grant.granted_by_user_id,
        )


class TeamGrantOut(ResponseModel):
    id: IdOut
    vault_id: IdOut
    team_id: IdOut
    role: str
    granted_at: Timestamp
    granted_by_user_id: IdOut

    @classmethod
    def of(cls, grant: GrantRecord) -> TeamGrantOut:
        return cls(
            id=grant.id,
            vault_id=grant.vault_id,
            team_id=grant.grantee_id,
            role=grant.role,
            granted_at=grant.granted_at,
            granted_by_user_id=grant.granted_by_user_id,
        )


class UserGrantEnvelope(ResponseModel):
    grant: UserGrantOut


class TeamGrantEnvelope(ResponseModel):
    grant: TeamGrantOut


class UserGrantsPage(ResponseModel):
    grants: list[UserGrantOut]
    pagination: PaginationOut


class TeamGrantsPage(ResponseModel):
    grants: list[TeamGrantOut]
    pagination: PaginationOut


def vault_out(row: VaultRecord) -> VaultOut:
    return VaultOut.model_validate(row)
