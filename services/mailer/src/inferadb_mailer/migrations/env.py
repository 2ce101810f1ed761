from alembic import context

from inferadb_common.migrations import run_env
from inferadb_mailer.tables import metadata

run_env(context, metadata)
