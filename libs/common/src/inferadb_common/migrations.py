"""Alembic per service: start-up revision check, automatic upgrade, and the ``migrate`` command.

Each service keeps ``migrations/`` (``env.py`` calls :func:`run_env`) next to its package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from inferadb_common.db import Database, schema_lock_key
from inferadb_common.db_types import UtcDateTime


class SchemaVersionError(Exception):
    """Rendered as the start-up line ``Incompatible schema version: …``."""


def _alembic_config(script_location: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


def head_revision(script_location: Path) -> str:
    head = ScriptDirectory.from_config(_alembic_config(script_location)).get_current_head()
    assert head is not None, f"no migrations in {script_location}"
    return head


def _known_revisions(script_location: Path) -> set[str]:
    script = ScriptDirectory.from_config(_alembic_config(script_location))
    return {rev.revision for rev in script.walk_revisions()}


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def upgrade(db: Database, script_location: Path) -> None:
    """Upgrade to head in one transaction. On PostgreSQL the transaction first takes the schema's
    advisory lock: of replicas starting together one migrates, the others wait for it and then find
    the schema at head (Alembic reads the version after the lock)."""
    cfg = _alembic_config(script_location)

    def _run(sync: Connection) -> None:
        cfg.attributes["connection"] = sync
        command.upgrade(cfg, "head")

    async with db.engine.begin() as conn:
        if db.schema is not None:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": schema_lock_key(db.schema)})
        await conn.run_sync(_run)


async def ensure_schema(db: Database, script_location: Path, auto_migrate: bool, migrate_command: str) -> str:
    """Bring the schema to head when allowed; otherwise refuse a mismatch with one clear line."""
    head = head_revision(script_location)
    current = await current_revision(db)
    if current == head:
        return head
    known = current is None or current in _known_revisions(script_location)
    if auto_migrate and known:
        await upgrade(db, script_location)
        return head
    raise SchemaVersionError(
        f"Incompatible schema version: database at {current or 'empty'}, code expects {head}; run '{migrate_command}'"
    )


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Our column types are plain SQL types in the database; migrations name those."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(context: Any, target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``: run on the connection we were handed."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("migrations run through the service's 'migrate' command, not the alembic CLI")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
