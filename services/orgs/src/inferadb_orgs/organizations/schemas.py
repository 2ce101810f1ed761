"""Request and response models of the organization routes (api.md §3)."""

from __future__ import annotations

from typing import Any

from inferadb_common.wire import IdIn, IdOut, RequestModel, ResponseModel, Timestamp, format_timestamp
from inferadb_orgs.organizations.records import OrganizationWithRole
from inferadb_orgs.schemas import DisplayName, PaginationOut


class OrganizationIn(RequestModel):
    name: DisplayName


class TransferOwnershipIn(RequestModel):
    new_owner_user_id: IdIn


class OrganizationOut(ResponseModel):
    id: IdOut
    name: str
    tier: str
    status: str
    created_at: Timestamp
    updated_at: Timestamp
    role: str

    @classmethod
    def of(cls, row: OrganizationWithRole, role: str | None = None) -> OrganizationOut:
        return cls(
            id=row.id,
            name=row.name,
            tier=row.tier,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            role=role or row.role,
        )


def organization_json(row: OrganizationWithRole) -> dict[str, Any]:
    """``OrganizationOut.of(row)`` in its wire form, built directly."""
    return {
        "id": str(row.id),
        "name": row.name,
        "tier": row.tier,
        "status": row.status,
        "created_at": format_timestamp(row.created_at),
        "updated_at": format_timestamp(row.updated_at),
        "role": row.role,
    }


class OrganizationEnvelope(ResponseModel):
    organization: OrganizationOut


class OrganizationsPage(ResponseModel):
    organizations: list[OrganizationOut]
    pagination: PaginationOut
