"""Retention: entries older than ``audit.retention_days`` are purged in bounded batches by the
background job (at start-up and then hourly); younger ones stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from inferadb_testing import NatsServer, SmtpSink
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.waiting import eventually

from .conftest import FAST_ENV, AuditEnv, seed_rows

pytestmark = pytest.mark.integration


def retention_reports(env: AuditEnv) -> list[dict[str, object]]:
    reports = []
    for line in env.stack.process("audit").log_text().splitlines():
        if line.startswith("{") and '"retention"' in line:
            reports.append(json.loads(line)["retention"])
    return reports


def test_old_entries_are_purged_in_batches_of_at_most_5000(
    isolated_nats_server: NatsServer, smtp_sink: SmtpSink, stack_factory: StackFactory
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env={**FAST_ENV, "INFERADB_MGMT__AUDIT__RETENTION_DAYS": "30"},
        services=["audit"],
    )
    env = AuditEnv(stack, smtp_sink)
    # The start-up run may report after readiness: wait for it before seeding, or it purges the seed.
    eventually(lambda: len(retention_reports(env)) == 1, what="the first start-up run to report")
    now = datetime.now(UTC)
    # 12,000 entries from 31 to 45 days ago, 300 from 1 to 29 days ago (two organizations).
    seed_rows(
        env.audit_db,
        12_000,
        first_id=1_000_000,
        organization_id=7,
        created_at=lambda i: now - timedelta(days=31) - timedelta(minutes=i * 1.68),
    )
    seed_rows(
        env.audit_db,
        300,
        first_id=2_000_000,
        organization_id=8,
        created_at=lambda i: now - timedelta(days=29) + timedelta(hours=i * 2),
    )
    assert env.audit_count() == 12_300
    assert retention_reports(env)[-1]["deleted"] == 0  # the start-up run found nothing to do

    stack.process("audit").restart()  # the job runs at start-up (then every hour)
    eventually(lambda: len(retention_reports(env)) == 2, what="the start-up purge to report")
    report = retention_reports(env)[-1]
    assert report["deleted"] == 12_000
    assert report["batches"] == [5000, 5000, 2000]
    assert env.audit_count() == 300
    assert env.audit_count("organization_id = 8") == 300
