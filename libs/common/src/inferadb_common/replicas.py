"""Several replicas of one service behind one name: which to ask, and which to leave alone for a while.

``services.<name>_url`` may list a service's replicas separated by commas (compose with several
copies, bare hosts); on Kubernetes it names one Service and kube-proxy balances. A caller asks the
replicas in round-robin order, each request starting one further. A replica that could not be reached
(connection refused, connect timeout, reset before an answer) is *ejected*: skipped for one second,
then two, four… up to thirty after consecutive failures, and taken back at its first success. While
every replica is ejected they are still tried, the one back soonest first: a brief outage of all of
them must not outlast itself.

Whether a failed request may be sent to the next replica is the caller's call (see
:func:`retry_allowed`): a request that never reached a replica may always go to another; one that
may have reached it only when repeating it changes nothing.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

__all__ = ["EJECT_FIRST_SECONDS", "EJECT_MAX_SECONDS", "IDEMPOTENT_METHODS", "ReplicaSet", "retry_allowed"]

EJECT_FIRST_SECONDS = 1.0
EJECT_MAX_SECONDS = 30.0
# Repeating these changes nothing the first attempt did not (RFC 9110 §9.2.2 lists PUT and DELETE too,
# but here a repeated DELETE answers 404 for what the first one removed).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def retry_allowed(method: str, *, reached: bool) -> bool:
    """May a request that failed on one replica be sent to the next? Always when it never reached
    the first (refused, connect timeout); otherwise only a request that repeating changes nothing."""
    return not reached or method.upper() in IDEMPOTENT_METHODS


@dataclass
class _Replica:
    url: str
    failures: int = 0
    ejected_until: float = 0.0


class ReplicaSet:
    """The replicas of one service (base URLs without a trailing slash)."""

    def __init__(self, urls: Sequence[str], clock: Callable[[], float] = time.monotonic) -> None:
        if not urls:
            raise ValueError("a replica set needs at least one URL")
        self._replicas = [_Replica(url.rstrip("/")) for url in urls]
        self._next = itertools.count()
        self._clock = clock

    @classmethod
    def parse(cls, urls: str) -> ReplicaSet:
        """From a configuration value: one URL, or several separated by commas."""
        return cls([url.strip() for url in urls.split(",") if url.strip()])

    @property
    def urls(self) -> list[str]:
        return [replica.url for replica in self._replicas]

    @property
    def first(self) -> str:
        return self._replicas[0].url

    def __len__(self) -> int:
        return len(self._replicas)

    def attempts(self) -> Iterator[str]:
        """Every replica once, in the order one request should try them: round robin over the ones
        in service, then the ejected ones, soonest back first."""
        if len(self._replicas) == 1:
            yield self._replicas[0].url
            return
        now = self._clock()
        start = next(self._next) % len(self._replicas)
        rotated = self._replicas[start:] + self._replicas[:start]
        in_service = [replica for replica in rotated if replica.ejected_until <= now]
        ejected = sorted((replica for replica in rotated if replica.ejected_until > now), key=_back_at)
        for replica in (*in_service, *ejected):
            yield replica.url

    async def first_answer(
        self, send: Callable[[str], Awaitable[T]], unreachable: tuple[type[BaseException], ...]
    ) -> T:
        """``send(base_url)`` to one replica after another until one answers, for requests any replica
        may repeat (reads). A replica that raised one of ``unreachable`` is ejected; the last such
        error is raised when none answered. A lone replica is asked twice (a pooled connection it
        closed just as it was reused is no reason to fail)."""
        failure: BaseException | None = None
        attempts = list(self.attempts())
        for url in attempts * 2 if len(attempts) == 1 else attempts:
            try:
                result = await send(url)
            except unreachable as exc:
                self.failed(url)
                failure = exc
                continue
            self.succeeded(url)
            return result
        assert failure is not None
        raise failure

    def failed(self, url: str) -> None:
        """``url`` could not be reached: eject it, for longer after each consecutive failure."""
        replica = self._find(url)
        replica.failures += 1
        pause = min(EJECT_FIRST_SECONDS * 2 ** (replica.failures - 1), EJECT_MAX_SECONDS)
        replica.ejected_until = self._clock() + pause

    def succeeded(self, url: str) -> None:
        """``url`` answered: back in service at once."""
        replica = self._find(url)
        if replica.failures:
            replica.failures = 0
            replica.ejected_until = 0.0

    def in_service(self, url: str) -> bool:
        return self._find(url).ejected_until <= self._clock()

    def _find(self, url: str) -> _Replica:
        for replica in self._replicas:
            if replica.url == url:
                return replica
        raise KeyError(url)


def _back_at(replica: _Replica) -> float:
    return replica.ejected_until
