"""engine.md E5 scenario 7: the engine away while organizations are suspended and vaults deleted →
every invalidation arrives once it is back, none lost although the orgs process (the sender) is
killed with SIGKILL in between and started again.

The spec's outage is 30 s; here the emulator is away only for as long as the scenario takes (about
3-5 s: the changes, the SIGKILL, the restart). What the 30 s stand for is kept: the outage is
shorter than the attempts last, so nothing may be dead-lettered. With the defaults (10 attempts,
0.5 s doubling to 60 s, half-to-full jitter) the attempts last at least ~90 s, three times 30 s;
here 40 attempts at 0.1 s doubling to 1 s last at least ~18 s, again well over the outage. The 1 s
cap (instead of 60 s) only makes the sender notice the engine's return within a second instead of
within a minute.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.waiting import eventually
from tests.engine.conftest import EngineEnv, start_engine_env
from tests.tokens.conftest import Credentials

pytestmark = pytest.mark.integration

# A SIGKILL may take a batch NATS had handed to the notifier before it was acked: it is handed out
# again after the notifier's ack wait (5 s). Everything else arrives within a second or two.
ARRIVAL_TIMEOUT = 10.0


@pytest.fixture(scope="module")
@starts_processes
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineEnv]:
    yield from start_engine_env(
        tmp_path_factory.mktemp("engine-outage"),
        notified=True,
        webhook_max_attempts=40,
        webhook_backoff_seconds=0.1,
        webhook_backoff_max_seconds=1.0,
    )


def _pending(env: EngineEnv, path: str) -> list[tuple[int, str | None]]:
    """The ``engine_deliveries`` rows (attempts, last error) still to send to ``path``."""
    with env.orgs_db() as connection:
        query = "SELECT attempts, last_error FROM engine_deliveries WHERE path = ?"
        return [(int(row[0]), row[1]) for row in connection.execute(query, (path,)).fetchall()]


def _ready(env: EngineEnv, creds: Credentials) -> str:
    """A vault token the emulator accepted (so it has the org and the vault cached for minutes)."""
    token = str(env.token(creds)["access_token"])
    assert env.emulator.check(token, creds.vault) == (200, "ok")
    return token


def test_scenario_7_every_invalidation_made_while_the_engine_was_away_arrives_despite_a_sigkill(
    env: EngineEnv,
) -> None:
    emulator = env.emulator
    first, second = env.credentials(), env.credentials()
    first_other, second_other = env.vault(first.owner, first.org), env.vault(second.owner, second.org)
    for vault in (first.vault, first_other, second.vault, second_other):
        emulator.wait_for_webhook(f"vault/{vault}")
    first_token, second_token = _ready(env, first), _ready(env, second)
    attempts_before = len(emulator.webhook_attempts)

    emulator.go_away()
    away = time.monotonic()
    # Acked by the notifier (rows written) but not delivered: the engine refuses connections.
    assert first.owner.delete(f"/v1/organizations/{first.org}/vaults/{first_other}").status_code == 200
    assert first.owner.post(f"/v1/organizations/{first.org}/suspend").status_code == 200
    invalidate = "/internal/cache/invalidate"
    for path in (f"{invalidate}/organization/{first.org}", f"{invalidate}/vault/{first_other}"):
        retried = eventually(
            lambda path=path: [row for row in _pending(env, path) if row[0] >= 1], what=f"a failed attempt to {path}"
        )
        assert "connection failed" in str(retried[0][1])
    # Changes answered just before the crash: their events may be in the outbox, on the stream, or
    # written as rows when the SIGKILL comes.
    assert second.owner.delete(f"/v1/organizations/{second.org}/vaults/{second_other}").status_code == 200
    assert second.owner.delete(f"/v1/organizations/{second.org}/vaults/{second.vault}").status_code == 200
    orgs = env.stack.process("orgs")
    orgs.kill()
    assert orgs.returncode == -9
    orgs.start()
    orgs.wait_ready()
    # And one more while the engine is still away, from the restarted process.
    assert second.owner.post(f"/v1/organizations/{second.org}/suspend").status_code == 200
    assert len(emulator.webhook_attempts) == attempts_before  # nothing reached it meanwhile
    emulator.come_back()
    back = time.monotonic()

    expected = [
        f"organization/{first.org}",
        f"vault/{first_other}",
        f"vault/{second_other}",
        f"vault/{second.vault}",
        f"organization/{second.org}",
    ]
    for path in expected:
        emulator.wait_for_webhook(path, timeout=ARRIVAL_TIMEOUT)
    print(f"engine away {back - away:.1f} s; every invalidation in {time.monotonic() - back:.1f} s after its return")
    assert "dead-lettered" not in orgs.log_text()

    # The engine's caches were dropped: the next requests see the suspensions and the deletion.
    assert emulator.check(first_token, first.vault) == (403, "organization suspended")
    assert emulator.check(second_token, second.vault) == (403, "organization suspended")
