"""``POST /v1/auth/register``: request and response models."""

from __future__ import annotations

from pydantic import Field

from inferadb_auth.sessions.schemas import SessionOut
from inferadb_auth.users.schemas import UserOut
from inferadb_common.wire import EmailAddress, IdOut, PersonName, RequestModel, ResponseModel


class RegisterIn(RequestModel):
    name: PersonName
    email: EmailAddress
    password: str = Field(max_length=1024)


class RegisterOut(ResponseModel):
    user: UserOut
    default_organization_id: IdOut
    email_verification_required: bool


class RegisterWithSessionOut(RegisterOut):
    """When email verification is off, registration also signs the user in."""

    session: SessionOut
