"""``inferadb-web``: the web console, a client of the public API (no NATS, no database)."""

from __future__ import annotations

from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run
from inferadb_web.api import ApiClient, MailerClient
from inferadb_web.app import build_app
from inferadb_web.state import WebState


async def _configure(ctx: ServiceContext) -> WebState:
    settings = ctx.settings
    base_url = settings.web.gateway_url or settings.server.public_url
    api = ApiClient(base_url, settings.web.request_timeout_seconds)
    mailer = MailerClient(settings.services.mailer_url, ctx.signer) if settings.email.dev_inbox else None
    return WebState(api=api, mailer=mailer)


DEFINITION = ServiceDefinition(
    name="web",
    description="Web console",
    build_app=build_app,
    configure=_configure,
    uses_ids=False,
    manages_streams=False,
    uses_bus=False,
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
