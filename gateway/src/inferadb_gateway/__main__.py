"""``inferadb-gateway``: the public entry process."""

from __future__ import annotations

import httpx

from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run
from inferadb_gateway.app import build_app
from inferadb_gateway.sessions import SessionAuthenticator


async def _configure(ctx: ServiceContext) -> None:
    auth_client = httpx.AsyncClient(
        base_url=ctx.settings.services.auth_url,
        timeout=httpx.Timeout(5.0, connect=2.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
    )
    sessions = SessionAuthenticator(ctx.bus, auth_client, ctx.signer, ctx.settings.server.session_cache_ttl_seconds)
    await sessions.start()
    ctx.extras["sessions"] = sessions


DEFINITION = ServiceDefinition(
    name="gateway",
    description="Public HTTP gateway",
    build_app=build_app,
    configure=_configure,
    uses_ids=False,
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
