"""``POST /v1/auth/reauthenticate``: one factor in, the end of the recent window out."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from inferadb_auth.login.schemas import SecondFactorIn
from inferadb_common.errors import ValidationFailed
from inferadb_common.wire import ResponseModel, Timestamp


class ReauthenticateIn(SecondFactorIn):
    """Exactly one of ``password``, ``code``, ``recovery_code`` or ``{challenge_id, credential}``."""

    password: str | None = Field(default=None, max_length=1024)
    challenge_id: Any = None  # checked with the credential: anything malformed is INVALID_PASSKEY
    credential: Any = None

    def one_proof(self) -> None:
        given = [
            self.password is not None,
            self.code is not None,
            self.recovery_code is not None,
            self.challenge_id is not None or self.credential is not None,
        ]
        if sum(given) != 1:
            raise ValidationFailed(
                details={"password": "Give one of password, code, recovery_code or challenge_id with credential"}
            )
        if (self.challenge_id is None) != (self.credential is None):
            raise ValidationFailed(details={"credential": "A passkey needs both challenge_id and credential"})


class ReauthenticatedOut(ResponseModel):
    reauthenticated_until: Timestamp
