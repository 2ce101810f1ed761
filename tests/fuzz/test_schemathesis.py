"""R5: schemathesis on the gateway's OpenAPI document, against a real stack, signed in.

Every answer must be free of 5xx, have a documented status code, content type and headers, match
its documented body schema (errors: api.md §1.1's ErrorBody), and schema-violating input must get
a 4xx. The short form runs in ``make test``; the long form (≥ 5,000 cases; ``INFERADB_FUZZ_CASES``
sets another count) runs with ``--soak``. ``INFERADB_FUZZ_SEED`` replays a run. The number of cases
executed is printed and asserted.
"""

from __future__ import annotations

import os
import secrets

import pytest

from tests.fuzz.conftest import FuzzTarget
from tests.fuzz.runner import Fuzzer

pytestmark = pytest.mark.integration

SHORT_CASES = 360  # two per operation and mode: about 25 s of fuzzing after the stack is up
LONG_CASES = 5_000


def _fuzz(target: FuzzTarget, cases: int, capsys: pytest.CaptureFixture[str]) -> None:
    seed = int(os.environ.get("INFERADB_FUZZ_SEED") or secrets.randbelow(2**31))
    report = Fuzzer(target.document, target.url, target.world, target=cases, seed=seed).run()
    with capsys.disabled():
        print("\n" + report.summary())
    assert not report.findings, report.summary()
    assert report.executed >= cases, f"only {report.executed} of {cases} cases ran"


def test_fuzz_short(fuzz_target: FuzzTarget, capsys: pytest.CaptureFixture[str]) -> None:
    """Every operation, valid and invalid input, a few cases each: part of ``make test``."""
    _fuzz(fuzz_target, SHORT_CASES, capsys)


@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_fuzz_long(fuzz_target: FuzzTarget, capsys: pytest.CaptureFixture[str]) -> None:
    """quality.md R5 as written: at least 5,000 cases (about 2.5 minutes on a quiet machine)."""
    _fuzz(fuzz_target, int(os.environ.get("INFERADB_FUZZ_CASES") or LONG_CASES), capsys)
