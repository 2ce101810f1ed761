"""P5 (pipeline latency): register → its verification mail accepted by the SMTP sink, and a write →
its audit row visible through the API. The writer-throughput half of P5 is in bench/audit_query.py.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.harness import RESULTS, Latencies, Row, write_table
from inferadb_testing.nats import NatsServer
from inferadb_testing.smtp import ReceivedMail, SmtpSink
from inferadb_testing.stack import Stack

SAMPLES = int(os.environ.get("BENCH_P5_SAMPLES", "100"))
PASSWORD = "pipeline passphrase 2026"
ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__RATE_LIMITING__REGISTRATIONS_PER_IP_PER_DAY": "100000000",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
}


def _measure(stack: Stack, sink: SmtpSink) -> tuple[Latencies, Latencies, Latencies]:
    mail, audit, health = Latencies(), Latencies(), Latencies()
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        # One registration first, not counted: the first event of a fresh stack also creates the
        # consumers' state and warms every connection pool (it took 0.6–1 s, the rest ~0.2 s).
        warm_up = client.post(
            "/v1/auth/register", json={"name": "Warm", "email": "warm@example.com", "password": PASSWORD}
        )
        assert warm_up.status_code == 201, warm_up.text
        sink.wait_for(_addressed_to("warm@example.com"), timeout=10)
        for index in range(SAMPLES):
            before = time.perf_counter()
            client.get("/health")
            health.samples.append(time.perf_counter() - before)
            email = f"pipe{index}@example.com"
            sent_wall = time.time()
            sent = time.perf_counter()
            response = client.post("/v1/auth/register", json={"name": "Pipe", "email": email, "password": PASSWORD})
            assert response.status_code == 201, response.text
            cookie = {"cookie": f"infera_session={response.cookies['infera_session']}"}
            seen_audit = None
            deadline = sent + 10
            while time.perf_counter() < deadline and seen_audit is None:
                logs = client.get("/v1/users/me/audit-logs", params={"event_type": "user_login"}, headers=cookie)
                if logs.status_code == 200 and logs.json()["audit_logs"]:
                    seen_audit = time.perf_counter() - sent
                else:
                    time.sleep(0.005)
            if seen_audit is None:
                audit.errors += 1
            else:
                audit.samples.append(seen_audit)
            delivered = sink.wait_for(_addressed_to(email), timeout=10)
            mail.samples.append(delivered.received_at - sent_wall)
    return mail, audit, health


def _addressed_to(address: str) -> Callable[[ReceivedMail], bool]:
    return lambda mail: mail.to == address


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="inferadb-bench-") as tmp:
        root = Path(tmp)
        with (
            NatsServer(root / "nats") as nats,
            SmtpSink() as sink,
            Stack(root / "stack", nats.url, sink.port, extra_env=ENV, ready_timeout=60) as stack,
        ):
            mail, audit, health = _measure(stack, sink)
    return [
        Row(
            "P5 register → verification mail accepted, p99",
            mail.percentile(99) * 1000,
            "ms",
            health.percentile(50) * 1000,
            "≤ 300 ms",
            mail.percentile(99) * 1000 <= 300,
            f"{mail.summary_ms()} over {len(mail.samples)} registrations; baseline /health p50",
        ),
        Row(
            "P5 write → audit row visible (API), p99",
            audit.percentile(99) * 1000,
            "ms",
            health.percentile(50) * 1000,
            "≤ 500 ms",
            audit.percentile(99) * 1000 <= 500 and audit.errors == 0,
            f"{audit.summary_ms()}; not seen within 10 s: {audit.errors}",
        ),
    ]


if __name__ == "__main__":
    print(write_table("P5 — event pipeline latency", run(), RESULTS / "p5_pipeline.md"))
