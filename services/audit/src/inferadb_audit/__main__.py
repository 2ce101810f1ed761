"""``inferadb-audit``: the audit writer, the audit-log query API and the retention job.

One process runs the HTTP app and background workers: the audit writer (every event → one
row), the organization-role projection (orgs' member events → who may read which log) and the
retention job.
"""

from __future__ import annotations

from pathlib import Path

from inferadb_audit.access.projection import organization_roles_consumers
from inferadb_audit.app import build_app
from inferadb_audit.retention.worker import RetentionWorker
from inferadb_audit.state import AuditState
from inferadb_audit.tables import metadata
from inferadb_audit.writer import audit_writer
from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run


async def _configure(ctx: ServiceContext) -> AuditState:
    ctx.workers.append(audit_writer(ctx.bus, ctx.database))
    ctx.workers.extend(organization_roles_consumers(ctx.bus, ctx.database))
    ctx.workers.append(RetentionWorker(ctx.database, ctx.settings))
    return AuditState(settings=ctx.settings, db=ctx.database)


DEFINITION = ServiceDefinition(
    name="audit",
    description="Audit log writer and query API",
    build_app=build_app,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    configure=_configure,
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
