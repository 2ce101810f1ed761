"""The orgs service's typed errors; the common handler renders each as the JSON error body."""

from __future__ import annotations

from inferadb_common.errors import BadRequest, Conflict, Forbidden, NotFound, PaymentRequired

# OpenAPI ``responses`` of the routes that can exceed a tier limit (the gateway adds the error body schema).
TIER_LIMITED: dict[int | str, dict[str, str]] = {402: {"description": "Tier limit exceeded"}}


class OrganizationNotFound(NotFound):
    default_message = "Organization not found"


class MemberNotFound(NotFound):
    default_message = "Member not found"


class InvitationNotFound(NotFound):
    default_message = "Invitation not found"


class TeamNotFound(NotFound):
    default_message = "Team not found"


class TeamPermissionNotFound(NotFound):
    default_message = "Permission not found"


class VaultNotFound(NotFound):
    default_message = "Vault not found"


class GrantNotFound(NotFound):
    default_message = "Grant not found"


class InsufficientPermissions(Forbidden):
    pass


class OrganizationSuspended(Forbidden):
    code, default_message = "ORGANIZATION_SUSPENDED", "Organization is suspended"


class EmailVerificationRequired(Forbidden):
    code, default_message = "EMAIL_NOT_VERIFIED", "Email verification required"


class InvitationForAnotherAddress(Forbidden):
    code, default_message = "INVITATION_EMAIL_MISMATCH", "This invitation was sent to a different email address"


class TierLimitExceeded(PaymentRequired):
    def __init__(self, what: str, maximum: int) -> None:
        super().__init__(f"Tier limit exceeded: {what} (maximum {maximum})")


class LastOwner(Conflict):
    """The last OWNER of an organization can be neither demoted nor removed, nor leave."""


class NotAnOrganizationMember(BadRequest):
    default_message = "User is not a member of this organization"


class ClientNotFound(NotFound):
    default_message = "Client not found"


class CertificateNotFound(NotFound):
    default_message = "Certificate not found"
