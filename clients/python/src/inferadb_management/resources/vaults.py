"""``client.vaults``: vaults and their user and team grants (api.md §5)."""

from __future__ import annotations

from inferadb_management.models import (
    MessageOut,
    TeamGrantEnvelope,
    TeamGrantOut,
    TeamGrantsPage,
    UserGrantEnvelope,
    UserGrantOut,
    UserGrantsPage,
    VaultEnvelope,
    VaultOut,
    VaultsPage,
)
from inferadb_management.operation import (
    Call,
    Id,
    PageCall,
    R,
    Resource,
    inner,
    items_of,
    operation,
    page_query,
    paginated,
    parser,
)

_VAULTS = "/v1/organizations/{org}/vaults"
_VAULT = _VAULTS + "/{vault}"


def _vault(envelope: VaultEnvelope) -> VaultOut:
    return envelope.vault


def _user_grant(envelope: UserGrantEnvelope) -> UserGrantOut:
    return envelope.grant


def _team_grant(envelope: TeamGrantEnvelope) -> TeamGrantOut:
    return envelope.grant


class Vaults(Resource[R]):
    @operation("POST", _VAULTS)
    def create(self, org: Id, name: str, description: str | None = None) -> Call[VaultOut]:
        """A vault; its creator gets an ADMIN grant."""
        body = {"name": name} if description is None else {"name": name, "description": description}
        return Call(inner(VaultEnvelope, _vault), path={"org": org}, json=body)

    @operation("GET", _VAULTS)
    def list(
        self, org: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[VaultsPage]:
        return Call(parser(VaultsPage), path={"org": org}, query=page_query(limit, offset, cursor))

    @paginated("GET", _VAULTS)
    def iter(self, org: Id, limit: int | None = None) -> PageCall[VaultOut]:
        call = Call(parser(VaultsPage), path={"org": org}, query=page_query(limit, None, None))
        return PageCall(call, items_of(VaultsPage, lambda page: page.vaults))

    @operation("GET", _VAULT)
    def get(self, org: Id, vault: Id) -> Call[VaultOut]:
        return Call(inner(VaultEnvelope, _vault), path={"org": org, "vault": vault})

    @operation("GET", "/v1/vaults/{vault}")
    def get_by_id(self, vault: Id) -> Call[VaultOut]:
        """A vault by its id alone (the caller must be a member of its organization)."""
        return Call(inner(VaultEnvelope, _vault), path={"vault": vault})

    @operation("PATCH", _VAULT)
    def update(self, org: Id, vault: Id, name: str | None = None, description: str | None = None) -> Call[VaultOut]:
        body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        return Call(inner(VaultEnvelope, _vault), path={"org": org, "vault": vault}, json=body)

    @operation("DELETE", _VAULT)
    def delete(self, org: Id, vault: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "vault": vault})

    @operation("POST", _VAULT + "/sync")
    def sync(self, org: Id, vault: Id) -> Call[VaultOut]:
        """Ask for the vault to be provisioned in the engine again (202)."""
        return Call(inner(VaultEnvelope, _vault), path={"org": org, "vault": vault})

    # -- user grants

    @operation("POST", _VAULT + "/user-grants")
    def grant_user(self, org: Id, vault: Id, user_id: Id, role: str) -> Call[UserGrantOut]:
        """``role``: READER, WRITER, MANAGER or ADMIN (any case)."""
        body = {"user_id": str(user_id), "role": role}
        return Call(inner(UserGrantEnvelope, _user_grant), path={"org": org, "vault": vault}, json=body)

    @operation("GET", _VAULT + "/user-grants")
    def list_user_grants(
        self, org: Id, vault: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[UserGrantsPage]:
        return Call(parser(UserGrantsPage), path={"org": org, "vault": vault}, query=page_query(limit, offset, cursor))

    @paginated("GET", _VAULT + "/user-grants")
    def iter_user_grants(self, org: Id, vault: Id, limit: int | None = None) -> PageCall[UserGrantOut]:
        call = Call(parser(UserGrantsPage), path={"org": org, "vault": vault}, query=page_query(limit, None, None))
        return PageCall(call, items_of(UserGrantsPage, lambda page: page.grants))

    @operation("PATCH", _VAULT + "/user-grants/{grant}")
    def update_user_grant(self, org: Id, vault: Id, grant: Id, role: str) -> Call[UserGrantOut]:
        path = {"org": org, "vault": vault, "grant": grant}
        return Call(inner(UserGrantEnvelope, _user_grant), path=path, json={"role": role})

    @operation("DELETE", _VAULT + "/user-grants/{grant}")
    def revoke_user_grant(self, org: Id, vault: Id, grant: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "vault": vault, "grant": grant})

    # -- team grants

    @operation("POST", _VAULT + "/team-grants")
    def grant_team(self, org: Id, vault: Id, team_id: Id, role: str) -> Call[TeamGrantOut]:
        body = {"team_id": str(team_id), "role": role}
        return Call(inner(TeamGrantEnvelope, _team_grant), path={"org": org, "vault": vault}, json=body)

    @operation("GET", _VAULT + "/team-grants")
    def list_team_grants(
        self, org: Id, vault: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[TeamGrantsPage]:
        return Call(parser(TeamGrantsPage), path={"org": org, "vault": vault}, query=page_query(limit, offset, cursor))

    @paginated("GET", _VAULT + "/team-grants")
    def iter_team_grants(self, org: Id, vault: Id, limit: int | None = None) -> PageCall[TeamGrantOut]:
        call = Call(parser(TeamGrantsPage), path={"org": org, "vault": vault}, query=page_query(limit, None, None))
        return PageCall(call, items_of(TeamGrantsPage, lambda page: page.grants))

    @operation("PATCH", _VAULT + "/team-grants/{grant}")
    def update_team_grant(self, org: Id, vault: Id, grant: Id, role: str) -> Call[TeamGrantOut]:
        path = {"org": org, "vault": vault, "grant": grant}
        return Call(inner(TeamGrantEnvelope, _team_grant), path=path, json={"role": role})

    @operation("DELETE", _VAULT + "/team-grants/{grant}")
    def revoke_team_grant(self, org: Id, vault: Id, grant: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "vault": vault, "grant": grant})
