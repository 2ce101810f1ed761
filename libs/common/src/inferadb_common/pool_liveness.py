"""Check a pooled connection's liveness only when it has sat idle.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout; on asyncpg that is ``BEGIN``, ``;`` and
``ROLLBACK`` — three round trips and three statements for PostgreSQL to parse before a request's one
``SELECT``. A connection that went back to the pool a moment ago is as good as the statement it just
ran, so only one that has been idle longer than ``idle_seconds`` is pinged (a restart, a failover or
a network cut hides in the idle stretches; under load the pool turns over in milliseconds).

A connection that breaks while it is in use still fails its statement: SQLAlchemy then sees a
disconnect, invalidates the whole pool, and that request answers 503 (the storage-unavailable path);
the next checkout opens a fresh connection. Nothing waits for a restart.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

IDLE_SINCE = "inferadb_idle_since"


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    sync_engine = engine.sync_engine
    dialect = sync_engine.dialect

    def checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.pop(IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # a new connection, or one in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (a fresh one if need be).
            raise DisconnectionError(f"pooled connection failed its liveness check: {exc}") from exc

    event.listen(sync_engine, "checkin", checkin)
    event.listen(sync_engine, "checkout", checkout)
