"""Which engine cache entries a domain event makes stale: engine.md E3's table, one
:class:`Invalidation` per request every engine must receive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.payload import EventPayload
from inferadb_common.events.payloads.clients import CertificateDeleted, CertificateRevoked, ClientDeleted, ClientUpdated
from inferadb_common.events.payloads.organizations import (
    OrganizationDeleted,
    OrganizationResumed,
    OrganizationSuspended,
)
from inferadb_common.events.payloads.vaults import VaultCreated, VaultDeleted, VaultUpdated

PREFIX = "/internal/cache/invalidate"


class Kind(StrEnum):
    """What an engine drops (the ``kind`` label of the webhook metrics)."""

    VAULT = "vault"
    ORGANIZATION = "organization"
    CERTIFICATE = "certificate"


@dataclass(frozen=True, slots=True)
class Invalidation:
    kind: Kind
    path: str
    # The vault whose sync_status waits on this request being acknowledged (a created vault, E4).
    sync_vault_id: int | None = None


def vault(vault_id: int, *, sync: bool = False) -> Invalidation:
    return Invalidation(Kind.VAULT, f"{PREFIX}/vault/{vault_id}", vault_id if sync else None)


def organization(organization_id: int) -> Invalidation:
    return Invalidation(Kind.ORGANIZATION, f"{PREFIX}/organization/{organization_id}")


def certificate(organization_id: int, client_id: int, certificate_id: int) -> Invalidation:
    return Invalidation(Kind.CERTIFICATE, f"{PREFIX}/certificate/{organization_id}/{client_id}/{certificate_id}")


def _resource_id(event: EventEnvelope) -> int:
    assert event.resource is not None and event.resource.id is not None, f"{event.type} {event.id} names no resource"
    return int(event.resource.id)


def _organization_id(event: EventEnvelope) -> int:
    assert event.organization_id is not None, f"{event.type} {event.id} names no organization"
    return event.organization_id


def _of_vault_created(event: EventEnvelope, _: EventPayload) -> list[Invalidation]:
    return [vault(_resource_id(event), sync=True)]


def _of_vault(event: EventEnvelope, _: EventPayload) -> list[Invalidation]:
    return [vault(_resource_id(event))]


def _of_organization(event: EventEnvelope, _: EventPayload) -> list[Invalidation]:
    return [organization(_resource_id(event))]


def _of_certificate(event: EventEnvelope, payload: EventPayload) -> list[Invalidation]:
    assert isinstance(payload, CertificateRevoked | CertificateDeleted)
    return [certificate(_organization_id(event), payload.client_id, _resource_id(event))]


def _of_client(event: EventEnvelope, payload: EventPayload) -> list[Invalidation]:
    """A deactivated or deleted client: each of its certificates (an edit of its name changes nothing)."""
    assert isinstance(payload, ClientUpdated | ClientDeleted)
    if isinstance(payload, ClientUpdated) and payload.is_active is not False:
        return []
    org, client = _organization_id(event), _resource_id(event)
    return [certificate(org, client, cert) for cert in payload.certificate_ids or ()]


RULES: dict[type[EventPayload], Callable[[EventEnvelope, EventPayload], list[Invalidation]]] = {
    VaultCreated: _of_vault_created,
    VaultUpdated: _of_vault,
    VaultDeleted: _of_vault,
    OrganizationSuspended: _of_organization,
    OrganizationResumed: _of_organization,
    OrganizationDeleted: _of_organization,
    CertificateRevoked: _of_certificate,
    CertificateDeleted: _of_certificate,
    ClientUpdated: _of_client,
    ClientDeleted: _of_client,
}
"""The payload models that invalidate something, and what they invalidate."""


def invalidations_of(event: EventEnvelope, payload: EventPayload) -> list[Invalidation]:
    rule = RULES.get(type(payload))
    return [] if rule is None else rule(event, payload)
