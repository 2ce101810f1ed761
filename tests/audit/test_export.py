"""``GET /v1/organizations/{org}/audit-logs/export``: NDJSON and CSV, the list's filters, streamed
page by page with constant memory, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import psutil
import pytest

from inferadb_testing import NatsServer, SmtpSink
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.users import ApiUser
from tests.fuzz.conformance import assert_documented, openapi_document

from .conftest import FAST_ENV, AuditEnv, make_events, page_through, seed_rows

pytestmark = pytest.mark.integration

CSV_COLUMNS = [
    "id",
    "created_at",
    "event_type",
    "organization_id",
    "actor_user_id",
    "actor_client_id",
    "ip_address",
    "user_agent",
    "resource_type",
    "resource_id",
    "request_id",
    "data",
]


def export(user: ApiUser, org: str, **params: str) -> tuple[dict[str, str], bytes]:
    with user.http.stream("GET", f"/v1/organizations/{org}/audit-logs/export", params=params) as response:
        assert response.status_code == 200, response.read()
        return dict(response.headers), b"".join(response.iter_bytes())


def test_the_export_content_types_are_the_documented_ones(env: AuditEnv) -> None:
    """Found by the fuzzer (R5): the document said the export answers application/json."""
    owner = env.user()
    document = openapi_document(env.url)
    for format in ("ndjson", "csv"):
        response = owner.get(f"/v1/organizations/{owner.default_org}/audit-logs/export", params={"format": format})
        assert response.status_code == 200, response.text
        assert_documented(document, "/v1/organizations/{org}/audit-logs/export", response)
    assert (
        "application/json"
        not in document["paths"]["/v1/organizations/{org}/audit-logs/export"]["get"]["responses"]["200"]["content"]
    )


def test_ndjson_and_csv_exports_span_many_pages_and_match_the_listing(env: AuditEnv) -> None:
    owner = env.user()
    org = owner.default_org
    start = datetime.now(UTC) - timedelta(hours=2)
    bulk = make_events(
        env.publisher.ids(3500),
        organization_id=org,
        user_id=owner.id,
        times=[start + timedelta(milliseconds=index) for index in range(3500)],
    )
    formulas = make_events(
        env.publisher.ids(1),
        type_="team.created",
        organization_id=org,
        user_id=owner.id,
        resource_id="@SUM(A1:A9)",
        user_agent='=HYPERLINK("http://evil.example","click")',
        data={"name": "+1-2", "note": "-3"},
    )
    env.publish([*bulk, *formulas])
    listed = [entry for page in page_through(owner, org, 100) for entry in page]
    assert len(listed) == 3500 + 1 + 2  # with the organization's creation and its owner

    headers, body = export(owner, org, format="ndjson")
    assert headers["content-type"] == "application/x-ndjson"
    assert headers["content-disposition"] == f'attachment; filename="audit-logs-{org}.ndjson"'
    lines = body.decode().splitlines()
    assert [json.loads(line) for line in lines] == listed

    headers, body = export(owner, org, format="csv")
    assert headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == f'attachment; filename="audit-logs-{org}.csv"'
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == CSV_COLUMNS
    assert [row[0] for row in rows[1:]] == [entry["id"] for entry in listed]
    by_id = {row[0]: dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    sample = by_id[bulk[7].id]
    assert json.loads(sample["data"]) == {"index": 7}
    assert sample["created_at"].endswith("Z") and sample["actor_user_id"] == owner.id
    assert sample["actor_client_id"] == ""
    risky = by_id[formulas[0].id]
    assert risky["user_agent"] == '\'=HYPERLINK("http://evil.example","click")'
    assert risky["resource_id"] == "'@SUM(A1:A9)"
    assert json.loads(risky["data"]) == {"name": "+1-2", "note": "-3"}  # a JSON object starts with '{'
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)

    # The list's filters apply.
    _, filtered = export(owner, org, format="csv", event_type="team_created")
    assert [row[0] for row in csv.reader(io.StringIO(filtered.decode()))][1:] == [formulas[0].id]
    _, window = export(
        owner,
        org,
        start_date=(start + timedelta(milliseconds=1000)).isoformat(),
        end_date=(start + timedelta(milliseconds=1999)).isoformat(),
    )
    assert len(window.decode().splitlines()) == 1000
    bad = owner.get(f"/v1/organizations/{org}/audit-logs/export", params={"format": "xml"})
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"format"}


def test_exporting_100k_entries_keeps_the_audit_process_memory_flat(
    isolated_nats_server: NatsServer, smtp_sink: SmtpSink, stack_factory: StackFactory
) -> None:
    stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=FAST_ENV)
    env = AuditEnv(stack, smtp_sink)
    try:
        owner = env.user()
        start = datetime.now(UTC) - timedelta(days=1)
        seed_rows(
            env.audit_db,
            100_000,
            first_id=1_000_000,
            organization_id=int(owner.default_org),
            created_at=lambda index: start + timedelta(milliseconds=index),
            data=lambda index: {"name": f"vault {index}", "padding": "x" * 200},
        )
        audit = psutil.Process(stack.process("audit").pid)
        export(owner, owner.default_org, format="ndjson", end_date=(start + timedelta(seconds=5)).isoformat())
        before = audit.memory_info().rss
        peak = before
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, audit.memory_info().rss)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            _, body = export(owner, owner.default_org, format="ndjson")
        finally:
            done.set()
            sampler.join()
        exported = body.count(b"\n")
        assert exported == 100_000 + 2  # the seeded rows and the organization's own two
        growth_mb = (peak - before) / 2**20
        # Holding the export would take well over 100 MB (about 50 MB of NDJSON alone). What does grow
        # is bounded: the page cache (16 MiB) of the one pooled SQLite connection the pages are read on.
        assert growth_mb < 25, f"audit RSS grew by {growth_mb:.1f} MB while exporting {len(body) / 2**20:.0f} MB"
    finally:
        env.close()
