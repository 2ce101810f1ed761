"""``inferadb`` end to end, as scripts and people use it (api.md §11): sign in through the console's PKCE
page (``--no-browser`` and the loopback redirect), then org → vault → client → certificate → token, each
with ``--output json`` parsed; the JWT verifies against the published keys."""

from __future__ import annotations

import base64
import json
import os
import pty
import signal
import stat
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from inferadb_testing.sdk import SdkStack, sdk_user

from .conftest import Browser, Cli, address_from, cli_environment, code_on_page, command


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def test_no_browser_login_then_org_vault_client_cert_token(cli_env: SdkStack, tmp_path: Path) -> None:
    user = sdk_user(cli_env, "cli-ada", "Ada Cli")
    cli = Cli(cli_env.url, tmp_path / "config")
    browser = Browser(cli_env.url, user.client.session_token or "")

    # login --no-browser: the CLI prints the console's address and reads the code the page shows
    process = cli.popen("login", "--no-browser", "--output", "json")
    assert process.stderr is not None and process.stdin is not None
    address = address_from(process.stderr, f"{cli_env.url}/cli/authorize?")
    query = parse_qs(urlsplit(address).query)
    assert query["code_challenge_method"] == ["S256"] and "redirect_uri" not in query
    code = code_on_page(browser.approve(address))
    stdout, stderr = process.communicate(code + "\n", timeout=60)
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["email"] == user.email

    credentials = tmp_path / "config" / "inferadb" / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(credentials.parent.stat().st_mode) == 0o700
    stored = json.loads(credentials.read_text())["servers"][cli_env.url]["session_token"]
    sessions = user.client.users.list_sessions()
    assert [s.session_type for s in sessions].count("cli") == 1
    assert stored not in (s.id for s in sessions)  # the file holds the secret, the API shows a public id

    me = as_json(cli.run("whoami", "--output", "json"))
    assert isinstance(me, dict) and me["id"] == user.id
    orgs = as_json(cli.run("orgs", "list", "--output", "json"))
    assert isinstance(orgs, list) and [o["id"] for o in orgs] == [user.default_org]

    org = as_json(cli.run("orgs", "create", "CLI org", "--output", "json"))
    assert isinstance(org, dict) and org["role"] == "OWNER"
    assert as_json(cli.run("orgs", "use", org["id"], "--output", "json")) == org | {"updated_at": org["updated_at"]}
    shown = as_json(cli.run("orgs", "show", "--output", "json"))
    assert isinstance(shown, dict) and shown["id"] == org["id"]

    vault = as_json(cli.run("vaults", "create", "prod", "--output", "json"))
    assert isinstance(vault, dict) and vault["organization_id"] == org["id"]
    client = as_json(cli.run("clients", "create", "billing", "--org", org["id"], "--output", "json"))
    assert isinstance(client, dict) and client["is_active"] is True

    key_file = tmp_path / "billing.pem"
    certificate = as_json(
        cli.run(
            "certs",
            "create",
            "--client",
            client["id"],
            "--name",
            "key-1",
            "--key-out",
            str(key_file),
            "--output",
            "json",
        )
    )
    assert isinstance(certificate, dict) and "private_key" not in certificate
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    private_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(private_key, Ed25519PrivateKey)
    raw_public = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert certificate["public_key"] == base64.b64encode(raw_public).decode()
    # The private key went to the file only: no process of the stack ever saw it.
    key_body = "".join(key_file.read_text().splitlines()[1:-1])
    assert key_body not in cli_env.stack.log_text()
    again = cli.run("certs", "create", "--client", client["id"], "--key-out", str(key_file))
    assert again.returncode == 1 and "exists" in again.stderr  # never overwrites a key

    # The certificate's key is in the organization's JWKS …
    org_jwks = httpx.get(f"{cli_env.url}/v1/organizations/{org['id']}/jwks.json", timeout=30).json()
    [published] = [key for key in org_jwks["keys"] if key["kid"] == certificate["kid"]]
    assert base64.urlsafe_b64decode(published["x"] + "==") == raw_public

    # … and a token by client assertion verifies against that JWKS: it lists the keys vault tokens are
    # signed with too (engine.md E1), which is where the engine looks a token's kid up.
    token = as_json(
        cli.run(
            "token",
            "--vault",
            vault["id"],
            "--client-id",
            client["id"],
            "--key",
            str(key_file),
            "--kid",
            certificate["kid"],
            "--role",
            "write",
            "--output",
            "json",
        )
    )
    assert isinstance(token, dict) and token["vault_role"].lower() == "write" and token["token_type"] == "Bearer"
    org_keys = httpx.get(f"{cli_env.url}/v1/organizations/{org['id']}/jwks.json", timeout=30).json()
    signing = jwt.PyJWKSet.from_dict(org_keys)
    header = jwt.get_unverified_header(token["access_token"])
    claims = jwt.decode(
        token["access_token"], signing[header["kid"]], algorithms=["EdDSA"], options={"verify_aud": False}
    )
    assert claims["sub"] == f"client:{client['id']}" and claims["vault_id"] == vault["id"]
    assert claims["org_id"] == org["id"]

    mine = as_json(cli.run("token", "--vault", vault["id"], "--output", "json"))
    assert isinstance(mine, dict) and mine["vault_role"].lower() == "read"

    # The other commands, each printing the API's objects
    assert [v["id"] for v in as_json(cli.run("vaults", "list", "--output", "json"))] == [vault["id"]]
    assert [c["id"] for c in as_json(cli.run("clients", "list", "--output", "json"))] == [client["id"]]
    certs = as_json(cli.run("certs", "list", "--client", client["id"], "--output", "json"))
    assert [c["kid"] for c in certs] == [certificate["kid"]]
    members = as_json(cli.run("members", "list", "--output", "json"))
    assert [m["user_id"] for m in members] == [user.id]
    invitation = as_json(cli.run("members", "invite", "someone@example.com", "--role", "admin", "--output", "json"))
    assert isinstance(invitation, dict) and invitation["role"] == "ADMIN" and invitation["status"] == "pending"
    team = as_json(cli.run("teams", "create", "Platform", "--output", "json"))
    assert isinstance(team, dict)
    assert [t["id"] for t in as_json(cli.run("teams", "list", "--output", "json"))] == [team["id"]]
    grant = as_json(
        cli.run("vaults", "grant", vault["id"], "--team", team["id"], "--role", "reader", "--output", "json")
    )
    assert isinstance(grant, dict) and grant["team_id"] == team["id"] and grant["role"] == "READER"
    assert cli.run("vaults", "revoke-grant", vault["id"], grant["id"], "--team").returncode == 0
    revoked = as_json(cli.run("certs", "revoke", certificate["id"], "--client", client["id"], "--output", "json"))
    assert isinstance(revoked, dict) and revoked["is_active"] is False
    deactivated = as_json(cli.run("clients", "deactivate", client["id"], "--output", "json"))
    assert isinstance(deactivated, dict) and deactivated["is_active"] is False
    table = cli.run("vaults", "list")
    assert table.returncode == 0 and "prod" in table.stdout and vault["id"] in table.stdout

    # Audit: list, and export to a file (piped: no progress bar)
    events = as_json(cli.run("audit", "list", "--event-type", "vault_created", "--output", "json"))
    assert isinstance(events, list) and {e["event_type"] for e in events} <= {"vault_created"}
    for kind in ("ndjson", "csv"):
        out = tmp_path / f"audit.{kind}"
        summary = as_json(cli.run("audit", "export", "--format", kind, "-o", str(out), "--output", "json"))
        assert isinstance(summary, dict) and summary["bytes"] == out.stat().st_size > 0
    lines = [json.loads(line) for line in (tmp_path / "audit.ndjson").read_text().splitlines()]
    assert "organization_created" in {line["event_type"] for line in lines}
    assert (tmp_path / "audit.csv").read_text().splitlines()[0].startswith(("id,", '"id"'))
    piped = cli.run("audit", "export", "--format", "csv", "-o", str(tmp_path / "piped.csv"))
    assert piped.returncode == 0 and "exporting" not in piped.stderr and "\x1b[" not in piped.stderr

    # logout revokes the session and forgets it
    assert cli.run("logout").returncode == 0
    assert [s.session_type for s in user.client.users.list_sessions()].count("cli") == 0
    after = cli.run("whoami")
    assert after.returncode == 1 and "not signed in" in after.stderr
    browser.close()


def test_browser_login_through_the_loopback_redirect(cli_env: SdkStack, tmp_path: Path) -> None:
    user = sdk_user(cli_env, "cli-bea", "Bea Cli")
    cli = Cli(cli_env.url, tmp_path / "config")
    browser = Browser(cli_env.url, user.client.session_token or "")
    process = cli.popen("login", "--output", "json", BROWSER="true")  # the browser is this test, not a program
    assert process.stderr is not None
    address = address_from(process.stderr, f"{cli_env.url}/cli/authorize?")
    redirect_uri = parse_qs(urlsplit(address).query)["redirect_uri"][0]
    assert redirect_uri.startswith("http://127.0.0.1:") and redirect_uri.endswith("/callback")
    page = browser.http.get(address)
    assert f"form-action 'self' {redirect_uri.removesuffix('/callback')}" in page.headers["content-security-policy"]
    approved = browser.approve(address)
    assert approved.status_code == 303
    location = approved.headers["location"]
    assert location.startswith(redirect_uri + "?code=")
    landed = httpx.get(location, timeout=30)  # the browser follows the redirect to the CLI's loopback port
    assert landed.status_code == 200 and "Signed in" in landed.text
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert json.loads(stdout)["email"] == user.email
    assert cli.run("whoami").returncode == 0
    browser.close()


def test_console_refuses_a_redirect_to_another_host(cli_env: SdkStack) -> None:
    user = sdk_user(cli_env, "cli-eve", "Eve Cli")
    browser = Browser(cli_env.url, user.client.session_token or "")
    challenge = "A" * 43
    for target in ("http://evil.example:8000/callback", "https://127.0.0.1:9/callback", "http://127.0.0.1/cb"):
        page = browser.http.get(
            "/cli/authorize",
            params={"code_challenge": challenge, "code_challenge_method": "S256", "state": "s", "redirect_uri": target},
        )
        assert page.status_code == 400 and "another computer" in page.text
    signed_out = httpx.get(
        f"{cli_env.url}/cli/authorize",
        params={"code_challenge": challenge, "code_challenge_method": "S256"},
        timeout=30,
    )
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login?next=/cli/authorize")
    browser.close()


def test_audit_export_shows_a_progress_bar_on_a_terminal(cli_env: SdkStack, tmp_path: Path) -> None:
    user = sdk_user(cli_env, "cli-tty", "Tty Cli")
    cli = Cli(cli_env.url, tmp_path / "config")
    assert cli.run("login", "--email", user.email, "--password-stdin", stdin=user.password + "\n").returncode == 0
    primary, secondary = pty.openpty()
    env = cli_environment(cli_env.url, tmp_path / "config", TERM="xterm-256color")
    out = tmp_path / "tty.ndjson"
    process = subprocess.Popen(
        command("audit", "export", "--format", "ndjson", "-o", str(out)), stdout=secondary, stderr=secondary, env=env
    )
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=60) == 0, seen
    os.close(primary)
    assert b"exporting" in seen and out.stat().st_size > 0


def test_audit_list_follow_prints_new_entries_until_interrupted(cli_env: SdkStack, tmp_path: Path) -> None:
    user = sdk_user(cli_env, "cli-follow", "Fay Cli")
    cli = Cli(cli_env.url, tmp_path / "config")
    assert cli.run("login", "--email", user.email, "--password-stdin", stdin=user.password + "\n").returncode == 0
    process = cli.popen("audit", "list", "--follow", "--interval", "0.3", "--output", "json")
    assert process.stdout is not None
    vault = user.client.vaults.create(user.default_org, "followed")
    try:
        for _ in range(200):
            line = process.stdout.readline()
            assert line, "the follower stopped"
            entry = json.loads(line)
            if entry["event_type"] == "vault_created" and entry["resource_id"] == vault.id:
                break
        else:
            raise AssertionError("vault_created never followed")
    finally:
        process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and stderr == "", stderr  # interrupted: no traceback, no message


def test_members_teams_and_grants_commands(cli_env: SdkStack, tmp_path: Path) -> None:
    owner, other = sdk_user(cli_env, "cli-own", "Olga Cli"), sdk_user(cli_env, "cli-mem", "Mo Cli")
    cli = Cli(cli_env.url, tmp_path / "config")
    assert cli.run("login", "--email", owner.email, "--password", stdin=owner.password + "\n").returncode == 0
    org = owner.default_org
    invitation = as_json(cli.run("members", "invite", other.email, "--output", "json"))
    other.client.users.accept_invitation(invitation["id"])
    members = {m["user_id"]: m for m in as_json(cli.run("members", "list", "--org", org, "--output", "json"))}
    member = members[other.id]
    assert as_json(cli.run("members", "set-role", member["id"], "admin", "--output", "json"))["role"] == "ADMIN"

    team = as_json(cli.run("teams", "create", "Ops", "--description", "on call", "--output", "json"))
    assert as_json(cli.run("teams", "show", team["id"], "--output", "json"))["description"] == "on call"
    added = as_json(cli.run("teams", "add-member", team["id"], other.id, "--manager", "--output", "json"))
    assert added["user_id"] == other.id and added["is_manager"] is True
    assert [m["user_id"] for m in as_json(cli.run("teams", "members", team["id"], "--output", "json"))] == [other.id]
    assert cli.run("teams", "remove-member", team["id"], added["id"]).returncode == 0
    assert as_json(cli.run("teams", "members", team["id"], "--output", "json")) == []

    vault = as_json(cli.run("vaults", "create", "shared", "--output", "json"))
    grant = as_json(cli.run("vaults", "grant", vault["id"], "--user", other.id, "--role", "writer", "--output", "json"))
    assert grant["user_id"] == other.id and grant["role"] == "WRITER"
    assert other.client.tokens.for_session(org, vault["id"], requested_role="write").vault_role.lower() == "write"
    assert cli.run("vaults", "revoke-grant", vault["id"], grant["id"]).returncode == 0
    assert [g.user_id for g in owner.client.vaults.iter_user_grants(org, vault["id"])] == [owner.id]

    assert cli.run("teams", "delete", team["id"]).returncode == 0
    assert as_json(cli.run("teams", "list", "--output", "json")) == []
    assert cli.run("members", "remove", member["id"]).returncode == 0
    assert [m["user_id"] for m in as_json(cli.run("members", "list", "--output", "json"))] == [owner.id]
    table = cli.run("orgs", "list")
    assert table.returncode == 0 and "Olga Cli's organization" in table.stdout and "OWNER" in table.stdout
