"""What orgs' organization, member and invitation events carry."""

from __future__ import annotations

from inferadb_common.events.payload import EventPayload, IdStr


class OrganizationCreated(EventPayload):
    event_type = "organization.created"
    name: str
    tier: str
    default: bool | None = None  # True for the organization made at registration


class OrganizationUpdated(EventPayload):
    event_type = "organization.updated"
    name: str
    previous_name: str


class OrganizationDeleted(EventPayload):
    event_type = "organization.deleted"
    name: str | None = None  # deleted by its owner
    reason: str | None = None  # deleted with its last member's account


class OrganizationSuspended(EventPayload):
    event_type = "organization.suspended"
    status: str


class OrganizationResumed(EventPayload):
    event_type = "organization.resumed"
    status: str


class OrganizationOwnershipTransferred(EventPayload):
    event_type = "organization.ownership_transferred"
    from_user_id: IdStr
    to_user_id: IdStr
    previous_role_of_new_owner: str


class MemberAdded(EventPayload):
    event_type = "member.added"
    user_id: IdStr
    role: str
    invitation_id: IdStr | None = None


class MemberRoleChanged(EventPayload):
    event_type = "member.role_changed"
    user_id: IdStr
    role: str
    previous_role: str


class MemberRemoved(EventPayload):
    event_type = "member.removed"
    user_id: IdStr
    role: str
    reason: str
    team_memberships_removed: int
    vault_grants_removed: int
    refresh_tokens_revoked: int


class InvitationCreated(EventPayload):
    event_type = "invitation.created"
    email: str
    role: str


class InvitationRevoked(EventPayload):
    event_type = "invitation.revoked"
    email: str


class InvitationAccepted(EventPayload):
    event_type = "invitation.accepted"
    email: str
    user_id: IdStr
    role: str


class InvitationDeclined(EventPayload):
    event_type = "invitation.declined"
    email: str
