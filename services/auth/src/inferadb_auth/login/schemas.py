"""Password sign-in: request and response models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inferadb_auth.sessions.schemas import SessionOut
from inferadb_auth.users.schemas import UserOut
from inferadb_common.wire import RequestModel, ResponseModel


class LoginIn(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    session_type: Literal["web", "cli", "sdk"] = "web"


class LoginOut(ResponseModel):
    user: UserOut
    session: SessionOut
