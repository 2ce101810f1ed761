"""The development inbox's store (console.md C3): the newest 200 mails, newest first, one row per request."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from inferadb_common.config import StorageConfig
from inferadb_common.db import Database
from inferadb_common.migrations import upgrade
from inferadb_mailer.__main__ import DEFINITION
from inferadb_mailer.dev_inbox import SIZE, DevInbox, InboxEntry
from inferadb_mailer.tables import dev_inbox


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_newest_mails_are_kept_newest_first_and_a_retry_updates_its_row(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        storage = StorageConfig(backend="sqlite", data_dir=str(tmp_path / "data"))
    else:
        storage = StorageConfig(backend="postgres", url=request.getfixturevalue("postgres_url"))
    db = Database(storage, "mailer")
    await db.initialise()
    assert DEFINITION.migrations is not None
    await upgrade(db, DEFINITION.migrations)
    async with db.transaction() as session:  # the session's PostgreSQL schema is shared: start empty
        await session.execute(delete(dev_inbox))
    inbox = DevInbox(db)
    try:
        for number in range(SIZE + 5):
            await inbox.keep(InboxEntry(f"m{number:04d}", "a@example.com", f"Mail {number}", "http://x/?token=t"))
        async with db.read() as session:  # older rows are deleted, not just left out of the list
            assert await session.scalar(select(func.count()).select_from(dev_inbox)) == SIZE
        mails = await inbox.newest()
        assert len(mails) == SIZE
        assert [mail["id"] for mail in mails[:2]] == ["m0204", "m0203"] and mails[-1]["id"] == "m0005"
        assert mails[0]["status"] == "pending" and mails[0]["body"] == "http://x/?token=t"

        await inbox.keep(InboxEntry("m0204", "a@example.com", "Mail 204", "http://x/?token=t", status="sent"))
        again = await inbox.newest()
        assert len(again) == SIZE and again[0]["id"] == "m0204" and again[0]["status"] == "sent"
    finally:
        await db.dispose()
