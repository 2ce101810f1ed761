"""``GET /internal/vaults/{vault}`` on PostgreSQL, where the vault is read by the driver itself with the
query compiled once (not through SQLAlchemy's statement path, as on SQLite): the same vault, in the same
words and with the same timestamps as the public API gives it; a deleted or unknown vault 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import starts_processes
from tests.engine.conftest import EngineEnv, start_engine_env

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture(scope="module")
@starts_processes
def pg_engine_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineEnv]:
    with fresh_database() as url:
        storage = {
            "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
            "INFERADB_MGMT__STORAGE__URL": url,
            "INFERADB_MGMT__STORAGE__AUTO_MIGRATE": "true",
        }
        yield from start_engine_env(tmp_path_factory.mktemp("engine-pg"), notified=False, extra_env=storage)


def test_the_internal_vault_is_the_public_vault_on_postgres(pg_engine_env: EngineEnv) -> None:
    env = pg_engine_env
    creds = env.credentials()
    token = env.emulator.server_jwt()
    public = creds.owner.get(f"/v1/organizations/{creds.org}/vaults/{creds.vault}")
    assert public.status_code == 200, public.text
    expected = public.json()["vault"]
    internal = env.internal_get(f"/internal/vaults/{creds.vault}", token)
    assert internal.status_code == 200, internal.text
    assert internal.headers["content-type"] == "application/json"
    body = internal.json()
    assert body == {
        "id": creds.vault,
        "name": expected["name"],
        "organization_id": creds.org,
        "sync_status": expected["sync_status"],
        "sync_error": None,
        "created_at": expected["created_at"],
        "updated_at": expected["updated_at"],
        "deleted_at": None,
    }
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == len("2026-01-01T00:00:00.000Z")

    renamed = creds.owner.patch(f"/v1/organizations/{creds.org}/vaults/{creds.vault}", json={"name": "renamed"})
    assert renamed.status_code == 200, renamed.text
    after = env.internal_get(f"/internal/vaults/{creds.vault}", token).json()
    assert after["name"] == "renamed" and after["updated_at"] == renamed.json()["vault"]["updated_at"]

    deleted = creds.owner.delete(f"/v1/organizations/{creds.org}/vaults/{creds.vault}")
    assert deleted.status_code == 200, deleted.text
    gone = env.internal_get(f"/internal/vaults/{creds.vault}", token)
    assert gone.status_code == 404 and gone.json()["code"] == "NOT_FOUND"
    assert env.internal_get("/internal/vaults/123456789", token).status_code == 404
