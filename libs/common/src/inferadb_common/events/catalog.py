"""The event catalog: the only contract between services about what happened.

Each entry names the event ``type`` (``<aggregate>.<verb>``), the producing service, the audit
``event_type`` it becomes and the audit ``resource_type``. Subjects are
``inferadb.events.<source>.<type>`` — never an id or a secret in a subject.
"""

from __future__ import annotations

from dataclasses import dataclass

EVENTS_SUBJECT_PREFIX = "inferadb.events"


@dataclass(frozen=True, slots=True)
class EventSpec:
    type: str
    source: str
    audit_type: str
    resource_type: str

    @property
    def subject(self) -> str:
        return f"{EVENTS_SUBJECT_PREFIX}.{self.source}.{self.type}"


def _spec(type_: str, source: str, audit_type: str, resource_type: str) -> EventSpec:
    return EventSpec(type_, source, audit_type, resource_type)


_ENTRIES = [
    # auth
    _spec("user.registered", "auth", "user_registered", "user"),
    _spec("user.login", "auth", "user_login", "session"),
    _spec("user.login_failed", "auth", "user_login_failed", "user"),
    _spec("user.logout", "auth", "user_logout", "session"),
    _spec("session.revoked", "auth", "user_session_revoked", "session"),
    _spec("user.updated", "auth", "user_updated", "user"),
    _spec("user.deleted", "auth", "user_deleted", "user"),
    _spec("email.added", "auth", "user_email_added", "email"),
    _spec("email.verified", "auth", "user_email_verified", "email"),
    _spec("email.removed", "auth", "user_email_removed", "email"),
    _spec("email.primary_changed", "auth", "user_email_primary_changed", "email"),
    _spec("password.changed", "auth", "password_changed", "user"),
    _spec("password.reset_requested", "auth", "password_reset_requested", "user"),
    _spec("password.reset_completed", "auth", "password_reset_completed", "user"),
    _spec("rate_limit.exceeded", "auth", "rate_limit_exceeded", "user"),
    # orgs: organizations and members
    _spec("organization.created", "orgs", "organization_created", "organization"),
    _spec("organization.updated", "orgs", "organization_updated", "organization"),
    _spec("organization.deleted", "orgs", "organization_deleted", "organization"),
    _spec("organization.suspended", "orgs", "organization_suspended", "organization"),
    _spec("organization.resumed", "orgs", "organization_resumed", "organization"),
    _spec("member.added", "orgs", "organization_member_added", "organization_member"),
    _spec("member.role_changed", "orgs", "organization_member_role_changed", "organization_member"),
    _spec("member.removed", "orgs", "organization_member_removed", "organization_member"),
    _spec("organization.ownership_transferred", "orgs", "organization_ownership_transferred", "organization"),
    _spec("invitation.created", "orgs", "invitation_created", "invitation"),
    _spec("invitation.revoked", "orgs", "invitation_revoked", "invitation"),
    _spec("invitation.accepted", "orgs", "invitation_accepted", "invitation"),
    _spec("invitation.declined", "orgs", "invitation_declined", "invitation"),
    # orgs: teams
    _spec("team.created", "orgs", "team_created", "team"),
    _spec("team.updated", "orgs", "team_updated", "team"),
    _spec("team.deleted", "orgs", "team_deleted", "team"),
    _spec("team_member.added", "orgs", "team_member_added", "team_member"),
    _spec("team_member.updated", "orgs", "team_member_updated", "team_member"),
    _spec("team_member.removed", "orgs", "team_member_removed", "team_member"),
    _spec("team_permission.granted", "orgs", "team_permission_granted", "team_permission"),
    _spec("team_permission.revoked", "orgs", "team_permission_revoked", "team_permission"),
    # orgs: vaults and grants
    _spec("vault.created", "orgs", "vault_created", "vault"),
    _spec("vault.updated", "orgs", "vault_updated", "vault"),
    _spec("vault.deleted", "orgs", "vault_deleted", "vault"),
    _spec("vault_user_grant.created", "orgs", "vault_access_granted", "vault_grant"),
    _spec("vault_user_grant.updated", "orgs", "vault_access_updated", "vault_grant"),
    _spec("vault_user_grant.deleted", "orgs", "vault_access_revoked", "vault_grant"),
    _spec("vault_team_grant.created", "orgs", "vault_team_access_granted", "vault_grant"),
    _spec("vault_team_grant.updated", "orgs", "vault_team_access_updated", "vault_grant"),
    _spec("vault_team_grant.deleted", "orgs", "vault_team_access_revoked", "vault_grant"),
    # orgs: clients, certificates, tokens
    _spec("client.created", "orgs", "client_created", "client"),
    _spec("client.updated", "orgs", "client_updated", "client"),
    _spec("client.deleted", "orgs", "client_deleted", "client"),
    _spec("certificate.created", "orgs", "client_certificate_created", "client_certificate"),
    _spec("certificate.revoked", "orgs", "client_certificate_revoked", "client_certificate"),
    _spec("certificate.deleted", "orgs", "client_certificate_deleted", "client_certificate"),
    _spec("vault_token.generated", "orgs", "vault_token_generated", "refresh_token"),
    _spec("vault_token.refreshed", "orgs", "vault_token_refreshed", "refresh_token"),
    _spec("refresh_tokens.revoked", "orgs", "refresh_tokens_revoked", "refresh_token"),
    _spec("refresh_token.reused", "orgs", "refresh_token_reused", "refresh_token"),
    _spec("client_assertion.rejected", "orgs", "client_assertion_rejected", "client"),
    _spec("rate_limit.exceeded_orgs", "orgs", "rate_limit_exceeded", "organization"),
]

CATALOG: dict[str, EventSpec] = {entry.type: entry for entry in _ENTRIES}


class UnknownEventType(KeyError):
    pass


def spec_for(event_type: str) -> EventSpec:
    try:
        return CATALOG[event_type]
    except KeyError as exc:
        raise UnknownEventType(event_type) from exc
