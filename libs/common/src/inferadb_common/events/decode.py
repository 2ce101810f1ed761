"""From an envelope back to its typed payload, through the catalog."""

from __future__ import annotations

from typing import TypeVar

from inferadb_common.events.catalog import spec_for
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.payload import EventPayload

P = TypeVar("P", bound=EventPayload)


class PayloadMismatch(TypeError):
    """The envelope's type names another payload model than the one asked for."""


def decode_payload(envelope: EventEnvelope) -> EventPayload:
    """The envelope's ``data`` as the payload model its catalog entry names (a ``ValidationError``
    if it does not fit, :class:`~inferadb_common.events.catalog.UnknownEventType` if no entry does)."""
    return spec_for(envelope.type).payload.model_validate(envelope.data)


def payload_as(envelope: EventEnvelope, model: type[P]) -> P:
    """The envelope's payload, which must be a ``model``."""
    payload = decode_payload(envelope)
    if not isinstance(payload, model):
        raise PayloadMismatch(f"{envelope.type} {envelope.id} carries {type(payload).__name__}, not {model.__name__}")
    return payload
