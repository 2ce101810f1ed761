"""The base of every event payload: the typed ``data`` of one catalog event.

A payload model names its event ``type`` (a ClassVar, not a field) and holds exactly the keys its
producers put in the envelope's ``data``. On the wire it is the model dumped in JSON mode, so the
envelope keeps the shape it always had:

* a required field is always written (``None`` as ``null``: e.g. a rejected assertion without a kid);
* an optional field (default ``None``) is a key producers sometimes leave out: it is written only
  when it has a value, or, if it is :data:`Nullable`, when the producer set it (``null`` included:
  ``{"description": null}`` clears a description, an absent ``description`` leaves it alone).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue, PlainSerializer, SerializerFunctionWrapHandler, model_serializer

T = TypeVar("T")


class _KeepNull:
    """Marks an optional field whose explicit ``null`` is a value (see :data:`Nullable`)."""


KEEP_NULL = _KeepNull()

# An optional key whose ``null`` means something: written whenever the producer set it.
Nullable = Annotated[T | None, KEEP_NULL]

# An id that travels as a decimal string in ``data`` (as producers always wrote it) but is an int
# in the model: "42" decodes to 42 and 42 encodes to "42".
IdStr = Annotated[int, PlainSerializer(str, return_type=str, when_used="json")]


class EventPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, JsonValue]:
        data: dict[str, JsonValue] = handler(self)
        fields = type(self).model_fields
        return {
            name: value
            for name, value in data.items()
            if value is not None
            or fields[name].is_required()
            or (KEEP_NULL in fields[name].metadata and name in self.model_fields_set)
        }

    def to_data(self) -> dict[str, JsonValue]:
        """The envelope's ``data``."""
        return self.model_dump(mode="json")
