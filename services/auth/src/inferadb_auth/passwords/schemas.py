"""Password reset and change: request models."""

from __future__ import annotations

from pydantic import Field

from inferadb_common.wire import RequestModel


class ResetRequestIn(RequestModel):
    email: str = Field(max_length=320)


class ResetConfirmIn(RequestModel):
    token: str = Field(min_length=1, max_length=256)
    new_password: str = Field(max_length=1024)


class ChangePasswordIn(RequestModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)
