"""What orgs' client and client-certificate events carry."""

from __future__ import annotations

from inferadb_common.events.payload import EventPayload, IdStr, Nullable


class ClientCreated(EventPayload):
    event_type = "client.created"
    name: str


class ClientUpdated(EventPayload):
    """An edit (``name``, ``description``) or a deactivation (``is_active`` and what it revoked)."""

    event_type = "client.updated"
    name: str | None = None
    description: Nullable[str] = None
    is_active: bool | None = None
    certificates_revoked: int | None = None
    refresh_tokens_revoked: int | None = None
    # The client's certificates at its deactivation, whose engine caches must drop them (engine.md
    # E3); absent from events written before the engine integration.
    certificate_ids: list[IdStr] | None = None


class ClientDeleted(EventPayload):
    event_type = "client.deleted"
    name: str
    certificates_revoked: int
    refresh_tokens_revoked: int
    certificate_ids: list[IdStr] | None = None  # as in ClientUpdated


class CertificateCreated(EventPayload):
    event_type = "certificate.created"
    client_id: IdStr
    kid: str
    name: str
    generated: bool


class CertificateRevoked(EventPayload):
    event_type = "certificate.revoked"
    client_id: IdStr
    kid: str
    refresh_tokens_revoked: int


class CertificateDeleted(EventPayload):
    event_type = "certificate.deleted"
    client_id: IdStr
    kid: str
    refresh_tokens_revoked: int
