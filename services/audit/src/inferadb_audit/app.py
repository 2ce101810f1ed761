"""The audit service's HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from inferadb_common.app import create_service_app
from inferadb_common.runtime import ServiceContext


def build_app(ctx: ServiceContext) -> FastAPI:
    return create_service_app(ctx, title="InferaDB audit service")
