"""Session request and response models (api.md §2)."""

from __future__ import annotations

from inferadb_auth.sessions.repository import SessionRecord
from inferadb_common.wire import IdOut, ResponseModel, Timestamp


class SessionOut(ResponseModel):
    id: IdOut
    session_type: str
    created_at: Timestamp
    expires_at: Timestamp
    last_activity_at: Timestamp
    ip_address: str | None
    user_agent: str | None
    current: bool = False

    @classmethod
    def of(cls, session: SessionRecord, *, current: bool) -> SessionOut:
        return cls(
            id=session.id,
            session_type=session.session_type,
            created_at=session.created_at,
            expires_at=session.expires_at,
            last_activity_at=session.last_activity_at,
            ip_address=session.ip_address,
            user_agent=session.user_agent,
            current=current,
        )


class SessionsOut(ResponseModel):
    sessions: list[SessionOut]


class RevokedOut(ResponseModel):
    revoked: int
