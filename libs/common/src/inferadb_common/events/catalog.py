"""The event catalog: the only contract between services about what happened.

Each entry names the payload model of the event's ``data`` (which names the event ``type``,
``<aggregate>.<verb>``), the producing service, the audit ``event_type`` it becomes and the audit
``resource_type``. Subjects are
``inferadb.events.<source>.<type>`` — never an id or a secret in a subject.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from inferadb_common.events.payload import EventPayload
from inferadb_common.events.payloads import auth, clients, organizations, teams, tokens, vaults

EVENTS_SUBJECT_PREFIX = "inferadb.events"


@dataclass(frozen=True, slots=True)
class EventSpec:
    type: str
    source: str
    audit_type: str
    resource_type: str
    payload: builtins.type[EventPayload]  # the field named type shadows the builtin here

    @property
    def subject(self) -> str:
        return f"{EVENTS_SUBJECT_PREFIX}.{self.source}.{self.type}"


def _spec(payload: type[EventPayload], source: str, audit_type: str, resource_type: str) -> EventSpec:
    return EventSpec(payload.event_type, source, audit_type, resource_type, payload)


_ENTRIES = [
    # auth
    _spec(auth.UserRegistered, "auth", "user_registered", "user"),
    _spec(auth.UserLogin, "auth", "user_login", "session"),
    _spec(auth.UserLoginFailed, "auth", "user_login_failed", "user"),
    _spec(auth.UserLogout, "auth", "user_logout", "session"),
    _spec(auth.SessionRevoked, "auth", "user_session_revoked", "session"),
    _spec(auth.UserUpdated, "auth", "user_updated", "user"),
    _spec(auth.UserDeleted, "auth", "user_deleted", "user"),
    _spec(auth.EmailAdded, "auth", "user_email_added", "email"),
    _spec(auth.EmailVerified, "auth", "user_email_verified", "email"),
    _spec(auth.EmailRemoved, "auth", "user_email_removed", "email"),
    _spec(auth.EmailPrimaryChanged, "auth", "user_email_primary_changed", "email"),
    _spec(auth.PasswordChanged, "auth", "password_changed", "user"),
    _spec(auth.PasswordResetRequested, "auth", "password_reset_requested", "user"),
    _spec(auth.PasswordResetCompleted, "auth", "password_reset_completed", "user"),
    _spec(auth.RateLimitExceeded, "auth", "rate_limit_exceeded", "user"),
    _spec(auth.MfaEnabled, "auth", "mfa_enabled", "user"),
    _spec(auth.MfaDisabled, "auth", "mfa_disabled", "user"),
    _spec(auth.MfaLoginFailed, "auth", "mfa_login_failed", "user"),
    _spec(auth.RecoveryCodesRegenerated, "auth", "recovery_codes_regenerated", "user"),
    _spec(auth.RecoveryCodeUsed, "auth", "recovery_code_used", "user"),
    _spec(auth.PasskeyAdded, "auth", "passkey_added", "user"),
    _spec(auth.PasskeyRemoved, "auth", "passkey_removed", "user"),
    _spec(auth.PasskeyFlagged, "auth", "passkey_flagged", "user"),
    _spec(auth.UserReauthenticated, "auth", "user_reauthenticated", "user"),
    # orgs: organizations and members
    _spec(organizations.OrganizationCreated, "orgs", "organization_created", "organization"),
    _spec(organizations.OrganizationUpdated, "orgs", "organization_updated", "organization"),
    _spec(organizations.OrganizationDeleted, "orgs", "organization_deleted", "organization"),
    _spec(organizations.OrganizationSuspended, "orgs", "organization_suspended", "organization"),
    _spec(organizations.OrganizationResumed, "orgs", "organization_resumed", "organization"),
    _spec(organizations.MemberAdded, "orgs", "organization_member_added", "organization_member"),
    _spec(organizations.MemberRoleChanged, "orgs", "organization_member_role_changed", "organization_member"),
    _spec(organizations.MemberRemoved, "orgs", "organization_member_removed", "organization_member"),
    _spec(organizations.OrganizationOwnershipTransferred, "orgs", "organization_ownership_transferred", "organization"),
    _spec(organizations.InvitationCreated, "orgs", "invitation_created", "invitation"),
    _spec(organizations.InvitationRevoked, "orgs", "invitation_revoked", "invitation"),
    _spec(organizations.InvitationAccepted, "orgs", "invitation_accepted", "invitation"),
    _spec(organizations.InvitationDeclined, "orgs", "invitation_declined", "invitation"),
    # orgs: teams
    _spec(teams.TeamCreated, "orgs", "team_created", "team"),
    _spec(teams.TeamUpdated, "orgs", "team_updated", "team"),
    _spec(teams.TeamDeleted, "orgs", "team_deleted", "team"),
    _spec(teams.TeamMemberAdded, "orgs", "team_member_added", "team_member"),
    _spec(teams.TeamMemberUpdated, "orgs", "team_member_updated", "team_member"),
    _spec(teams.TeamMemberRemoved, "orgs", "team_member_removed", "team_member"),
    _spec(teams.TeamPermissionGranted, "orgs", "team_permission_granted", "team_permission"),
    _spec(teams.TeamPermissionRevoked, "orgs", "team_permission_revoked", "team_permission"),
    # orgs: vaults and grants
    _spec(vaults.VaultCreated, "orgs", "vault_created", "vault"),
    _spec(vaults.VaultUpdated, "orgs", "vault_updated", "vault"),
    _spec(vaults.VaultDeleted, "orgs", "vault_deleted", "vault"),
    _spec(vaults.VaultSynced, "orgs", "vault_synced", "vault"),
    _spec(vaults.VaultSyncFailed, "orgs", "vault_sync_failed", "vault"),
    _spec(vaults.VaultUserGrantCreated, "orgs", "vault_access_granted", "vault_grant"),
    _spec(vaults.VaultUserGrantUpdated, "orgs", "vault_access_updated", "vault_grant"),
    _spec(vaults.VaultUserGrantDeleted, "orgs", "vault_access_revoked", "vault_grant"),
    _spec(vaults.VaultTeamGrantCreated, "orgs", "vault_team_access_granted", "vault_grant"),
    _spec(vaults.VaultTeamGrantUpdated, "orgs", "vault_team_access_updated", "vault_grant"),
    _spec(vaults.VaultTeamGrantDeleted, "orgs", "vault_team_access_revoked", "vault_grant"),
    # orgs: clients, certificates, tokens
    _spec(clients.ClientCreated, "orgs", "client_created", "client"),
    _spec(clients.ClientUpdated, "orgs", "client_updated", "client"),
    _spec(clients.ClientDeleted, "orgs", "client_deleted", "client"),
    _spec(clients.CertificateCreated, "orgs", "client_certificate_created", "client_certificate"),
    _spec(clients.CertificateRevoked, "orgs", "client_certificate_revoked", "client_certificate"),
    _spec(clients.CertificateDeleted, "orgs", "client_certificate_deleted", "client_certificate"),
    _spec(tokens.VaultTokenGenerated, "orgs", "vault_token_generated", "refresh_token"),
    _spec(tokens.VaultTokenRefreshed, "orgs", "vault_token_refreshed", "refresh_token"),
    _spec(tokens.RefreshTokensRevoked, "orgs", "refresh_tokens_revoked", "refresh_token"),
    _spec(tokens.RefreshTokenReused, "orgs", "refresh_token_reused", "refresh_token"),
    _spec(tokens.ClientAssertionRejected, "orgs", "client_assertion_rejected", "client"),
    _spec(tokens.TokenRateLimitExceeded, "orgs", "rate_limit_exceeded", "organization"),
]

CATALOG: dict[str, EventSpec] = {entry.type: entry for entry in _ENTRIES}


class UnknownEventType(KeyError):
    pass


def spec_for(event_type: str) -> EventSpec:
    try:
        return CATALOG[event_type]
    except KeyError as exc:
        raise UnknownEventType(event_type) from exc
