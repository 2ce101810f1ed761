"""Request and response models of the client routes (api.md §6)."""

from __future__ import annotations

from inferadb_common.wire import IdOut, RequestModel, ResponseModel, Timestamp
from inferadb_orgs.schemas import Description, DisplayName, PaginationOut


class ClientIn(RequestModel):
    name: DisplayName
    description: Description = None


class ClientUpdateIn(RequestModel):
    name: DisplayName | None = None
    description: Description = None


class ClientOut(ResponseModel):
    id: IdOut
    name: str
    description: str | None
    organization_id: IdOut
    is_active: bool
    created_at: Timestamp
    updated_at: Timestamp


class ClientEnvelope(ResponseModel):
    client: ClientOut


class ClientsPage(ResponseModel):
    clients: list[ClientOut]
    pagination: PaginationOut
