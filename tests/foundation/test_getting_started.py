"""The getting-started walkthrough is executable: its bash blocks run, in order, against a real stack."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory

from .conftest import FAST_HASHING

REPO = Path(__file__).resolve().parents[2]


def test_walkthrough_runs_end_to_end(stack_factory: StackFactory, isolated_nats_server: NatsServer) -> None:
    assert shutil.which("jq"), "the walkthrough needs jq (Debian package jq)"
    stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=FAST_HASHING)
    text = (REPO / "docs" / "getting-started.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 6
    # The audit log fills from events, so the last block is retried until the token issuance shows up.
    audit_poll = (
        "for attempt in $(seq 1 40); do\n"
        f"  OUT=$({blocks[-1].strip()})\n"
        '  if grep -q vault_token_generated <<<"$OUT"; then echo "AUDIT $OUT"; break; fi\n'
        "  sleep 0.5\n"
        "done\n"
    )
    script = "set -euo pipefail\n" + "\n".join(blocks[:-1]) + "\n" + audit_poll
    env = os.environ | {"BASE": stack.gateway_url}
    result = subprocess.run(
        ["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"vault_role": "write"' in result.stdout
    assert "AUDIT" in result.stdout and "vault_token_generated" in result.stdout, result.stdout
