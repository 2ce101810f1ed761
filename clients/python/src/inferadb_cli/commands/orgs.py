"""``orgs``, ``members``, ``teams``."""

from __future__ import annotations

from typing import Annotated

import typer

from inferadb_cli import config
from inferadb_cli.output import done, show
from inferadb_cli.state import OrgOption, OutputOption, state_of

ORG_COLUMNS = ("id", "name", "role", "tier", "status", "created_at")
MEMBER_COLUMNS = ("id", "user_id", "name", "email", "role", "joined_at")
TEAM_COLUMNS = ("id", "name", "description", "member_count", "created_at")
TEAM_MEMBER_COLUMNS = ("id", "user_id", "name", "email", "is_manager")

orgs = typer.Typer(help="Organizations: list, create, choose one, show.", no_args_is_help=True)
members = typer.Typer(help="Members of an organization.", no_args_is_help=True)
teams = typer.Typer(help="Teams of an organization and their members.", no_args_is_help=True)


@orgs.command("list")
def orgs_list(ctx: typer.Context, output: OutputOption = None) -> None:
    """Your organizations."""
    state = state_of(ctx)
    show(list(state.client().organizations.iter()), state.format(output), ORG_COLUMNS)


@orgs.command("create")
def orgs_create(ctx: typer.Context, name: str, output: OutputOption = None) -> None:
    """Create an organization (you become its OWNER)."""
    state = state_of(ctx)
    show(state.client().organizations.create(name), state.format(output), ORG_COLUMNS)


@orgs.command("use")
def orgs_use(
    ctx: typer.Context, org: Annotated[str, typer.Argument(help="Organization id.")], output: OutputOption = None
) -> None:
    """Make ORG the default of every command's --org."""
    state = state_of(ctx)
    organization = state.client().organizations.get(org)
    credentials = config.load()
    credentials.entry(state.url).organization = organization.id
    config.save(credentials)
    show(organization, state.format(output), ORG_COLUMNS)
    done(f"Using organization {organization.name} ({organization.id}).")


@orgs.command("show")
def orgs_show(ctx: typer.Context, org: OrgOption = None, output: OutputOption = None) -> None:
    """One organization (default: the current one)."""
    state = state_of(ctx)
    client = state.client()
    show(client.organizations.get(state.organization(client, org)), state.format(output), ORG_COLUMNS)


@members.command("list")
def members_list(ctx: typer.Context, org: OrgOption = None, output: OutputOption = None) -> None:
    """The organization's members."""
    state = state_of(ctx)
    client = state.client()
    show(list(client.members.iter(state.organization(client, org))), state.format(output), MEMBER_COLUMNS)


@members.command("invite")
def members_invite(
    ctx: typer.Context,
    email: str,
    role: Annotated[str, typer.Option(help="OWNER, ADMIN or MEMBER.")] = "MEMBER",
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Mail an invitation to EMAIL."""
    state = state_of(ctx)
    client = state.client()
    show(client.invitations.create(state.organization(client, org), email, role), state.format(output))


@members.command("set-role")
def members_set_role(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="Member id (see `members list`).")],
    role: Annotated[str, typer.Argument(help="OWNER, ADMIN or MEMBER.")],
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Change a member's role (only an OWNER may grant or take away OWNER)."""
    state = state_of(ctx)
    client = state.client()
    show(client.members.set_role(state.organization(client, org), member, role), state.format(output), MEMBER_COLUMNS)


@members.command("remove")
def members_remove(ctx: typer.Context, member: str, org: OrgOption = None, output: OutputOption = None) -> None:
    """Remove a member (their team memberships and vault grants go too)."""
    state = state_of(ctx)
    client = state.client()
    show(client.members.remove(state.organization(client, org), member), state.format(output))


@teams.command("list")
def teams_list(ctx: typer.Context, org: OrgOption = None, output: OutputOption = None) -> None:
    """The organization's teams."""
    state = state_of(ctx)
    client = state.client()
    show(list(client.teams.iter(state.organization(client, org))), state.format(output), TEAM_COLUMNS)


@teams.command("create")
def teams_create(
    ctx: typer.Context, name: str, description: str | None = None, org: OrgOption = None, output: OutputOption = None
) -> None:
    """Create a team."""
    state = state_of(ctx)
    client = state.client()
    show(client.teams.create(state.organization(client, org), name, description), state.format(output), TEAM_COLUMNS)


@teams.command("show")
def teams_show(ctx: typer.Context, team: str, org: OrgOption = None, output: OutputOption = None) -> None:
    """One team."""
    state = state_of(ctx)
    client = state.client()
    show(client.teams.get(state.organization(client, org), team), state.format(output), TEAM_COLUMNS)


@teams.command("delete")
def teams_delete(ctx: typer.Context, team: str, org: OrgOption = None, output: OutputOption = None) -> None:
    """Delete a team (its members, permissions and vault grants go too)."""
    state = state_of(ctx)
    client = state.client()
    show(client.teams.delete(state.organization(client, org), team), state.format(output))


@teams.command("members")
def teams_members(ctx: typer.Context, team: str, org: OrgOption = None, output: OutputOption = None) -> None:
    """The members of TEAM."""
    state = state_of(ctx)
    client = state.client()
    rows = list(client.teams.iter_members(state.organization(client, org), team))
    show(rows, state.format(output), TEAM_MEMBER_COLUMNS)


@teams.command("add-member")
def teams_add_member(
    ctx: typer.Context,
    team: str,
    user_id: Annotated[str, typer.Argument(help="The user's id (an organization member).")],
    manager: Annotated[bool, typer.Option("--manager", help="Make them a manager of the team.")] = False,
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Add an organization member to TEAM."""
    state = state_of(ctx)
    client = state.client()
    added = client.teams.add_member(state.organization(client, org), team, user_id, manager)
    show(added, state.format(output), TEAM_MEMBER_COLUMNS)


@teams.command("remove-member")
def teams_remove_member(
    ctx: typer.Context, team: str, member: str, org: OrgOption = None, output: OutputOption = None
) -> None:
    """Remove MEMBER (a team member id, see `teams members`) from TEAM."""
    state = state_of(ctx)
    client = state.client()
    show(client.teams.remove_member(state.organization(client, org), team, member), state.format(output))
