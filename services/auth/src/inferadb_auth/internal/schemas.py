"""Internal routes' request and response models (never in the public API)."""

from __future__ import annotations

from pydantic import Field

from inferadb_common.wire import IdIn, RequestModel, ResponseModel


class IntrospectIn(RequestModel):
    token_hash: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")


class IntrospectOut(ResponseModel):
    user_id: str
    session_id: str
    session_type: str
    expires_at: float
    authenticated_at: float  # last sign-in or re-authentication (api.md §10's recent-session rule)


class SessionStatusIn(RequestModel):
    session_id: IdIn


class SessionStatusOut(ResponseModel):
    active: bool


class UserIn(RequestModel):
    user_id: IdIn


class VerifiedEmailsOut(ResponseModel):
    emails: list[str]
