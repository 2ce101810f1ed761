"""``inferadb-audit``: the audit writer and audit-log query service."""

from __future__ import annotations

from pathlib import Path

from inferadb_audit.app import build_app
from inferadb_audit.tables import metadata
from inferadb_audit.writer import audit_writer
from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run


async def _configure(ctx: ServiceContext) -> None:
    ctx.workers.append(audit_writer(ctx.bus, ctx.database))


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
