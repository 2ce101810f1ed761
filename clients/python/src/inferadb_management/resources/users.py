"""``client.users``: the signed-in user, addresses, sessions, received invitations, own audit log (api.md §2,
§3, §7) and second factors and passkeys (§10)."""

from __future__ import annotations

from typing import Any

from inferadb_management.models import (
    AcceptedOut,
    AuditLogOut,
    AuditLogsOut,
    AuthRevokedOut,
    EmailEnvelope,
    EmailOut,
    EmailsOut,
    MessageOut,
    MfaStatusOut,
    OptionsOut,
    OrganizationEnvelope,
    OrganizationOut,
    PasskeyEnvelope,
    PasskeyOut,
    PasskeysOut,
    ReceivedInvitationOut,
    ReceivedInvitationsPage,
    RecoveryCodesOut,
    SessionOut,
    SessionsOut,
    TotpEnrolmentOut,
    UserEnvelope,
    UserOut,
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
from inferadb_management.resources.audit import AuditFilters, audit_query


class Users(Resource[R]):
    @operation("GET", "/v1/users/me")
    def me(self) -> Call[UserOut]:
        return Call(inner(UserEnvelope, lambda envelope: envelope.user))

    @operation("PATCH", "/v1/users/me")
    def update_me(self, name: str | None = None, accept_tos: bool | None = None) -> Call[UserOut]:
        body = {k: v for k, v in (("name", name), ("accept_tos", accept_tos)) if v is not None}
        return Call(inner(UserEnvelope, lambda envelope: envelope.user), json=body)

    @operation("DELETE", "/v1/users/me")
    def delete_me(self) -> Call[MessageOut]:
        """Delete the account (the client forgets the session)."""
        return Call(parser(MessageOut), session="clear")

    @operation("POST", "/v1/users/me/password")
    def change_password(self, current_password: str, new_password: str) -> Call[MessageOut]:
        body = {"current_password": current_password, "new_password": new_password}
        return Call(parser(MessageOut), json=body)

    # -- addresses

    @operation("GET", "/v1/users/emails")
    def list_emails(self) -> Call[list[EmailOut]]:
        return Call(inner(EmailsOut, lambda page: page.emails))

    @operation("POST", "/v1/users/emails")
    def add_email(self, email: str) -> Call[EmailOut]:
        return Call(inner(EmailEnvelope, lambda envelope: envelope.email), json={"email": email})

    @operation("PATCH", "/v1/users/emails/{email}")
    def make_primary_email(self, email: Id) -> Call[EmailOut]:
        """Make a verified address the primary one (the old primary is demoted)."""
        return Call(
            inner(EmailEnvelope, lambda envelope: envelope.email), path={"email": email}, json={"is_primary": True}
        )

    @operation("DELETE", "/v1/users/emails/{email}")
    def delete_email(self, email: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"email": email})

    @operation("POST", "/v1/users/emails/{email}/resend-verification")
    def resend_email_verification(self, email: Id) -> Call[AcceptedOut]:
        return Call(parser(AcceptedOut), path={"email": email})

    # -- sessions

    @operation("GET", "/v1/users/sessions")
    def list_sessions(self) -> Call[list[SessionOut]]:
        """Newest activity first; ``current`` marks this client's."""
        return Call(inner(SessionsOut, lambda page: page.sessions))

    @operation("DELETE", "/v1/users/sessions/{session}")
    def delete_session(self, session: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"session": session})

    @operation("POST", "/v1/users/sessions/revoke-others")
    def revoke_other_sessions(self) -> Call[AuthRevokedOut]:
        return Call(parser(AuthRevokedOut))

    # -- invitations received

    @operation("GET", "/v1/users/me/invitations")
    def list_invitations(
        self, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[ReceivedInvitationsPage]:
        """Pending invitations to the user's verified addresses."""
        return Call(parser(ReceivedInvitationsPage), query=page_query(limit, offset, cursor))

    @paginated("GET", "/v1/users/me/invitations")
    def iter_invitations(self, limit: int | None = None) -> PageCall[ReceivedInvitationOut]:
        call = Call(parser(ReceivedInvitationsPage), query=page_query(limit, None, None))
        return PageCall(call, items_of(ReceivedInvitationsPage, lambda page: page.invitations))

    @operation("POST", "/v1/users/me/invitations/{invitation}/accept")
    def accept_invitation(self, invitation: Id) -> Call[OrganizationOut]:
        """Join the organization; returns it."""
        return Call(inner(OrganizationEnvelope, lambda e: e.organization), path={"invitation": invitation})

    @operation("POST", "/v1/users/me/invitations/{invitation}/decline")
    def decline_invitation(self, invitation: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"invitation": invitation})

    # -- own audit log

    @operation("GET", "/v1/users/me/audit-logs")
    def audit_logs(
        self, filters: AuditFilters | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Call[AuditLogsOut]:
        """The user's own security events, newest first."""
        return Call(parser(AuditLogsOut), query=audit_query(filters, limit=limit, cursor=cursor))

    @paginated("GET", "/v1/users/me/audit-logs")
    def iter_audit_logs(self, filters: AuditFilters | None = None, limit: int | None = None) -> PageCall[AuditLogOut]:
        call = Call(parser(AuditLogsOut), query=audit_query(filters, limit=limit))
        return PageCall(call, items_of(AuditLogsOut, lambda page: page.audit_logs))

    # -- second factors and passkeys (§10)

    @operation("GET", "/v1/users/me/mfa")
    def mfa_status(self) -> Call[MfaStatusOut]:
        """Whether TOTP is on, how many passkeys the user has (a count: :meth:`list_passkeys` lists them)
        and how many unused recovery codes are left."""
        return Call(parser(MfaStatusOut))

    @operation("POST", "/v1/users/me/mfa/totp")
    def start_totp(self) -> Call[TotpEnrolmentOut]:
        """Start TOTP enrolment (needs a recent session); nothing changes until :meth:`confirm_totp`."""
        return Call(parser(TotpEnrolmentOut))

    @operation("POST", "/v1/users/me/mfa/totp/confirm")
    def confirm_totp(self, code: str) -> Call[RecoveryCodesOut]:
        """Turn TOTP on with a first code; the recovery codes are shown this once."""
        return Call(parser(RecoveryCodesOut), json={"code": code})

    @operation("DELETE", "/v1/users/me/mfa/totp")
    def disable_totp(self) -> Call[MessageOut]:
        """Turn TOTP off (needs a recent session); the recovery codes go with it."""
        return Call(parser(MessageOut))

    @operation("POST", "/v1/users/me/mfa/recovery-codes")
    def regenerate_recovery_codes(self) -> Call[RecoveryCodesOut]:
        """A new set of recovery codes (the old set stops working); 409 when no second factor is on."""
        return Call(parser(RecoveryCodesOut))

    @operation("POST", "/v1/users/me/passkeys/register/begin")
    def begin_passkey_registration(self, name: str | None = None) -> Call[OptionsOut]:
        """WebAuthn creation options (JSON, base64url fields) for an authenticator to answer."""
        return Call(parser(OptionsOut), json={} if name is None else {"name": name})

    @operation("POST", "/v1/users/me/passkeys/register/finish")
    def finish_passkey_registration(self, credential: dict[str, Any], name: str | None = None) -> Call[PasskeyOut]:
        """Register the credential the authenticator made (JSON form of WebAuthn Level 3)."""
        body: dict[str, Any] = {"credential": credential}
        if name is not None:
            body["name"] = name
        return Call(inner(PasskeyEnvelope, lambda envelope: envelope.passkey), json=body)

    @operation("GET", "/v1/users/me/passkeys")
    def list_passkeys(self) -> Call[list[PasskeyOut]]:
        return Call(inner(PasskeysOut, lambda page: page.passkeys))

    @operation("DELETE", "/v1/users/me/passkeys/{passkey}")
    def delete_passkey(self, passkey: Id) -> Call[MessageOut]:
        """Remove a passkey (needs a recent session)."""
        return Call(parser(MessageOut), path={"passkey": passkey})
