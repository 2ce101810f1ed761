"""The caller's email addresses: request and response models (api.md §2)."""

from __future__ import annotations

from inferadb_auth.emails.repository import EmailRecord
from inferadb_common.wire import EmailAddress, IdOut, RequestModel, ResponseModel, Timestamp


class EmailOut(ResponseModel):
    id: IdOut
    email: str
    is_primary: bool
    is_verified: bool
    created_at: Timestamp
    verified_at: Timestamp | None

    @classmethod
    def of(cls, email: EmailRecord) -> EmailOut:
        return cls(
            id=email.id,
            email=email.email,
            is_primary=email.is_primary,
            is_verified=email.verified_at is not None,
            created_at=email.created_at,
            verified_at=email.verified_at,
        )


class EmailsOut(ResponseModel):
    emails: list[EmailOut]


class EmailEnvelope(ResponseModel):
    email: EmailOut


class AddEmailIn(RequestModel):
    email: EmailAddress


class UpdateEmailIn(RequestModel):
    is_primary: bool
