"""The ordered roles and the team permissions of api.md §3-§5 (role input is case-insensitive)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator


class OrgRole(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"

    @property
    def rank(self) -> int:
        return _ORG_RANK[self]

    def at_least(self, other: OrgRole) -> bool:
        return self.rank >= other.rank


_ORG_RANK = {OrgRole.MEMBER: 1, OrgRole.ADMIN: 2, OrgRole.OWNER: 3}


class VaultRole(StrEnum):
    READER = "READER"
    WRITER = "WRITER"
    MANAGER = "MANAGER"
    ADMIN = "ADMIN"

    @property
    def rank(self) -> int:
        return _VAULT_RANK[self]

    def at_least(self, other: VaultRole) -> bool:
        return self.rank >= other.rank


_VAULT_RANK = {VaultRole.READER: 1, VaultRole.WRITER: 2, VaultRole.MANAGER: 3, VaultRole.ADMIN: 4}


class TeamPermission(StrEnum):
    CLIENT_CREATE = "ORG_PERM_CLIENT_CREATE"
    CLIENT_READ = "ORG_PERM_CLIENT_READ"
    CLIENT_REVOKE = "ORG_PERM_CLIENT_REVOKE"
    CLIENT_DELETE = "ORG_PERM_CLIENT_DELETE"
    CLIENT_MANAGE = "ORG_PERM_CLIENT_MANAGE"
    VAULT_CREATE = "ORG_PERM_VAULT_CREATE"
    VAULT_DELETE = "ORG_PERM_VAULT_DELETE"
    TEAM_CREATE = "ORG_PERM_TEAM_CREATE"
    TEAM_DELETE = "ORG_PERM_TEAM_DELETE"
    TEAM_MANAGE_MEMBERS = "ORG_PERM_TEAM_MANAGE_MEMBERS"
    INVITE_USERS = "ORG_PERM_INVITE_USERS"
    REVOKE_INVITATIONS = "ORG_PERM_REVOKE_INVITATIONS"
    OWNER_ACTIONS = "ORG_PERM_OWNER_ACTIONS"


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


OrgRoleIn = Annotated[OrgRole, BeforeValidator(_upper)]
VaultRoleIn = Annotated[VaultRole, BeforeValidator(_upper)]
TeamPermissionIn = Annotated[TeamPermission, BeforeValidator(_upper)]
