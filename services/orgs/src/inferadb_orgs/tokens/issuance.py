"""Group commit for ``POST /v1/token``: the writes of concurrent token requests share one transaction.

Each request verifies its assertion on its own, then hands the verified assertion to the
:class:`IssuanceWriter` and waits. The writer takes whatever has queued up (at most ``MAX_BATCH``)
and, in one transaction, consumes every ``jti`` in the shared replay store with one ``INSERT …
ON CONFLICT … RETURNING`` (a ``jti`` already taken, or twice in the batch, is a replay, counted
in :mod:`~inferadb_orgs.tokens.rejections`), inserts the new token families, their refresh tokens
and the events with one statement each, commits, and only then answers the waiting requests.
While a batch is being written the next one gathers, so a busy service writes in large batches and
an idle one in batches of one. Nothing is answered before its commit, so a token is never handed
out that the database does not know.

A batch that fails is retried one request per transaction, so one bad request cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from inferadb_common.clock import utcnow
from inferadb_common.events.envelope import Actor
from inferadb_common.events.outbox import PendingEvent
from inferadb_common.ids import new_id
from inferadb_orgs.certificates import repository as certificates_repo
from inferadb_orgs.tokens import rejections
from inferadb_orgs.tokens import repository as repo
from inferadb_orgs.tokens.client_assertions import RejectedAssertion, VerifiedAssertion
from inferadb_orgs.tokens.errors import InvalidClient
from inferadb_orgs.tokens.records import FamilyValues, RefreshTokenValues
from inferadb_orgs.tokens.request import CLIENT_CREDENTIALS, ClientTokenRequest
from inferadb_orgs.tokens.service import (
    DEFAULT_CLIENT_REFRESH_TTL,
    IssuedTokens,
    default_access_ttl,
    family_row,
    new_pair,
)

if TYPE_CHECKING:
    from inferadb_orgs.state import OrgsState

logger = logging.getLogger("inferadb.orgs.tokens")

MAX_BATCH = 128
LAST_USED_RESOLUTION = timedelta(seconds=60)
"""A certificate's ``last_used_at`` is written at most this often (per replica)."""


@dataclass(slots=True)
class _Pending:
    verified: VerifiedAssertion
    request: ClientTokenRequest
    actor: Actor
    request_id: str | None
    future: asyncio.Future[IssuedTokens]

    @property
    def key(self) -> tuple[int, str]:
        return self.verified.client_id, self.verified.jti


def _replayed(item: _Pending) -> RejectedAssertion:
    rejection = RejectedAssertion(
        InvalidClient("The assertion was already used (jti replay)"),
        "replayed",
        kid=item.verified.kid,
        client_id=item.verified.client_id,
        organization_id=item.verified.organization_id,
    )
    rejection.recorded = True  # counted with the batch
    return rejection


class IssuanceWriter:
    def __init__(self, state: OrgsState, max_batch: int = MAX_BATCH) -> None:
        self.state = state
        self.max_batch = max_batch
        self._pending: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None
        self._last_touched: dict[int, datetime] = {}

    async def issue(
        self, verified: VerifiedAssertion, request: ClientTokenRequest, actor: Actor, request_id: str | None
    ) -> IssuedTokens:
        """The token for a verified assertion once it is committed; :class:`RejectedAssertion` on replay."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[IssuedTokens] = loop.create_future()
        self._pending.append(_Pending(verified, request, actor, request_id, future))
        if self._task is None:
            self._task = loop.create_task(self._drain(), name="token-issuance")
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                await self._write_safely(batch)
        finally:
            self._task = None

    async def _write_safely(self, batch: list[_Pending]) -> None:
        try:
            await self._write(batch)
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0], exc)
                return
            # The exception's text would carry the statement's parameters (token hashes): name it only.
            logger.warning("token batch of %d failed (%s); writing one at a time", len(batch), type(exc).__name__)
            for item in batch:
                try:
                    await self._write([item])
                except Exception as single:
                    _fail(item, single)

    async def _write(self, batch: list[_Pending]) -> None:
        state = self.state
        now = utcnow()
        unique: dict[tuple[int, str], _Pending] = {}
        results: list[tuple[_Pending, IssuedTokens | RejectedAssertion]] = []
        for item in batch:
            if item.key in unique:
                results.append((item, _replayed(item)))
            else:
                unique[item.key] = item
        families: list[FamilyValues] = []
        tokens: list[RefreshTokenValues] = []
        events: list[PendingEvent] = []
        touched: set[int] = set()
        async with state.db.transaction() as db:
            taken = await repo.use_jtis(
                db, [(client_id, jti, item.verified.expires_at) for (client_id, jti), item in unique.items()], now
            )
            for key, item in unique.items():
                if key not in taken:
                    results.append((item, _replayed(item)))
                    continue
                issued, family, token = self._new_token(item, now)
                families.append(family)
                tokens.append(token)
                events.append(self._generated_event(item, issued))
                results.append((item, issued))
                last = self._last_touched.get(item.verified.certificate_id)
                if last is None or now - last >= LAST_USED_RESOLUTION:
                    touched.add(item.verified.certificate_id)
            replays = [
                result.counted(item.actor, item.request_id, now)
                for item, result in results
                if isinstance(result, RejectedAssertion)
            ]
            await rejections.count(db, [replay for replay in replays if replay is not None])
            if families:
                await repo.insert_families(db, families)
                await repo.insert_refresh_tokens(db, tokens)
            if touched:
                await certificates_repo.touch_last_used(db, sorted(touched), now)
            await state.outbox.record_many(db, events)
        for certificate_id in touched:
            self._last_touched[certificate_id] = now
        for item, result in results:
            if item.future.done():  # the caller went away
                continue
            if isinstance(result, RejectedAssertion):
                item.future.set_exception(result)
            else:
                item.future.set_result(result)

    def _new_token(self, item: _Pending, now: datetime) -> tuple[IssuedTokens, FamilyValues, RefreshTokenValues]:
        verified, role = item.verified, item.request.requested_role
        family_id = new_id()
        access_ttl = default_access_ttl(self.state)
        family = family_row(
            family_id=family_id,
            organization_id=verified.organization_id,
            vault_id=verified.vault_id,
            role=role,
            access_ttl=access_ttl,
            refresh_ttl=DEFAULT_CLIENT_REFRESH_TTL,
            now=now,
            client_id=verified.client_id,
            certificate_id=verified.certificate_id,
        )
        issued, token = new_pair(
            self.state,
            family_id=family_id,
            family_created_at=now,
            organization_id=verified.organization_id,
            vault_id=verified.vault_id,
            role=role,
            subject=f"client:{verified.client_id}",
            access_ttl=access_ttl,
            refresh_ttl=DEFAULT_CLIENT_REFRESH_TTL,
            now=now,
        )
        return issued, family, token

    @staticmethod
    def _generated_event(item: _Pending, issued: IssuedTokens) -> PendingEvent:
        verified = item.verified
        grant = "client_credentials" if item.request.grant_type == CLIENT_CREDENTIALS else "jwt_bearer"
        return PendingEvent(
            payload=issued.generated(f"client:{verified.client_id}", grant, verified.certificate_id),
            actor=item.actor,
            organization_id=verified.organization_id,
            resource_id=issued.family_id,
            request_id=item.request_id,
        )


def _fail(item: _Pending, exc: BaseException) -> None:
    if not item.future.done():
        item.future.set_exception(exc)
