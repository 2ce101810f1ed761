"""CLI login: request and response models (RFC 7636 §4.1-4.2 bounds)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from inferadb_auth.sessions.schemas import SessionOut
from inferadb_common.wire import RequestModel, ResponseModel

# Verifier: 43-128 unreserved characters; an S256 challenge is 43 base64url characters.
_UNRESERVED = r"^[A-Za-z0-9\-._~]+$"


class AuthorizeIn(RequestModel):
    code_challenge: str = Field(min_length=43, max_length=128, pattern=r"^[A-Za-z0-9\-_]+$")
    code_challenge_method: Literal["S256"]


class AuthorizeOut(ResponseModel):
    code: str
    expires_in: int


class TokenIn(RequestModel):
    code: str = Field(min_length=1, max_length=256)
    code_verifier: str = Field(min_length=43, max_length=128, pattern=_UNRESERVED)


class TokenOut(ResponseModel):
    session_token: str
    session: SessionOut
