"""Response models shared across the auth routes (api.md §2); each domain's own live in its ``schemas``."""

from __future__ import annotations

from inferadb_common.wire import ResponseModel


class MessageOut(ResponseModel):
    message: str
