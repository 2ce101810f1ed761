"""``inferadb-gateway``: the public entry process."""

from __future__ import annotations

from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run
from inferadb_gateway.app import build_app
from inferadb_gateway.console import CONSOLE_SERVICE
from inferadb_gateway.sessions import SessionAuthenticator
from inferadb_gateway.state import GatewayState
from inferadb_gateway.upstream import SERVICES, Upstreams


async def _configure(ctx: ServiceContext) -> GatewayState:
    settings = ctx.settings
    upstreams = Upstreams(
        {name: settings.services.url_of(name) for name in (*SERVICES, CONSOLE_SERVICE)},
        settings.server.request_timeout_seconds,
    )
    ttl = settings.server.session_cache_ttl_seconds
    sessions = SessionAuthenticator(ctx.bus, upstreams, ctx.signer, ttl)
    await sessions.start()
    return GatewayState(upstreams=upstreams, sessions=sessions)


DEFINITION = ServiceDefinition(
    name="gateway",
    description="Public HTTP gateway",
    build_app=build_app,
    configure=_configure,
    uses_ids=False,
    manages_streams=False,
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
