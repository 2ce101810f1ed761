"""The base of every event payload: the typed ``data`` of one catalog event.

A payload model names its event ``type`` (a ClassVar, not a field) and holds exactly the keys its
producers put in the envelope's ``data``. On the wire it is the model dumped in JSON mode with the
keys a producer left out (``None``) omitted, so the envelope keeps the shape it always had.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, JsonValue, PlainSerializer

# An id that travels as a decimal string in ``data`` (as producers always wrote it) but is an int
# in the model: "42" decodes to 42 and 42 encodes to "42".
IdStr = Annotated[int, PlainSerializer(str, return_type=str, when_used="json")]


class EventPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]

    def to_data(self) -> dict[str, JsonValue]:
        """The envelope's ``data``: JSON values, the keys left unset omitted."""
        return self.model_dump(mode="json", exclude_none=True)
