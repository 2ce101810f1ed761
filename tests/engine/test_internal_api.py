"""engine.md E1 and E2 against a real stack: the org JWKS lists the signing keys; the internal API's
five routes, its engine authentication (each refusal), and the separation of the two listeners."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from inferadb_testing import NatsServer, SmtpSink, Stack
from inferadb_testing.free_port import free_port
from tests.engine.conftest import EngineEnv
from tests.tokens.conftest import TOKENS_ENV

pytestmark = pytest.mark.integration


def _kids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [key["kid"] for key in response.json()["keys"]]


# -- E1 -------------------------------------------------------------------------------------------


def test_every_org_jwks_lists_its_certificates_and_the_signing_keys(env: EngineEnv) -> None:
    creds = env.credentials()
    signing_kids = _kids(env.jwks())
    with httpx.Client(base_url=env.url, timeout=30) as http:
        for path in ("jwks.json", ".well-known/jwks.json"):
            kids = _kids(http.get(f"/v1/organizations/{creds.org}/{path}"))
            assert kids == [creds.kid, *signing_kids]
            assert len(set(kids)) == len(kids)
        # Another org: its own certificates (none), the same signing keys.
        other = env.organization(creds.owner)
        assert _kids(http.get(f"/v1/organizations/{other['id']}/jwks.json")) == signing_kids
        assert http.get("/v1/organizations/123456789/jwks.json").status_code == 404
    keys = env.internal_get(f"/internal/organizations/{creds.org}/jwks.json", env.emulator.server_jwt()).json()["keys"]
    assert [key["kid"] for key in keys] == [creds.kid, *signing_kids]
    assert all(set(key) == {"kty", "crv", "x", "kid", "alg", "use"} for key in keys)


# -- E2: the routes ------------------------------------------------------------------------------


def test_internal_routes_answer_the_engine(env: EngineEnv) -> None:
    creds = env.credentials()
    token = env.emulator.server_jwt()
    organization = env.internal_get(f"/internal/organizations/{creds.org}", token)
    assert organization.status_code == 200
    assert organization.json() == {"id": creds.org, "name": organization.json()["name"], "status": "active"}
    vault = env.internal_get(f"/internal/vaults/{creds.vault}", token)
    assert vault.status_code == 200, vault.text
    body = vault.json()
    assert set(body) == {
        "id", "name", "organization_id", "sync_status", "sync_error", "created_at", "updated_at", "deleted_at"
    }  # fmt: skip
    assert body["id"] == creds.vault and body["organization_id"] == creds.org and body["deleted_at"] is None
    assert body["created_at"].endswith("Z")

    suspended = creds.owner.post(f"/v1/organizations/{creds.org}/suspend")
    assert suspended.status_code == 200, suspended.text
    assert env.internal_get(f"/internal/organizations/{creds.org}", token).json()["status"] == "suspended"
    assert creds.owner.post(f"/v1/organizations/{creds.org}/resume").status_code == 200

    deleted = creds.owner.delete(f"/v1/organizations/{creds.org}/vaults/{creds.vault}")
    assert deleted.status_code == 200, deleted.text
    gone = env.internal_get(f"/internal/vaults/{creds.vault}", token)
    assert gone.status_code == 404 and gone.json()["code"] == "NOT_FOUND"
    assert env.internal_get("/internal/organizations/123456789", token).status_code == 404
    assert env.internal_get("/internal/organizations/123456789/jwks.json", token).status_code == 404


@pytest.mark.parametrize("bad", ["-1", "abc", "1e3", "99999999999999999999999", "%20"])
def test_bad_ids_are_4xx_never_500(env: EngineEnv, bad: str) -> None:
    token = env.emulator.server_jwt()
    for path in (
        f"/internal/organizations/{bad}",
        f"/internal/vaults/{bad}",
        f"/internal/organizations/{bad}/jwks.json",
    ):
        response = env.internal_get(path, token)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)


def test_health_and_management_jwks_need_no_jwt(env: EngineEnv) -> None:
    health = env.internal_get("/internal/health")
    assert health.status_code == 200 and health.json() == {"status": "healthy"}
    jwks = env.internal_get("/internal/management-jwks.json")
    assert jwks.status_code == 200 and jwks.headers["cache-control"] == "public, max-age=300"
    keys = jwks.json()["keys"]
    assert keys and all(key["kid"].startswith("mk_") and key["crv"] == "Ed25519" for key in keys)
    # The webhook keys are not the vault-token keys.
    assert not {key["kid"] for key in keys} & set(_kids(env.jwks()))


def test_the_two_listeners_serve_disjoint_routes(env: EngineEnv) -> None:
    creds = env.credentials()
    token = env.emulator.server_jwt()
    with httpx.Client(base_url=env.url, timeout=30) as gateway:
        for path in (
            "/internal/health",
            "/internal/management-jwks.json",
            f"/internal/organizations/{creds.org}",
            f"/internal/vaults/{creds.vault}",
        ):
            assert gateway.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 404, path
    for path in (
        "/v1/health",
        "/.well-known/jwks.json",
        f"/v1/organizations/{creds.org}/jwks.json",
        "/metrics",
        "/v1/token",
    ):
        assert env.internal_get(path, token).status_code == 404, path


# -- E2: engine authentication -------------------------------------------------------------------


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "UNAUTHORIZED"


def test_every_bad_engine_jwt_is_401(env: EngineEnv) -> None:
    creds = env.credentials()
    path = f"/internal/vaults/{creds.vault}"
    emulator = env.emulator
    now = int(time.time())
    _refused(env.internal_get(path))
    _refused(env.internal_get(path, Authorization="Basic abc"))
    _refused(env.internal_get(path, "not.a.jwt"))
    _refused(env.internal_get(path, "x" * 20000))
    _refused(env.internal_get(path, emulator.server_jwt(aud="http://elsewhere:9091")))
    _refused(env.internal_get(path, emulator.server_jwt(sub="client:engine")))
    _refused(env.internal_get(path, emulator.server_jwt(key=Ed25519PrivateKey.generate())))
    _refused(env.internal_get(path, emulator.server_jwt(kid="engine-unknown")))
    _refused(env.internal_get(path, emulator.server_jwt(iat=now - 400, ttl=300)))  # expired
    _refused(env.internal_get(path, emulator.server_jwt(ttl=901)))  # lives too long
    _refused(env.internal_get(path, emulator.server_jwt(iat=now + 600)))  # issued in the future
    unsigned = jwt.encode(
        {"sub": "server:x", "aud": env.stack.internal_api_url, "exp": now + 60}, None, algorithm="none"
    )
    _refused(env.internal_get(path, unsigned))
    assert env.internal_get(path, emulator.server_jwt()).status_code == 200


def test_a_new_engine_key_is_fetched_on_its_first_use(env: EngineEnv) -> None:
    creds = env.credentials()
    path = f"/internal/organizations/{creds.org}"
    env.emulator.add_key()
    time.sleep(10.1)  # past the 10 s between two fetches for an unknown kid (the test above caused one)
    assert env.internal_get(path, env.emulator.server_jwt()).status_code == 200


@pytest.fixture(scope="module")
def unconfigured(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A stack whose JWKS URL is unset, and one whose JWKS URL answers nothing."""
    tmp = tmp_path_factory.mktemp("engine-unconfigured")
    with NatsServer(tmp / "nats") as nats, SmtpSink() as smtp:
        unset = Stack(tmp / "unset", nats.url, smtp.port, extra_env=TOKENS_ENV)
        down = Stack(tmp / "down", nats.url, smtp.port, extra_env=TOKENS_ENV)
        down.configure_engine(jwks_url=f"http://127.0.0.1:{free_port()}/.well-known/jwks.json")
        with unset.start(("orgs",)), down.start(("orgs",)):
            yield unset, down


def test_unset_jwks_url_is_503_and_an_unreachable_jwks_is_503_with_retry_after(unconfigured, env: EngineEnv) -> None:  # type: ignore[no-untyped-def]
    unset, down = unconfigured
    token = env.emulator.server_jwt()
    with httpx.Client(base_url=unset.internal_api_url, timeout=30) as http:
        response = http.get("/internal/organizations/1", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503 and response.json()["code"] == "ENGINE_AUTH_NOT_CONFIGURED"
        assert http.get("/internal/health").status_code == 200
    with httpx.Client(base_url=down.internal_api_url, timeout=30) as http:
        response = http.get("/internal/organizations/1", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503 and int(response.headers["retry-after"]) > 0, response.text
