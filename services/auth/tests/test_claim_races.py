"""Verifications of one address racing on a real database (SQLite, and PostgreSQL where they truly run
at once): exactly one claims it, the others answer 400 `INVALID_TOKEN` — never a deadlock or a 500 —
and the losers' copies are removed with one `email.removed` event each."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import insert, select

from inferadb_auth.errors import InvalidVerificationToken
from inferadb_auth.security.tokens import digest
from inferadb_auth.state import AuthState
from inferadb_auth.tables import email_verification_tokens, outbox, user_emails, users
from inferadb_auth.verification.endpoints import verify_email
from inferadb_auth.verification.schemas import TokenIn
from inferadb_common.db import Database
from inferadb_common.events.outbox import Outbox
from inferadb_common.identity import Identity
from inferadb_common.migrations import upgrade

from .conftest import MIGRATIONS

HOLDERS = 5
ADDRESS = "contested@example.com"


async def _holders(db: Database) -> list[str]:
    """HOLDERS users, each with an unverified copy of ADDRESS and a live token; returns the tokens."""
    now = datetime.now(UTC)
    tokens = []
    async with db.transaction() as session:
        for n in range(1, HOLDERS + 1):
            await session.execute(
                insert(users).values(id=n, name=f"user {n}", password_hash="x", created_at=now, updated_at=now)
            )
            await session.execute(
                insert(user_emails).values(
                    id=100 + n, user_id=n, email=ADDRESS, is_primary=n % 2 == 0, verified_at=None, created_at=now
                )
            )
            token = f"token-{n}"
            tokens.append(token)
            await session.execute(
                insert(email_verification_tokens).values(
                    id=200 + n,
                    email_id=100 + n,
                    token_hash=digest(token),
                    created_at=now,
                    expires_at=now + timedelta(hours=24),
                    used_at=None,
                )
            )
    return tokens


async def _attempt(state: AuthState, token: str) -> str:
    try:
        await verify_email(TokenIn(token=token), state, Identity(audience="auth"))
    except InvalidVerificationToken:
        return "invalid"
    return "verified"


@pytest.mark.parametrize("round_", range(3))
async def test_of_racing_verifications_exactly_one_claims_the_address(database: Database, round_: int) -> None:
    await upgrade(database, MIGRATIONS)
    tokens = await _holders(database)
    state = cast(AuthState, _State(database))

    results = await asyncio.gather(*(_attempt(state, token) for token in tokens))

    assert sorted(results) == ["invalid"] * (HOLDERS - 1) + ["verified"]
    async with database.read() as session:
        copies = (await session.execute(select(user_emails).where(user_emails.c.email == ADDRESS))).all()
        left = (await session.execute(select(email_verification_tokens.c.email_id))).scalars().all()
        events = (await session.execute(select(outbox.c.subject, outbox.c.payload))).all()
    assert len(copies) == 1 and copies[0].verified_at is not None
    assert list(left) == [copies[0].id]  # the winner's spent token; the losers' links are gone
    removed = [_payload(payload) for subject, payload in events if subject.endswith(".email.removed")]
    assert sorted(int(event["resource"]["id"]) for event in removed) == sorted(
        100 + n for n in range(1, HOLDERS + 1) if 100 + n != copies[0].id
    )
    assert all(str(event["actor"]["user_id"]) == event["data"]["user_id"] for event in removed)


class _State:
    """What the verification route uses of AuthState: the database and the outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.outbox = Outbox(outbox, "auth")


def _payload(payload: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(bytes(payload))
    return data
