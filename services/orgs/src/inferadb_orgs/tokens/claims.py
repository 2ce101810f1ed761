"""Vault-token roles, their scopes (api.md §6) and the claims of a vault JWT."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from inferadb_orgs.roles import VaultRole


class TokenRole(StrEnum):
    """What a vault token lets its bearer do; ``read`` < ``write`` < ``manage`` < ``admin``."""

    READ = "read"
    WRITE = "write"
    MANAGE = "manage"
    ADMIN = "admin"

    @property
    def vault_role(self) -> VaultRole:
        return _VAULT_ROLE[self]

    @classmethod
    def of(cls, vault_role: VaultRole) -> TokenRole:
        return _TOKEN_ROLE[vault_role]

    @classmethod
    def parse(cls, value: str) -> TokenRole:
        """``read``/``write``/``manage``/``admin``, any case; the vault role names are accepted too."""
        text = value.strip().lower()
        for role in cls:
            if text in (role.value, role.vault_role.value.lower()):
                return role
        raise ValueError("must be one of read, write, manage, admin")

    @property
    def scope(self) -> str:
        return _SCOPES[self]

    def at_most(self, vault_role: VaultRole) -> bool:
        return self.vault_role.rank <= vault_role.rank


_VAULT_ROLE = {
    TokenRole.READ: VaultRole.READER,
    TokenRole.WRITE: VaultRole.WRITER,
    TokenRole.MANAGE: VaultRole.MANAGER,
    TokenRole.ADMIN: VaultRole.ADMIN,
}
_TOKEN_ROLE = {vault_role: token_role for token_role, vault_role in _VAULT_ROLE.items()}

_READ_SCOPES = (
    "inferadb.check inferadb.read inferadb.expand inferadb.list inferadb.list-relationships "
    "inferadb.list-subjects inferadb.list-resources"
)
_SCOPES = {
    TokenRole.READ: _READ_SCOPES,
    TokenRole.WRITE: f"{_READ_SCOPES} inferadb.write",
    TokenRole.MANAGE: f"{_READ_SCOPES} inferadb.write inferadb.vault.manage",
    TokenRole.ADMIN: f"{_READ_SCOPES} inferadb.write inferadb.vault.manage inferadb.admin",
}


def vault_claims(
    *,
    issuer: str,
    audience: str,
    subject: str,
    organization_id: int,
    vault_id: int,
    role: TokenRole,
    issued_at: int,
    ttl: int,
    jti: str,
) -> dict[str, Any]:
    """The claims of a vault JWT; ids are strings, as everywhere on the wire."""
    return {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + ttl,
        "jti": jti,
        "org_id": str(organization_id),
        "vault_id": str(vault_id),
        "vault_role": role.value,
        "scope": role.scope,
    }
