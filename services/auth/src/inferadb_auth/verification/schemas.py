"""Email verification: request and response models."""

from __future__ import annotations

from pydantic import Field

from inferadb_common.wire import RequestModel, ResponseModel


class TokenIn(RequestModel):
    token: str = Field(min_length=1, max_length=256)


class AddressIn(RequestModel):
    email: str = Field(max_length=320)


class VerifiedOut(ResponseModel):
    message: str
    email: str


class AcceptedOut(ResponseModel):
    message: str
