"""``client.organizations``, ``client.members``, ``client.invitations`` (api.md §3)."""

from __future__ import annotations

from inferadb_management.models import (
    InvitationEnvelope,
    InvitationOut,
    InvitationsPage,
    MemberEnvelope,
    MemberOut,
    MembersPage,
    MessageOut,
    OrganizationEnvelope,
    OrganizationOut,
    OrganizationsPage,
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


def _organization(envelope: OrganizationEnvelope) -> OrganizationOut:
    return envelope.organization


class Organizations(Resource[R]):
    @operation("POST", "/v1/organizations")
    def create(self, name: str) -> Call[OrganizationOut]:
        """A new organization with the caller as OWNER (needs a verified address)."""
        return Call(inner(OrganizationEnvelope, _organization), json={"name": name})

    @operation("GET", "/v1/organizations")
    def list(
        self, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[OrganizationsPage]:
        """One page of the caller's organizations, by id."""
        return Call(parser(OrganizationsPage), query=page_query(limit, offset, cursor))

    @paginated("GET", "/v1/organizations")
    def iter(self, limit: int | None = None) -> PageCall[OrganizationOut]:
        """Every organization of the caller."""
        call = Call(parser(OrganizationsPage), query=page_query(limit, None, None))
        return PageCall(call, items_of(OrganizationsPage, lambda page: page.organizations))

    @operation("GET", "/v1/organizations/{org}")
    def get(self, org: Id) -> Call[OrganizationOut]:
        return Call(inner(OrganizationEnvelope, _organization), path={"org": org})

    @operation("PATCH", "/v1/organizations/{org}")
    def update(self, org: Id, name: str) -> Call[OrganizationOut]:
        return Call(inner(OrganizationEnvelope, _organization), path={"org": org}, json={"name": name})

    @operation("DELETE", "/v1/organizations/{org}")
    def delete(self, org: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org})

    @operation("POST", "/v1/organizations/{org}/suspend")
    def suspend(self, org: Id) -> Call[OrganizationOut]:
        return Call(inner(OrganizationEnvelope, _organization), path={"org": org})

    @operation("POST", "/v1/organizations/{org}/resume")
    def resume(self, org: Id) -> Call[OrganizationOut]:
        return Call(inner(OrganizationEnvelope, _organization), path={"org": org})

    @operation("POST", "/v1/organizations/{org}/transfer-ownership")
    def transfer_ownership(self, org: Id, new_owner_user_id: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org}, json={"new_owner_user_id": str(new_owner_user_id)})

    @operation("POST", "/v1/organizations/{org}/leave")
    def leave(self, org: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org})

    @operation("POST", "/v1/organizations/invitations/accept")
    def accept_invitation(self, token: str) -> Call[OrganizationOut]:
        """Join with the token of an invitation mail (sent to one of the caller's verified addresses)."""
        return Call(inner(OrganizationEnvelope, _organization), json={"token": token})


class Members(Resource[R]):
    @operation("GET", "/v1/organizations/{org}/members")
    def list(
        self, org: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[MembersPage]:
        return Call(parser(MembersPage), path={"org": org}, query=page_query(limit, offset, cursor))

    @paginated("GET", "/v1/organizations/{org}/members")
    def iter(self, org: Id, limit: int | None = None) -> PageCall[MemberOut]:
        call = Call(parser(MembersPage), path={"org": org}, query=page_query(limit, None, None))
        return PageCall(call, items_of(MembersPage, lambda page: page.members))

    @operation("PATCH", "/v1/organizations/{org}/members/{member}")
    def set_role(self, org: Id, member: Id, role: str) -> Call[MemberOut]:
        """``role``: OWNER, ADMIN or MEMBER (any case)."""
        return Call(inner(MemberEnvelope, lambda e: e.member), path={"org": org, "member": member}, json={"role": role})

    @operation("DELETE", "/v1/organizations/{org}/members/{member}")
    def remove(self, org: Id, member: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "member": member})


class Invitations(Resource[R]):
    @operation("POST", "/v1/organizations/{org}/invitations")
    def create(self, org: Id, email: str, role: str = "MEMBER") -> Call[InvitationOut]:
        """Mail an invitation (the token is only in the mail)."""
        body = {"email": email, "role": role}
        return Call(inner(InvitationEnvelope, lambda e: e.invitation), path={"org": org}, json=body)

    @operation("GET", "/v1/organizations/{org}/invitations")
    def list(
        self, org: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[InvitationsPage]:
        return Call(parser(InvitationsPage), path={"org": org}, query=page_query(limit, offset, cursor))

    @paginated("GET", "/v1/organizations/{org}/invitations")
    def iter(self, org: Id, limit: int | None = None) -> PageCall[InvitationOut]:
        call = Call(parser(InvitationsPage), path={"org": org}, query=page_query(limit, None, None))
        return PageCall(call, items_of(InvitationsPage, lambda page: page.invitations))

    @operation("DELETE", "/v1/organizations/{org}/invitations/{invitation}")
    def delete(self, org: Id, invitation: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "invitation": invitation})
