"""Response bodies of the internal API (engine.md E2)."""

from __future__ import annotations

from typing import Literal

from inferadb_common.wire import IdOut, ResponseModel, Timestamp


class EngineOrganizationOut(ResponseModel):
    id: IdOut
    name: str
    status: Literal["active", "suspended", "deleted"]


class EngineVaultOut(ResponseModel):
    id: IdOut
    name: str
    organization_id: IdOut
    sync_status: str
    sync_error: str | None
    created_at: Timestamp
    updated_at: Timestamp
    deleted_at: Timestamp | None


class EngineHealthOut(ResponseModel):
    status: str
