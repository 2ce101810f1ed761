"""What every command shares: the server, the output format, the stored session, the organization."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated

import typer

from inferadb_cli import config
from inferadb_cli.output import Output
from inferadb_management import Client, InferaDBError
from inferadb_management.transport import DEFAULT_URL

URL_ENV = "INFERADB_URL"
USER_AGENT = "inferadb-cli"

OutputOption = Annotated[
    Output | None,
    typer.Option("--output", help="table (for people) or json (the API's objects, for scripts).", show_default=False),
]
OrgOption = Annotated[
    str | None,
    typer.Option(
        "--org", help="Organization id (default: the one chosen with `orgs use`, else your own).", show_default=False
    ),
]


class CliError(InferaDBError):
    """A refusal of the CLI itself (not signed in, no organization …): exit code 1, its message on stderr."""


@dataclass
class State:
    url: str
    output: Output

    def format(self, override: Output | None) -> Output:
        return override or self.output

    def client(self, *, signed_in: bool = True) -> Client:
        entry = config.load().entry(self.url)
        if signed_in and not entry.session_token:
            raise CliError(f"not signed in to {self.url}: run `inferadb login`")
        return Client(self.url, session_token=entry.session_token, user_agent=USER_AGENT)

    def organization(self, client: Client, given: str | None) -> str:
        """``--org``, else the one chosen with ``orgs use``, else the user's default organization (the first
        one they own, by id: the one registration made), else their first."""
        if given:
            return given
        chosen = config.load().entry(self.url).organization
        if chosen:
            return chosen
        first: str | None = None
        for organization in client.organizations.iter(limit=100):
            if organization.role == "OWNER":
                return organization.id
            first = first or organization.id
        if first is None:
            raise CliError("you belong to no organization: create one with `inferadb orgs create NAME`")
        return first


def state_of(ctx: typer.Context) -> State:
    found = ctx.find_root().obj
    if isinstance(found, State):
        return found
    return State(os.environ.get(URL_ENV, DEFAULT_URL).rstrip("/"), Output.table)
