"""What the audit routes depend on, built once at start-up and reached through ``AuditDep``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from inferadb_common.config import Settings
from inferadb_common.db import Database
from inferadb_common.identity import Identity


@dataclass(frozen=True)
class AuditState:
    settings: Settings
    db: Database


async def get_audit_state(request: Request) -> AuditState:
    state: AuditState = request.app.state.audit
    return state


AuditDep = Annotated[AuditState, Depends(get_audit_state)]


def caller_id(identity: Identity) -> int:
    assert identity.user_id is not None, "AuthenticatedDep guarantees a user"
    return identity.user_id
