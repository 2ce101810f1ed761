"""``make bench``: run every benchmark, print the tables and write bench/results/latest.md.

Each benchmark module exposes ``run() -> list[Row]``; add new ones to ``BENCHMARKS``.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from datetime import UTC, datetime

from bench.harness import RESULTS, Row, write_table

BENCHMARKS = [
    ("P1 — password logins", "bench.p1_login"),
    ("P1-MFA — logins with TOTP", "bench.p1_login_mfa"),
    ("P2/P6 — authenticated reads and memory", "bench.p2_users_me"),
    ("P3 — vault tokens", "bench.p3_tokens"),
    ("P4/P5 — audit log", "bench.audit_query"),
    ("P5 — event pipeline latency", "bench.p5_pipeline"),
    ("P7 — tenancy scale", "bench.p7_tenancy"),
    ("P8 — start-up", "bench.p8_startup"),
    ("P9 — engine integration", "bench.p9_engine"),
    ("P10 — console speed and weight", "bench.p10_console"),
]


def main(selected: list[str]) -> int:
    sections: list[str] = []
    failed = 0
    begun = time.monotonic()
    for title, module_name in BENCHMARKS:
        if selected and not any(name in module_name for name in selected):
            continue
        started = time.monotonic()
        rows: list[Row] = importlib.import_module(module_name).run()
        text = write_table(title, rows, RESULTS / f"{module_name.rsplit('.', 1)[-1]}.md")
        sections.append(text + f"\n({time.monotonic() - started:.0f} s)\n")
        print(sections[-1], flush=True)
        failed += sum(not row.passed for row in rows)
    total = time.monotonic() - begun
    if not selected:  # a partial run leaves the full table alone (each module's own file is updated)
        header = (
            f"# Benchmark results\n\nRun at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on this machine "
            f"({os.cpu_count()} cores), {total / 60:.1f} minutes in all.\n\n"
        )
        (RESULTS / "latest.md").write_text(header + "\n".join(sections), encoding="utf-8")
    print(f"{failed} bar(s) missed" if failed else "every bar met")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
