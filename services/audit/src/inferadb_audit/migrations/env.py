from alembic import context

from inferadb_audit.tables import metadata
from inferadb_common.migrations import run_env

run_env(context, metadata)
