"""engine.md E3, E4 and E5 scenarios 3, 4 and 8 against the real stack with the engine emulator as its
only engine: every change of E3's table reaches the emulator as a signed webhook, so a suspension or a
deletion takes effect on the engine's next request (not after its 600 s / 300 s cache TTL), and a
vault's ``sync_status`` follows the emulator's answers.

The stack retries quickly (``webhook_backoff_seconds`` 0.05 doubling to 0.2 s) and gives up after
three attempts, so that scenario 8's ``FAILED`` comes in about a second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.waiting import eventually
from tests.engine.conftest import EngineEnv, start_engine_env
from tests.engine.emulator import WebhookRecord

pytestmark = pytest.mark.integration

MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
@starts_processes
def notified_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineEnv]:
    yield from start_engine_env(
        tmp_path_factory.mktemp("engine-notified"),
        notified=True,
        webhook_max_attempts=MAX_ATTEMPTS,
        webhook_backoff_seconds=0.05,
        webhook_backoff_max_seconds=0.2,
    )


@pytest.fixture
def env(notified_env: EngineEnv) -> Iterator[EngineEnv]:
    yield notified_env
    notified_env.emulator.fail_with(None)


def _assert_signed_by_management(env: EngineEnv, record: WebhookRecord) -> None:
    """The emulator verified the JWT against /internal/management-jwks.json; E3's claims on top."""
    claims = record.claims
    instance = str(claims["iss"]).removeprefix("inferadb-management:")
    assert instance and claims["sub"] == f"management:{instance}"
    assert claims["aud"] == env.emulator.base_url
    assert int(claims["exp"]) - int(claims["iat"]) == 300


def _vault_of(env: EngineEnv, owner: Any, org: str, vault: str) -> dict[str, Any]:
    response = owner.get(f"/v1/organizations/{org}/vaults/{vault}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["vault"]
    return body


def test_every_change_of_e3s_table_reaches_the_engine_with_a_verified_management_jwt(env: EngineEnv) -> None:
    emulator = env.emulator
    creds = env.credentials()
    owner, org, vault, client, cert = creds.owner, creds.org, creds.vault, creds.client_id, creds.certificate["id"]
    received: list[WebhookRecord] = [emulator.wait_for_webhook(f"vault/{vault}")]  # created

    assert owner.patch(f"/v1/organizations/{org}/vaults/{vault}", {"name": "renamed"}).status_code == 200
    received.append(emulator.wait_for_webhook(f"vault/{vault}"))  # updated

    certificates = f"/v1/organizations/{org}/clients/{client}/certificates"
    assert owner.post(f"{certificates}/{cert}/revoke").status_code == 200
    received.append(emulator.wait_for_webhook(f"certificate/{org}/{client}/{cert}"))  # revoked
    second, _ = env.generated_certificate(owner, org, client)
    assert owner.delete(f"{certificates}/{second['id']}").status_code == 200
    received.append(emulator.wait_for_webhook(f"certificate/{org}/{client}/{second['id']}"))  # deleted

    # A deactivated client: one certificate request for each of its certificates.
    deactivated = env.client_of(owner, org, "deactivated")
    certs = [env.generated_certificate(owner, org, deactivated)[0]["id"] for _ in range(2)]
    assert owner.post(f"/v1/organizations/{org}/clients/{deactivated}/deactivate").status_code == 200
    received += [emulator.wait_for_webhook(f"certificate/{org}/{deactivated}/{c}") for c in certs]
    # A deleted client: the same.
    deleted = env.client_of(owner, org, "deleted")
    deleted_cert = env.generated_certificate(owner, org, deleted)[0]["id"]
    assert owner.delete(f"/v1/organizations/{org}/clients/{deleted}").status_code == 200
    received.append(emulator.wait_for_webhook(f"certificate/{org}/{deleted}/{deleted_cert}"))

    assert owner.delete(f"/v1/organizations/{org}/vaults/{vault}").status_code == 200
    received.append(emulator.wait_for_webhook(f"vault/{vault}"))  # deleted

    # A rename of the organization invalidates nothing; suspended, resumed and deleted each do.
    assert owner.patch(f"/v1/organizations/{org}", {"name": "renamed org"}).status_code == 200
    assert owner.post(f"/v1/organizations/{org}/suspend").status_code == 200
    received.append(emulator.wait_for_webhook(f"organization/{org}"))
    assert owner.post(f"/v1/organizations/{org}/resume").status_code == 200
    received.append(emulator.wait_for_webhook(f"organization/{org}"))
    doomed = env.organization(owner)["id"]
    assert owner.delete(f"/v1/organizations/{doomed}").status_code == 200
    received.append(emulator.wait_for_webhook(f"organization/{doomed}"))

    for record in received:
        _assert_signed_by_management(env, record)
    assert len({record.claims["jti"] for record in received}) == len(received)
    org_paths = [r.path for r in emulator.webhooks if r.path.endswith(f"/organization/{org}")]
    assert len(org_paths) == 2  # the rename sent nothing
    refused = [attempt for attempt in emulator.webhook_attempts if attempt.status != 204]
    assert refused == []


def test_scenario_3_a_suspended_org_is_refused_on_the_next_request_and_accepted_again_once_resumed(
    env: EngineEnv,
) -> None:
    creds = env.credentials()
    token = env.token(creds)["access_token"]
    assert env.emulator.check(token, creds.vault) == (200, "ok")  # the org is now cached for 600 s

    started = time.monotonic()
    assert creds.owner.post(f"/v1/organizations/{creds.org}/suspend").status_code == 200
    env.emulator.wait_for_webhook(f"organization/{creds.org}", timeout=1.0)
    assert env.emulator.check(token, creds.vault) == (403, "organization suspended")
    assert time.monotonic() - started < 1.0

    started = time.monotonic()
    assert creds.owner.post(f"/v1/organizations/{creds.org}/resume").status_code == 200
    env.emulator.wait_for_webhook(f"organization/{creds.org}", timeout=1.0)
    assert env.emulator.check(token, creds.vault) == (200, "ok")
    assert time.monotonic() - started < 1.0


def test_scenario_4_a_deleted_vault_is_not_found_on_the_next_request(env: EngineEnv) -> None:
    creds = env.credentials()
    token = env.token(creds)["access_token"]
    assert env.emulator.check(token, creds.vault) == (200, "ok")  # the vault is now cached for 300 s
    env.emulator.wait_for_webhook(f"vault/{creds.vault}")  # its creation's

    started = time.monotonic()
    assert creds.owner.delete(f"/v1/organizations/{creds.org}/vaults/{creds.vault}").status_code == 200
    env.emulator.wait_for_webhook(f"vault/{creds.vault}", timeout=1.0)
    assert env.emulator.check(token, creds.vault) == (404, "vault not found")
    assert time.monotonic() - started < 1.0


def test_scenario_8_a_vault_is_synced_failed_when_the_engine_answers_500_and_synced_after_a_resync(
    env: EngineEnv,
) -> None:
    emulator = env.emulator
    creds = env.credentials()
    owner, org = creds.owner, creds.org
    # Up: PENDING at creation, SYNCED once the emulator acknowledged the vault webhook.
    emulator.wait_for_webhook(f"vault/{creds.vault}")
    eventually(lambda: _vault_of(env, owner, org, creds.vault)["sync_status"] == "SYNCED", timeout=5, what="SYNCED")

    # 500 to every attempt: FAILED after MAX_ATTEMPTS, naming the engine and its last answer.
    emulator.fail_with(500)
    vault = env.vault(owner, org)
    path = f"/internal/cache/invalidate/vault/{vault}"

    def failed() -> dict[str, Any] | None:
        body = _vault_of(env, owner, org, vault)
        return body if body["sync_status"] == "FAILED" else None

    eventually(failed, timeout=10, what="the vault to be FAILED")
    # sync_error is not in the public vault (api.md); the engine reads it on the internal API.
    internal = env.internal_get(f"/internal/vaults/{vault}", emulator.server_jwt()).json()
    assert internal["sync_status"] == "FAILED"
    assert internal["sync_error"] == f"engine {emulator.base_url}: HTTP 500"
    assert [a.status for a in emulator.webhook_attempts if a.path == path] == [500] * MAX_ATTEMPTS
    dead_letter = f"engine webhook dead-lettered: endpoint={emulator.base_url} kind=vault id={vault} reason="
    eventually(lambda: dead_letter in env.stack.process("orgs").log_text(), timeout=5, what="the WARNING line")

    # It answers again: POST …/sync puts the vault back in PENDING and it is SYNCED once acknowledged.
    emulator.fail_with(None)
    resynced = owner.post(f"/v1/organizations/{org}/vaults/{vault}/sync")
    assert resynced.status_code == 202, resynced.text
    assert resynced.json()["vault"]["sync_status"] == "PENDING"
    emulator.wait_for_webhook(f"vault/{vault}")
    eventually(lambda: _vault_of(env, owner, org, vault)["sync_status"] == "SYNCED", timeout=5, what="SYNCED")
    assert env.internal_get(f"/internal/vaults/{vault}", emulator.server_jwt()).json()["sync_error"] is None
    assert [e["type"] for e in env.outbox_events(org) if e["type"].startswith("vault.sync")] == [
        "vault.synced",
        "vault.sync_failed",
        "vault.synced",
    ]
