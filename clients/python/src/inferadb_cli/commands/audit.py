"""``audit list [--follow]`` and ``audit export``."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn

from inferadb_cli.output import Output, done, emit_json, show, stderr
from inferadb_cli.state import OrgOption, OutputOption, state_of
from inferadb_management import AuditFilters
from inferadb_management.models import AuditLogOut
from inferadb_management.resources.audit import ExportFormat

AUDIT_COLUMNS = ("created_at", "event_type", "resource_type", "resource_id", "actor")

audit = typer.Typer(help="The organization's audit log.", no_args_is_help=True)

EventTypes = Annotated[
    list[str] | None, typer.Option("--event-type", metavar="TYPE", help="Only this event type (repeatable).")
]


def _row(entry: AuditLogOut) -> dict[str, object]:
    row = entry.model_dump(mode="json")
    actor = entry.actor
    if actor.user_id:
        row["actor"] = f"user:{actor.user_id}"
    else:
        row["actor"] = f"client:{actor.client_id}" if actor.client_id else None
    return row


@audit.command("list")
def audit_list(
    ctx: typer.Context,
    event_type: EventTypes = None,
    limit: Annotated[int, typer.Option(help="How many entries, newest first.")] = 50,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new entries as they come (Ctrl-C stops, exit 130).")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls with --follow.")] = 2.0,
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Recent entries, newest first; with --follow, then every new one (oldest first, one per line in json)."""
    state = state_of(ctx)
    client = state.client()
    organization = state.organization(client, org)
    filters = AuditFilters(event_types=event_type or ())
    entries = client.audit.list(organization, filters, limit=min(limit, 100)).audit_logs
    fmt = state.format(output)
    if not follow:
        if fmt is Output.json:
            emit_json(entries)
        else:
            show([_row(entry) for entry in entries], fmt, AUDIT_COLUMNS)
        return
    seen = {entry.id for entry in entries}
    _print_new(list(reversed(entries)), fmt)
    while True:  # until Ctrl-C (exit 130, as for any interrupted command)
        time.sleep(interval)
        page = client.audit.list(organization, filters, limit=100).audit_logs
        new = [entry for entry in reversed(page) if entry.id not in seen]
        seen.update(entry.id for entry in new)
        _print_new(new, fmt)


def _print_new(entries: list[AuditLogOut], fmt: Output) -> None:
    for entry in entries:
        if fmt is Output.json:
            sys.stdout.write(entry.model_dump_json() + "\n")
        else:
            row = _row(entry)
            sys.stdout.write("  ".join(str(row.get(name) or "-") for name in AUDIT_COLUMNS) + "\n")
        sys.stdout.flush()


@audit.command("export")
def audit_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("-o", "--out", help="The file to write.")],
    format: Annotated[str, typer.Option("--format", help="csv or ndjson.")] = "ndjson",
    event_type: EventTypes = None,
    start_date: Annotated[str | None, typer.Option(help="RFC 3339, inclusive.")] = None,
    end_date: Annotated[str | None, typer.Option(help="RFC 3339, inclusive.")] = None,
    org: OrgOption = None,
    output: OutputOption = None,
) -> None:
    """Stream the audit log to a file (CSV or NDJSON); a progress bar when stderr is a terminal."""
    if format not in ("csv", "ndjson"):
        raise typer.BadParameter("csv or ndjson", param_hint="--format")
    chosen: ExportFormat = "csv" if format == "csv" else "ndjson"
    state = state_of(ctx)
    client = state.client()
    organization = state.organization(client, org)
    filters = AuditFilters(event_types=event_type or (), start_date=start_date, end_date=end_date)
    written = 0
    temporary = out.with_name(f".{out.name}.part")
    bar = stderr.is_terminal  # piped or redirected: no progress bar
    progress = Progress(
        SpinnerColumn(),
        TextColumn("exporting"),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=stderr,
        transient=True,
    )
    try:
        with temporary.open("wb") as handle, progress if bar else contextlib.nullcontext():
            task = progress.add_task("export", total=None) if bar else None
            for chunk in client.audit.export(organization, chosen, filters):
                handle.write(chunk)
                written += len(chunk)
                if task is not None:
                    progress.update(task, completed=written)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    summary = {"file": str(out), "format": chosen, "bytes": written}
    if state.format(output) is Output.json:
        emit_json(summary)
    else:
        done(f"Wrote {written} bytes of {chosen} to {out}.")
