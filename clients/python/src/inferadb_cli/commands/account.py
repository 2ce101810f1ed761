"""``login``, ``logout``, ``whoami``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from inferadb_cli import config
from inferadb_cli.login import browser_login, code_login
from inferadb_cli.output import done, show
from inferadb_cli.state import CliError, OutputOption, state_of
from inferadb_management import Client
from inferadb_management.models import MfaRequiredOut

USER_COLUMNS = ("id", "name", "email", "email_verified")


def is_totp_code(code: str) -> bool:
    """An authenticator's code is six digits; anything else is taken for a recovery code (``xxxx-xxxx-xxxx``)."""
    return len(code) == 6 and code.isdigit()


def login(
    ctx: typer.Context,
    email: Annotated[
        str | None, typer.Option(help="Sign in with this address and a password instead of the browser.")
    ] = None,
    password: Annotated[bool, typer.Option("--password", help="Ask for the password (needs --email).")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (needs --email).")
    ] = False,
    code: Annotated[
        str | None,
        typer.Option(
            "--code",
            help="With --email and a password: the authenticator's code (or a recovery code) when the account "
            "has two-factor authentication on; asked for when needed and not given.",
        ),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the sign-in address and read the code it shows from stdin.")
    ] = False,
    port: Annotated[int, typer.Option(help="Loopback port for the browser's answer (0: any free port).")] = 0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the browser.")] = 300.0,
    output: OutputOption = None,
) -> None:
    """Sign in: in the browser (PKCE), or with --email and --password / --password-stdin."""
    state = state_of(ctx)
    client = Client(state.url, user_agent="inferadb-cli")
    if code is not None and not email:
        raise typer.BadParameter("--code goes with --email and a password", param_hint="--code")
    if password or password_stdin or email:
        if not email:
            raise typer.BadParameter("--password and --password-stdin need --email", param_hint="--email")
        secret = sys.stdin.readline().rstrip("\r\n") if password_stdin else typer.prompt("Password", hide_input=True)
        signed_in = client.auth.login(email, secret, session_type="cli")
        if isinstance(signed_in, MfaRequiredOut):
            given = code if code is not None else typer.prompt("Authentication code (or a recovery code)")
            given = "".join(given.split())
            if is_totp_code(given):
                client.auth.login_mfa(signed_in.mfa_token, code=given)
            else:
                client.auth.login_mfa(signed_in.mfa_token, recovery_code=given)
    elif no_browser:
        code_login(client)
    else:
        browser_login(client, port=port, timeout=timeout)
    if not client.session_token:
        raise CliError("the server answered without a session")
    credentials = config.load()
    credentials.entry(state.url).session_token = client.session_token
    config.save(credentials)
    user = client.auth.me()
    show(user, state.format(output), USER_COLUMNS)
    done(f"Signed in to {state.url} as {user.email}.")


def logout(ctx: typer.Context) -> None:
    """Sign out: revoke the session on the server and forget it here."""
    state = state_of(ctx)
    credentials = config.load()
    entry = credentials.entry(state.url)
    if entry.session_token:
        client = Client(state.url, session_token=entry.session_token, user_agent="inferadb-cli")
        client.auth.logout()
    entry.session_token = None
    config.save(credentials)
    done("Signed out.")


def whoami(ctx: typer.Context, output: OutputOption = None) -> None:
    """The signed-in user."""
    state = state_of(ctx)
    show(state.client().auth.me(), state.format(output), USER_COLUMNS)
