"""The three examples of clients/python/README.md run as written against a real stack."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from inferadb_management import AuditFilters, generate_key_pair
from inferadb_testing.sdk import SdkStack, SdkUser
from inferadb_testing.waiting import eventually

README = Path(__file__).resolve().parents[2] / "clients" / "python" / "README.md"


def examples() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [block for block in blocks if "os.environ" in block]


def test_the_three_examples_run(sdk_env: SdkStack, owner: SdkUser, tmp_path: Path) -> None:
    sign_in, client_token, export = examples()
    org = owner.default_org
    vault = owner.client.vaults.create(org, "readme")
    backend = owner.client.clients.create(org, "readme-service")
    pair = generate_key_pair()
    certificate = owner.client.certificates.create(org, backend.id, "readme", public_key=pair.public_key_pem)
    key_file = tmp_path / "key.pem"
    key_file.write_text(pair.private_key_pem)
    env = {
        **os.environ,
        "INFERADB_URL": sdk_env.url,
        "INFERADB_EMAIL": owner.email,
        "INFERADB_PASSWORD": owner.password,
        "INFERADB_ORG": org,
        "INFERADB_VAULT": vault.id,
        "INFERADB_CLIENT_ID": backend.id,
        "INFERADB_KEY_FILE": str(key_file),
        "INFERADB_KID": certificate.certificate.kid,
    }

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    listed = run(sign_in).splitlines()
    assert listed == [f"{org} {owner.name}'s organization OWNER", "['readme'] False"]
    role, expires_in = run(client_token).split()
    assert role.lower() == "write" and int(expires_in) > 0
    eventually(
        lambda: list(owner.client.audit.iter(org, AuditFilters(event_types=["vault_created"]))),
        what="vault_created in the audit log",
    )
    printed = run(export)
    exported = [json.loads(line) for line in (tmp_path / "audit.ndjson").read_text().splitlines()]
    assert {"organization_created", "vault_created"} <= {entry["event_type"] for entry in exported}
    assert vault.id in printed
