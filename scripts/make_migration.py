"""Developer tool: autogenerate the next Alembic revision of a service from its table metadata.

Usage: python scripts/make_migration.py SERVICE "message"
It upgrades a throwaway SQLite database to the current head, compares it with the service's
metadata and writes the difference as a new revision (review it before committing).
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine


def main(service: str, message: str) -> None:
    package = importlib.import_module(f"inferadb_{service}")
    assert package.__file__ is not None
    script_location = Path(package.__file__).parent / "migrations"
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/schema.db")
        cfg = Config()
        cfg.set_main_option("script_location", str(script_location))
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            existing = len(list((script_location / "versions").glob("*.py")))
            command.revision(cfg, message=message, autogenerate=True, rev_id=f"{service}_{existing + 1:04d}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
