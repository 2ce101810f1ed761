"""The frozen event envelope every domain event travels in, and the mail request.

``id`` is unique (a snowflake id as a string) and is used as ``Nats-Msg-Id``; ``type`` names a
catalog entry (``user.registered``); the audit ``event_type`` is derived from it by the catalog.
``data`` is that entry's payload model dumped in JSON mode (:mod:`inferadb_common.events.decode`
turns it back into the model).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(_Frozen):
    user_id: int | None = None
    client_id: int | None = None
    ip_address: str | None = None
    user_agent: str | None = None


class ResourceRef(_Frozen):
    type: str
    id: str | None = None


class EventEnvelope(_Frozen):
    id: str
    type: str
    version: int = 1
    source: str
    time: datetime
    actor: Actor = Field(default_factory=Actor)
    organization_id: int | None = None
    resource: ResourceRef | None = None
    request_id: str | None = None
    data: dict[str, JsonValue] = Field(default_factory=dict)


class MailRequest(_Frozen):
    """A request to send one templated mail. It carries a secret link, so it rides only on the
    mail work-queue stream (read by the mailer alone) and never on the event stream."""

    id: str
    template: str
    to: str
    time: datetime
    request_id: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)
