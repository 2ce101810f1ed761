"""``vaults``, ``clients``, ``certs``, ``token``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from inferadb_cli.config import write_private
from inferadb_cli.output import done, show
from inferadb_cli.state import USER_AGENT, CliError, OrgOption, OutputOption, state_of
from inferadb_management import Client, ClientCredentials, generate_key_pair

VAULT_COLUMNS = ("id", "name", "description", "sync_status", "created_at")
GRANT_COLUMNS = ("id", "user_id", "team_id", "role", "granted_at")
CLIENT_COLUMNS = ("id", "name", "description", "is_active", "created_at")
CERT_COLUMNS = ("id", "kid", "name", "is_active", "created_at", "revoked_at", "last_used_at")
TOKEN_COLUMNS = ("access_token", "token_type", "expires_in", "vault_id", "vault_role", "scope")

vaults = typer.Typer(help="Vaults and who may use them.", no_args_is_help=True)
clients = typer.Typer(help="Backend clients (they authenticate with certificates).", no_args_is_help=True)
certs = typer.Typer(help="Certificates of a client (Ed25519 keys).", no_args_is_help=True)


@vaults.command("list")
def vaults_list(ctx: typer.Context, org: OrgOption = None, output: OutputOption = None) -> None:
    """The organization's vaults."""
    state = state_of(ctx)
    client = state.client()
    show(list(client.vaults.iter(state.organization(client, org))), state.format(output), VAULT_COLUMNS)


@vaults.command("create")
def vaults_create(
    ctx: typer.Context, name: str, description: str | None = None, org: OrgOption = None, output: OutputOption = None
) -> None:
    """Create a vault (you get an ADMIN grant on it)."""
    state = state_of(ctx)
    client = state.client()
    show(client.vaults.create(state.organization(client, org), name, description), state.format(output), VAULT_COLUMNS)


@vaults.command("grant")
def vaults_grant(
    ctx: typer.Context,
    vault: str,
    role: Annotated[str, typer.Option(help="READER, WRITER, MANAGER or ADMIN.")],
    user: Annotated[str | None, typer.Option(help="A user's id.")] = None,
    team: Annotated[str | None, typer.Option(help="A team's id.")] = None,
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Give a user (--user) or a team (--team) a role on VAULT."""
    if (user is None) == (team is None):
        raise typer.BadParameter("give exactly one of --user and --team")
    state = state_of(ctx)
    client = state.client()
    organization = state.organization(client, org)
    grant = (
        client.vaults.grant_user(organization, vault, user, role)
        if user is not None
        else client.vaults.grant_team(organization, vault, team or "", role)
    )
    show(grant, state.format(output), GRANT_COLUMNS)


@vaults.command("revoke-grant")
def vaults_revoke_grant(
    ctx: typer.Context,
    vault: str,
    grant: Annotated[str, typer.Argument(help="The grant's id.")],
    team: Annotated[bool, typer.Option("--team", help="GRANT is a team grant.")] = False,
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Remove a user grant (or, with --team, a team grant) from VAULT."""
    state = state_of(ctx)
    client = state.client()
    organization = state.organization(client, org)
    revoked = (
        client.vaults.revoke_team_grant(organization, vault, grant)
        if team
        else client.vaults.revoke_user_grant(organization, vault, grant)
    )
    show(revoked, state.format(output))


@clients.command("list")
def clients_list(ctx: typer.Context, org: OrgOption = None, output: OutputOption = None) -> None:
    """The organization's backend clients."""
    state = state_of(ctx)
    client = state.client()
    show(list(client.clients.iter(state.organization(client, org))), state.format(output), CLIENT_COLUMNS)


@clients.command("create")
def clients_create(
    ctx: typer.Context, name: str, description: str | None = None, org: OrgOption = None, output: OutputOption = None
) -> None:
    """Create a backend client; give it a certificate with `certs create`."""
    state = state_of(ctx)
    client = state.client()
    created = client.clients.create(state.organization(client, org), name, description)
    show(created, state.format(output), CLIENT_COLUMNS)


@clients.command("deactivate")
def clients_deactivate(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Argument(metavar="CLIENT")],
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Turn a client off (its certificates and refresh tokens are revoked)."""
    state = state_of(ctx)
    client = state.client()
    show(client.clients.deactivate(state.organization(client, org), client_id), state.format(output), CLIENT_COLUMNS)


@certs.command("create")
def certs_create(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Option("--client", help="The client's id.")],
    key_out: Annotated[
        Path, typer.Option("--key-out", help="Where to write the private key (created with mode 0600).")
    ],
    name: Annotated[str | None, typer.Option(help="The certificate's name (default: the key file's name).")] = None,
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Make an Ed25519 key pair here, register its public key, write the private key to --key-out.

    The private key never leaves this machine: only the public key is sent."""
    if key_out.exists():
        raise CliError(f"{key_out} exists: choose another --key-out (a private key is never overwritten)")
    state = state_of(ctx)
    client = state.client()
    pair = generate_key_pair()
    organization = state.organization(client, org)
    created = client.certificates.create(organization, client_id, name or key_out.stem, public_key=pair.public_key_pem)
    try:
        write_private(key_out, pair.private_key_pem)
    except OSError as error:
        client.certificates.revoke(organization, client_id, created.certificate.id)
        raise CliError(f"cannot write {key_out} ({error.strerror}): the certificate was revoked") from None
    show(created.certificate, state.format(output), CERT_COLUMNS)
    done(f"Private key written to {key_out} (mode 0600). Key id: {created.certificate.kid}")


@certs.command("list")
def certs_list(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Option("--client", help="The client's id.")],
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """The certificates of a client."""
    state = state_of(ctx)
    client = state.client()
    rows = list(client.certificates.iter(state.organization(client, org), client_id))
    show(rows, state.format(output), CERT_COLUMNS)


@certs.command("revoke")
def certs_revoke(
    ctx: typer.Context,
    certificate: str,
    client_id: Annotated[str, typer.Option("--client", help="The client's id.")],
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Revoke CERTIFICATE: its key leaves the organization's JWKS at once."""
    state = state_of(ctx)
    client = state.client()
    revoked = client.certificates.revoke(state.organization(client, org), client_id, certificate)
    show(revoked, state.format(output), CERT_COLUMNS)


def token(
    ctx: typer.Context,
    vault: Annotated[str, typer.Option(help="The vault's id.")],
    role: Annotated[str | None, typer.Option(help="read, write, manage or admin (default read).")] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Get the token as this client (with --key and --kid).")
    ] = None,
    key: Annotated[Path | None, typer.Option(help="The client's private key (PEM), from `certs create`.")] = None,
    kid: Annotated[str | None, typer.Option(help="The certificate's key id.")] = None,
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Print a vault token (a JWT for the InferaDB engine): yours, or a client's with --client-id/--key/--kid."""
    state = state_of(ctx)
    given = [value is not None for value in (client_id, key, kid)]
    if any(given) and not all(given):
        raise typer.BadParameter("--client-id, --key and --kid go together")
    if client_id is not None and key is not None and kid is not None:
        try:
            private_key = key.read_bytes()
        except OSError as error:
            raise CliError(f"cannot read {key}: {error.strerror}") from None
        credentials = ClientCredentials(client_id, private_key, kid)
        with Client(state.url, credentials=credentials, user_agent=USER_AGENT) as client:
            response = client.vault_token(vault, role or "read")
    else:
        client = state.client()
        response = client.tokens.for_session(state.organization(client, org), vault, requested_role=role)
    show(response, state.format(output), TOKEN_COLUMNS)
