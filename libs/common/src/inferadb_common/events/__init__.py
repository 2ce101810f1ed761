"""Events: the envelope, the catalog, the JetStream streams, the outbox and idempotent consumers."""

from inferadb_common.events.catalog import CATALOG, EventSpec, spec_for
from inferadb_common.events.envelope import Actor, EventEnvelope, MailRequest, ResourceRef

__all__ = ["CATALOG", "Actor", "EventEnvelope", "EventSpec", "MailRequest", "ResourceRef", "spec_for"]
