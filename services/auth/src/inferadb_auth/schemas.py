"""Response models shared across the auth routes (api.md §2)."""

from __future__ import annotations

from datetime import datetime

from inferadb_common.wire import IdOut, ResponseModel, Timestamp


class UserOut(ResponseModel):
    id: IdOut
    name: str
    email: str | None
    email_verified: bool
    created_at: Timestamp
    tos_accepted_at: Timestamp | None


class SessionOut(ResponseModel):
    id: IdOut
    session_type: str
    created_at: Timestamp
    expires_at: Timestamp
    last_activity_at: Timestamp
    ip_address: str | None
    user_agent: str | None
    current: bool = False


class EmailOut(ResponseModel):
    id: IdOut
    email: str
    is_primary: bool
    is_verified: bool
    created_at: Timestamp
    verified_at: Timestamp | None


class MessageOut(ResponseModel):
    message: str


def is_verified(verified_at: datetime | None) -> bool:
    return verified_at is not None
