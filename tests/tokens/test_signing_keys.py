"""The service's signing keys: the public JWKS, rotation by command (old tokens keep verifying, new
ones carry the new kid), and a clear refusal to start when the key encryption secret changed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import jwt

from inferadb_testing.free_port import free_port
from inferadb_testing.waiting import eventually
from tests.tokens.conftest import TokensEnv

MISMATCH = "Key encryption secret does not match the stored signing keys"


def _orgs_command(env: TokensEnv, *args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    # Its own port: the stack's orgs process keeps running on the same data.
    own_url = {
        "INFERADB_MGMT__SERVICES__ORGS_URL": f"http://127.0.0.1:{free_port()}",
        "INFERADB_MGMT__SERVER__INTERNAL_PORT": str(free_port()),
    }
    environment = {**env.stack.env_for("orgs"), **own_url, **overrides}
    return subprocess.run(
        [sys.executable, "-m", "inferadb_orgs", *args, "--config", str(env.stack.config_path)],
        env=environment,
        cwd=env.stack.tmp_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_jwks_lists_the_signing_key_with_cache_headers(env: TokensEnv) -> None:
    response = env.jwks()
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert keys and all(key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA" for key in keys)
    assert all(set(key) == {"kty", "crv", "x", "kid", "alg", "use"} for key in keys)


def test_private_signing_keys_are_encrypted_at_rest(env: TokensEnv) -> None:
    with sqlite3.connect(env.stack.tmp_dir / "data" / "orgs.db", timeout=15) as connection:
        rows = connection.execute("SELECT public_key, encrypted_private_key FROM signing_keys").fetchall()
    assert rows
    for public_key, sealed in rows:
        assert len(bytes(sealed)) == 12 + 32 + 16  # nonce, the 32-byte key, the GCM tag
        assert bytes(public_key) not in bytes(sealed)


def test_rotation_keeps_old_tokens_verifiable_and_signs_new_ones_with_the_new_kid(env: TokensEnv) -> None:
    creds = env.credentials()
    before = env.token(creds)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]

    rotated = _orgs_command(env, "rotate-signing-key")
    assert rotated.returncode == 0, rotated.stderr
    assert "is active" in rotated.stdout

    def new_kid() -> str | None:
        kid = jwt.get_unverified_header(env.token(creds)["access_token"])["kid"]
        return str(kid) if kid != old_kid else None

    fresh_kid = eventually(new_kid, timeout=10, what="the running service to adopt the rotated key")
    kids = [key["kid"] for key in env.jwks().json()["keys"]]
    assert kids[0] == fresh_kid and old_kid in kids
    assert env.verify_vault_token(before["access_token"])["vault_id"] == creds.vault
    after = env.token(creds)
    assert jwt.get_unverified_header(after["access_token"])["kid"] == fresh_kid
    assert env.verify_vault_token(after["access_token"])["vault_id"] == creds.vault


def test_changed_secret_is_one_clear_line_at_start_up(env: TokensEnv) -> None:
    wrong = {"INFERADB_MGMT__AUTH__KEY_ENCRYPTION_SECRET": "another-secret-" + "x" * 40}
    served = _orgs_command(env, "serve", **wrong)
    assert served.returncode == 1
    assert served.stderr.strip().splitlines() == [served.stderr.strip()]
    assert served.stderr.startswith(MISMATCH)
    rotated = _orgs_command(env, "rotate-signing-key", **wrong)
    assert rotated.returncode == 1 and rotated.stderr.startswith(MISMATCH)
