"""A started service freezes its start-up heap (``inferadb_common.heap``): full collections under
load then walk only what was made since, instead of stopping the event loop for ~90 ms each."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from inferadb_common.app import create_service_app
from inferadb_common.bus import Bus
from inferadb_common.config import NatsConfig, Settings
from inferadb_common.identity import IdentitySigner
from inferadb_common.runtime import ServiceContext


@pytest.fixture
def pristine_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


async def test_a_service_freezes_what_it_made_while_starting(pristine_collector: None) -> None:
    ctx = ServiceContext(
        name="probe", settings=Settings(), bus=Bus(NatsConfig(), "probe"), signer=IdentitySigner(b"k" * 32)
    )
    app = create_service_app(ctx, title="probe")
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):  # start-up is complete inside
        assert gc.get_freeze_count() > 10_000
