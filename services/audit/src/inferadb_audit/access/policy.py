"""The one rule for reading an organization's audit log (api.md §7).

OWNER may read; ADMIN too when ``audit.admins_can_read``. Anyone else who is a member gets 403
``Insufficient permissions``; a non-member gets 404 ``Organization not found`` (no existence leak).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_audit.access import repository as repo
from inferadb_audit.access.projection import ADMIN, OWNER
from inferadb_audit.errors import OrganizationNotFound
from inferadb_common.config import AuditConfig
from inferadb_common.errors import Forbidden


def reader_roles(config: AuditConfig) -> frozenset[str]:
    return frozenset({OWNER, ADMIN}) if config.admins_can_read else frozenset({OWNER})


async def ensure_can_read_organization_log(
    db: AsyncSession, config: AuditConfig, organization_id: int, user_id: int
) -> None:
    role = await repo.role_of(db, organization_id, user_id)
    if role is None:
        raise OrganizationNotFound()
    if role not in reader_roles(config):
        raise Forbidden()
