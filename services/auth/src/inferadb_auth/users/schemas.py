"""The signed-in user's request and response models (api.md §2)."""

from __future__ import annotations

from inferadb_auth.users.repository import ProfileRecord
from inferadb_common.wire import IdOut, PersonName, RequestModel, ResponseModel, Timestamp


class UserOut(ResponseModel):
    id: IdOut
    name: str
    email: str | None
    email_verified: bool
    created_at: Timestamp
    tos_accepted_at: Timestamp | None

    @classmethod
    def of(cls, profile: ProfileRecord) -> UserOut:
        return cls(
            id=profile.id,
            name=profile.name,
            email=profile.email,
            email_verified=profile.email is not None and profile.email_verified_at is not None,
            created_at=profile.created_at,
            tos_accepted_at=profile.tos_accepted_at,
        )


class UserEnvelope(ResponseModel):
    user: UserOut


class UpdateMeIn(RequestModel):
    name: PersonName | None = None
    accept_tos: bool | None = None
