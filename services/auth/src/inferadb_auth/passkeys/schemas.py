"""Passkey request and response models (api.md §10). Credentials are taken as any JSON and checked by
the service, so a malformed one is 400 ``INVALID_PASSKEY`` rather than a validation error."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from inferadb_auth.passkeys.repository import PasskeyRecord
from inferadb_common.wire import IdOut, RequestModel, ResponseModel, Timestamp


class RegisterBeginIn(RequestModel):
    name: str | None = Field(default=None, max_length=1000)


class OptionsOut(ResponseModel):
    options: dict[str, Any]


class RegisterFinishIn(RequestModel):
    credential: Any = None
    name: str | None = Field(default=None, max_length=1000)


class PasskeyOut(ResponseModel):
    id: IdOut
    name: str
    created_at: Timestamp
    last_used_at: Timestamp | None

    @classmethod
    def of(cls, passkey: PasskeyRecord) -> PasskeyOut:
        return cls(id=passkey.id, name=passkey.name, created_at=passkey.created_at, last_used_at=passkey.last_used_at)


class PasskeyEnvelope(ResponseModel):
    passkey: PasskeyOut


class PasskeysOut(ResponseModel):
    passkeys: list[PasskeyOut]


class SignInBeginIn(RequestModel):
    email: str | None = Field(default=None, max_length=320)


class SignInOptionsOut(ResponseModel):
    options: dict[str, Any]
    challenge_id: IdOut


class SignInFinishIn(RequestModel):
    challenge_id: Any = None
    credential: Any = None
    session_type: Literal["web", "cli", "sdk"] = "web"
