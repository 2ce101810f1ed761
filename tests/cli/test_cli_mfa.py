"""``inferadb login --password`` for an account with TOTP on (api.md §10): the code from ``--code`` or
asked for, a recovery code, and a wrong or missing code as one line on stderr, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from inferadb_testing.sdk import SdkStack, sdk_user
from inferadb_testing.totp import TotpCodes

from .conftest import Cli, assert_one_line_error


def test_password_login_of_an_account_with_totp_asks_for_the_code(cli_env: SdkStack, tmp_path: Path) -> None:
    user = sdk_user(cli_env, "cli-mfa", "Mia Cli")
    totp = TotpCodes(user.client.users.start_totp().secret)
    recovery = user.client.users.confirm_totp(totp.code()).recovery_codes
    cli = Cli(cli_env.url, tmp_path / "config")
    login = ("login", "--email", user.email, "--password-stdin", "--output", "json")

    given = cli.run(*login, "--code", totp.code(), stdin=user.password + "\n")
    assert given.returncode == 0 and "Traceback" not in given.stderr, given.stderr
    assert json.loads(given.stdout)["id"] == user.id  # login prints /v1/auth/me with the session it kept

    # Without --code the CLI asks (here: the next line of stdin).
    asked = cli.run(*login, stdin=f"{user.password}\n{totp.code()}\n")
    assert asked.returncode == 0, asked.stderr
    prompt, _, shown = asked.stdout.partition(": ")
    assert prompt == "Authentication code (or a recovery code)" and json.loads(shown)["id"] == user.id

    # A recovery code (as printed, or with spaces) instead of the authenticator's code.
    spaced = recovery[0].replace("-", " ")
    by_recovery = cli.run(*login, "--code", spaced, stdin=user.password + "\n")
    assert by_recovery.returncode == 0, by_recovery.stderr
    assert user.client.users.mfa_status().recovery_codes_left == 9

    # A wrong code, a used recovery code: one line each, no session kept.
    assert cli.run("logout").returncode == 0
    assert_one_line_error(cli.run(*login, "--code", totp.wrong_code(), stdin=user.password + "\n"), "INVALID_MFA_CODE")
    assert_one_line_error(cli.run(*login, "--code", recovery[0], stdin=user.password + "\n"), "INVALID_MFA_CODE")
    assert cli.run("whoami").returncode == 1

    # No code and nothing left to read: the CLI gives up without a traceback.
    missing = cli.run(*login, stdin=user.password + "\n")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr, missing.stderr
    assert missing.stderr.strip() in ("Aborted.", "Aborted!"), missing.stderr

    # --code belongs to the password sign-in.
    usage = cli.run("login", "--code", "123456")
    assert usage.returncode == 2 and "--code" in usage.stderr and "Traceback" not in usage.stderr
