"""The mailer service's HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from inferadb_common.app import create_service_app
from inferadb_common.runtime import ServiceContext
from inferadb_mailer.dev_inbox import DevInbox, dev_inbox_router


def build_app(ctx: ServiceContext, dev_inbox: DevInbox | None) -> FastAPI:
    app = create_service_app(ctx, title="InferaDB mailer service")
    app.include_router(dev_inbox_router(dev_inbox))
    return app
