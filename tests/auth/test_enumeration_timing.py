"""No account enumeration by timing (quality.md, security): a login with an unknown email and one with
a wrong password, and a password-reset request or a verification resend for an unknown and for a known
address, answer identically and take the same time — medians within 15 %.

The stack hashes with the real (default) Argon2 parameters: an unknown email must pay a hash too.
Requests of the two kinds alternate, in random order within each pair (so a drift in the machine's
load hits both), with a pause after each so that the work a route does after its answer (reset and
resend look the address up only then) is not charged to the next request; after a known address the
test also waits until that work has written its token, however long a loaded machine makes it take.
The SMTP sink is stopped while measuring: receiving the known addresses' mails would otherwise run in
this very process, during their samples. A verdict outside 15 % takes another round of samples and judges the pooled
ones, up to ``ROUNDS``: a real difference stays, the noise of a loaded machine does not.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from inferadb_testing.users import unique_email

from .conftest import GENEROUS_LIMITS, Api, AuthEnv, start_env, without_request_id

pytestmark = pytest.mark.integration

TOLERANCE = 0.15
ROUNDS = 3
PAUSE_SECONDS = 0.08  # longer than the work reset and resend do after answering a known address
LOGIN_PAIRS = 10  # a real Argon2 verification each: 0.1-0.9 s on a 2-core machine, depending on its load
PAIRS = 40
WRONG_PASSWORD = "not the passphrase 77"
# Every address may ask as often as the test does: a limit reached would make both kinds do nothing.
ADDRESS_LIMITS = {
    "INFERADB_MGMT__RATE_LIMITING__EMAIL_VERIFICATION_TOKENS_PER_HOUR": "100000",
    "INFERADB_MGMT__RATE_LIMITING__PASSWORD_RESET_TOKENS_PER_HOUR": "100000",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}

Body = Callable[[], dict[str, str]]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[AuthEnv]:
    """A stack with the default Argon2 parameters (no FAST_HASHING) and the limits out of the way."""
    yield from start_env(tmp_path, {**GENEROUS_LIMITS, **ADDRESS_LIMITS})


def _unknown() -> dict[str, str]:
    return {"email": f"nobody-{uuid.uuid4().hex[:12]}@example.com"}


def _timed(api: Api, path: str, body: dict[str, str]) -> tuple[float, tuple[int, Any]]:
    started = time.perf_counter()
    response = api.post(path, json=body)
    elapsed = time.perf_counter() - started
    time.sleep(PAUSE_SECONDS)
    return elapsed, (response.status_code, without_request_id(response))


def _compare(
    api: Api, path: str, unknown: Body, known: Body, pairs: int, settle: Callable[[], None] = lambda: None
) -> tuple[float, float]:
    """Medians (unknown, known) over rounds of ``pairs`` interleaved pairs; asserts identical answers.

    ``settle`` runs after each known request and returns once its after-the-answer work is done.
    """
    for _ in range(2):  # warm both paths (connections, caches) before measuring
        _timed(api, path, unknown())
        _timed(api, path, known())
        settle()
    samples: dict[str, list[float]] = {"unknown": [], "known": []}
    answers: set[str] = set()
    for _ in range(ROUNDS):
        for _ in range(pairs):
            kinds = [("unknown", unknown), ("known", known)]
            random.shuffle(kinds)
            for kind, body in kinds:
                elapsed, answer = _timed(api, path, body())
                if kind == "known":
                    settle()
                samples[kind].append(elapsed)
                answers.add(repr(answer))
        assert len(answers) == 1, f"{path} answers differently: {answers}"
        medians = statistics.median(samples["unknown"]), statistics.median(samples["known"])
        if _within(medians):
            break
    return medians


def _token_written(env: AuthEnv, table: str) -> Callable[[], None]:
    """A ``settle`` that waits until ``table`` holds one row more than after the previous call."""
    seen = [env.query("auth", f"SELECT COUNT(*) FROM {table}")[0][0]]

    def settle() -> None:
        deadline = time.monotonic() + 10
        while (count := env.query("auth", f"SELECT COUNT(*) FROM {table}")[0][0]) <= seen[0]:
            assert time.monotonic() < deadline, f"no new row in {table} after a known address"
            time.sleep(0.01)
        seen[0] = count

    return settle


def _within(medians: tuple[float, float]) -> bool:
    return abs(medians[0] - medians[1]) <= TOLERANCE * min(medians)


def _assert_within_tolerance(what: str, medians: tuple[float, float]) -> None:
    unknown, known = medians
    assert _within(medians), (
        f"{what}: median {unknown * 1000:.1f} ms for an unknown address, {known * 1000:.1f} ms for a known one"
    )


def test_unknown_and_known_addresses_take_the_same_time_on_login_reset_and_resend(env: AuthEnv) -> None:
    api = env.api()
    known = env.signup(api, "timing-known").email  # verified: a reset mails it
    unverified = unique_email("timing-unverified")  # unverified: a resend mails it
    assert env.register(api, unverified).status_code == 201
    env.wait_for_mail(unverified, "Verify your email address")
    env.sink.stop()

    login = _compare(
        api,
        "/v1/auth/login/password",
        lambda: {**_unknown(), "password": WRONG_PASSWORD},
        lambda: {"email": known, "password": WRONG_PASSWORD},
        pairs=LOGIN_PAIRS,
    )
    reset = _compare(
        api,
        "/v1/auth/password-reset/request",
        _unknown,
        lambda: {"email": known},
        pairs=PAIRS,
        settle=_token_written(env, "password_reset_tokens"),
    )
    resend = _compare(
        api,
        "/v1/auth/email-verification/resend",
        _unknown,
        lambda: {"email": unverified},
        pairs=PAIRS,
        settle=_token_written(env, "email_verification_tokens"),
    )

    _assert_within_tolerance("login, unknown email vs wrong password", login)
    _assert_within_tolerance("password-reset request", reset)
    _assert_within_tolerance("verification resend", resend)
    # The known addresses' requests did their work after the answer: a new token each.
    reset_tokens = env.query("auth", "SELECT COUNT(*) FROM password_reset_tokens")[0][0]
    verification_tokens = env.query("auth", "SELECT COUNT(*) FROM email_verification_tokens")[0][0]
    assert reset_tokens >= PAIRS and verification_tokens >= PAIRS + 2, (reset_tokens, verification_tokens)
