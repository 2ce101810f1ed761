"""The ``inferadb`` command: its global options and its command groups."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from inferadb_cli.commands import account, audit, orgs, vaults
from inferadb_cli.output import Output
from inferadb_cli.state import URL_ENV, State
from inferadb_management import __version__
from inferadb_management.transport import DEFAULT_URL

HELP = (
    "Manage InferaDB from the command line: organizations, vaults, clients, certificates, tokens, audit logs.\n\n"
    f"Start with `inferadb login`. The server is --url, else ${URL_ENV}, else {DEFAULT_URL}. "
    "Credentials are kept in $XDG_CONFIG_HOME/inferadb/credentials.json (mode 0600).\n\n"
    "Exit codes: 0 done; 1 the API or the CLI refused (one line on stderr); 2 a usage error."
)

app = typer.Typer(
    name="inferadb",
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"inferadb {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Option(envvar=URL_ENV, help="The Management API's address (the gateway).", show_default=True)
    ] = DEFAULT_URL,
    output: Annotated[
        Output, typer.Option("--output", help="table or json; each command takes it too.")
    ] = Output.table,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = State(url.rstrip("/") or os.environ.get(URL_ENV, DEFAULT_URL), output)


app.command()(account.login)
app.command()(account.logout)
app.command()(account.whoami)
app.add_typer(orgs.orgs, name="orgs")
app.add_typer(orgs.members, name="members")
app.add_typer(orgs.teams, name="teams")
app.add_typer(vaults.vaults, name="vaults")
app.add_typer(vaults.clients, name="clients")
app.add_typer(vaults.certs, name="certs")
app.command()(vaults.token)
app.add_typer(audit.audit, name="audit")
