"""Schemathesis over the gateway's OpenAPI document: generate cases, call the real stack, check answers.

Each operation is fuzzed with schema-valid (positive) and schema-violating (negative) data through
schemathesis's Hypothesis strategies. Path parameters and id fields of bodies are swapped, at
Hypothesis's choice, for ids of the ``World``'s real resources, so requests reach the handlers behind
the existence checks. Every answer goes through the checks below; failures are collected (not
raised) so one run reports every distinct finding, keyed by operation, check and status.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, AuthContext, Case, GenerationMode
from schemathesis.auths import AuthStorage
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err, Ok
from schemathesis.errors import InvalidSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.world import COOKIE, World

# Zero 5xx; status, content type, headers and body as documented; schema-violating input gets a 4xx.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
ROUNDS = 4  # budget left by operations whose input space ran out is spread over the others


@dataclass
class Finding:
    operation: str
    check: str
    status: int
    example: str
    count: int = 0


@dataclass
class Report:
    target: int
    seed: int
    executed: int = 0
    seconds: float = 0.0
    http_seconds: float = 0.0
    renewals: int = 0
    rebuilds: int = 0
    per_operation: Counter[str] = field(default_factory=Counter)
    statuses: dict[GenerationMode, Counter[int]] = field(default_factory=lambda: {mode: Counter() for mode in MODES})
    findings: dict[tuple[str, str, int], Finding] = field(default_factory=dict)

    def record(self, operation: str, check: str, status: int, example: str) -> None:
        finding = self.findings.setdefault((operation, check, status), Finding(operation, check, status, example))
        finding.count += 1

    def summary(self) -> str:
        lines = [
            f"schemathesis: {self.executed} cases (target {self.target}) over {len(self.per_operation)} operations "
            f"in {self.seconds:.1f} s ({self.http_seconds:.1f} s waiting for answers), seed {self.seed}",
            *(
                f"{mode.value} cases answered " + ", ".join(f"{status}×{n}" for status, n in sorted(counts.items()))
                for mode, counts in self.statuses.items()
            ),
            f"the fuzzer's user was renewed {self.renewals} times, its organization rebuilt {self.rebuilds} times",
        ]
        for finding in self.findings.values():
            lines.append(f"FINDING {finding.operation} [{finding.check}] status {finding.status} ×{finding.count}")
            lines.append("    " + finding.example.replace("\n", "\n    "))
        return "\n".join(lines)


class SessionCookie:
    """Auth provider: the fuzzer's current session cookie, left out where a negative case drops it."""

    def __init__(self, world: World) -> None:
        self.world = world

    def get(self, case: Case, ctx: AuthContext) -> str:
        return self.world.account.cookie

    def set(self, case: Case, data: str, ctx: AuthContext) -> None:
        case.cookies = {**(case.cookies or {}), COOKIE: data}


class Fuzzer:
    """Runs ``target`` cases in total over every operation of ``document`` against ``base_url``."""

    def __init__(self, document: dict[str, Any], base_url: str, world: World, *, target: int, seed: int) -> None:
        config = schemathesis.Config()
        self.schema = schemathesis.openapi.from_dict(document, config=config)
        self.base_url = base_url
        self.world = world
        self.report = Report(target=target, seed=seed)
        self.http = requests.Session()
        self.auth = AuthStorage(providers=[SessionCookie(world)])

    def run(self) -> Report:
        """Every (operation, mode) gets an equal share of the cases still to run; a share an operation
        cannot use (its input space ran out) goes to the others in the next round."""
        started = time.monotonic()
        operations = [_operation(result) for result in self.schema.get_all_operations()]
        tasks = [(operation, mode) for operation in operations for mode in MODES]
        for round_number in range(ROUNDS):
            remaining = self.report.target - self.report.executed
            if remaining <= 0 or not tasks:
                break
            share, extra = divmod(remaining, len(tasks))
            unfinished = []
            for index, (operation, mode) in enumerate(tasks):
                budget = share + (1 if index < extra else 0)
                if budget == 0:
                    unfinished.append((operation, mode))
                    continue
                if self.world.touched:
                    self.world.ensure()
                if self._run(operation, mode, budget, self.report.seed + round_number * 1000 + index) >= budget:
                    unfinished.append((operation, mode))
            tasks = unfinished
        self.report.seconds = time.monotonic() - started
        self.report.renewals, self.report.rebuilds = self.world.account.renewals, self.world.rebuilds
        return self.report

    def _run(self, operation: APIOperation, mode: GenerationMode, budget: int, case_seed: int) -> int:
        strategy = operation.as_strategy(generation_mode=mode, auth_storage=self.auth)
        before = self.report.executed

        @seed(case_seed)
        @settings(
            max_examples=budget,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(data=st.data())
        def fuzz(data: st.DataObject) -> None:
            case = data.draw(strategy)
            self._aim(case, data)
            self._call(operation.label, case)

        with contextlib.suppress(Unsatisfiable):  # nothing to generate in this mode (no input could be invalid)
            fuzz()
        return self.report.executed - before

    def _aim(self, case: Case, data: st.DataObject) -> None:
        """Swap generated ids of a positive case for real ones, at Hypothesis's choice.

        Negative cases are sent as generated: the check that they are refused relies on what
        schemathesis made invalid, which a swap could have replaced.
        """
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return
        places: list[tuple[dict[str, Any], dict[str, list[str]]]] = [(case.path_parameters or {}, self.world.ids)]
        if isinstance(case.body, dict):
            places.append((case.body, self.world.fields))
        for place, known_ids in places:
            for name in list(place):
                known = known_ids.get(name)
                if known and data.draw(st.booleans(), label=f"real {name}"):
                    place[name] = known[data.draw(st.integers(0, len(known) - 1), label=f"which {name}")]

    def _call(self, label: str, case: Case) -> None:
        report = self.report
        report.executed += 1
        report.per_operation[label] += 1
        started = time.monotonic()
        try:
            response = case.call(base_url=self.base_url, session=self.http, timeout=60)
        except requests.RequestException as exc:
            report.record(label, "no answer", 0, f"{type(exc).__name__}: {exc}\n{case.as_curl_command()}")
            return
        finally:
            self.http.cookies.clear()
            report.http_seconds += time.monotonic() - started
        mode = case.meta.generation.mode if case.meta is not None else GenerationMode.POSITIVE
        report.statuses[mode][response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                report.record(label, failure.title, response.status_code, _example(case, response, failure.message))
        if 200 <= response.status_code < 300 and case.method != "GET":
            # The case may have ended the session (logout, revoke-all, account deletion, password change)
            # or deleted or suspended a part of the world: look before the next operation.
            self.world.touched = True
        if response.status_code == 401 and (case.cookies or {}).get(COOKIE) == self.world.account.cookie:
            self.world.touched = True
            self.world.ensure()  # our session is gone: sign in again before the next case


def _operation(result: Ok[APIOperation] | Err[InvalidSchema]) -> APIOperation:
    """An operation schemathesis cannot read is a defect of the document: fail loudly."""
    if isinstance(result, Err):
        raise AssertionError(f"invalid operation in the OpenAPI document: {result.err()}")
    return result.ok()


def _example(case: Case, response: schemathesis.Response, message: str) -> str:
    body = response.text[:400]
    return f"{message.strip()[:600]}\n{case.as_curl_command()[:800]}\n-> {response.status_code} {body}"
