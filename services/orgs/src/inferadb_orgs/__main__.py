"""``inferadb-orgs``: organizations, teams, vaults, clients and tokens."""

from __future__ import annotations

from pathlib import Path

from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run
from inferadb_orgs.app import build_app
from inferadb_orgs.directory.consumer import directory_consumer
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tables import metadata


async def _configure(ctx: ServiceContext) -> None:
    assert ctx.outbox is not None
    ctx.extras["orgs"] = OrgsState(settings=ctx.settings, db=ctx.database, outbox=ctx.outbox)
    default_tier = ctx.settings.organizations.default_tier
    ctx.workers.append(directory_consumer(ctx.bus, ctx.database, ctx.outbox, default_tier))


DEFINITION = ServiceDefinition(
    name="orgs",
    description="Organizations, teams, vaults, clients and tokens",
    build_app=build_app,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    outbox_table_name="outbox",
    configure=_configure,
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
