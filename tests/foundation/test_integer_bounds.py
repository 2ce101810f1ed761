"""Integers from the query string and the path stay within 64 bits: a 400 with the §1.1 validation
body, never a driver overflow (500). Issue 13 item 9: ``?offset=10**30`` answered 500 on SQLite."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from inferadb_testing.nats import NatsServer
from inferadb_testing.postgres import fresh_database
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.stack import Stack
from inferadb_testing.waiting import eventually

from .conftest import FAST_HASHING, register

HUGE = str(10**30)
JUST_OVER = str(2**63)
INT64_MAX = str(2**63 - 1)


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, (response.request.url, response.status_code, response.text)
    body = response.json()
    assert body["code"] == "VALIDATION_FAILED" and body["error"] == "Validation failed"
    assert body["request_id"] == response.headers["x-request-id"]
    assert field in body["details"], body


def _check_bounds(base_url: str, email: str) -> None:
    user = register(base_url, email)
    org = user.default_org
    with httpx.Client(base_url=base_url, timeout=30, cookies={"infera_session": user.session}) as http:
        eventually(lambda: http.get(f"/v1/organizations/{org}").status_code == 200)
        lists = [
            "/v1/organizations",
            f"/v1/organizations/{org}/members",
            f"/v1/organizations/{org}/teams",
            f"/v1/organizations/{org}/audit-logs",
            "/v1/users/me/audit-logs",
            "/v1/users/me/invitations",
        ]
        for path in lists:
            for offset in (HUGE, JUST_OVER, "-" + HUGE, "9" * 5000):
                _refused(http.get(path, params={"offset": offset}), "offset")
            for limit in (HUGE, JUST_OVER):
                _refused(http.get(path, params={"limit": limit}), "limit")
        # The largest 64-bit offset is a valid (empty) page on both backends.
        page = http.get("/v1/organizations", params={"offset": INT64_MAX})
        assert page.status_code == 200, page.text
        assert page.json()["organizations"] == [] and page.json()["pagination"]["offset"] == 2**63 - 1

        def audit_page() -> httpx.Response | None:
            answer = http.get(f"/v1/organizations/{org}/audit-logs", params={"offset": INT64_MAX})
            return answer if answer.status_code == 200 else None

        assert eventually(audit_page).json()["audit_logs"] == []
        # A keyset cursor carrying an integer beyond 64 bits is an invalid cursor, not an overflow.
        for value in (2**64 - 1, -(2**63) - 1):
            cursor = base64.urlsafe_b64encode(f"[{value}]".encode()).rstrip(b"=").decode()
            _refused(http.get("/v1/organizations", params={"cursor": cursor}), "cursor")
        # Audit id filters and path ids beyond 64 bits: 400, never 500.
        _refused(http.get(f"/v1/organizations/{org}/audit-logs", params={"user_id": HUGE}), "user_id")
        _refused(http.get(f"/v1/organizations/{org}/audit-logs", params={"client_id": JUST_OVER}), "client_id")
        for method, path, field in (
            ("GET", f"/v1/organizations/{HUGE}", "org"),
            ("GET", f"/v1/organizations/{JUST_OVER}/members", "org"),
            ("GET", f"/v1/vaults/{HUGE}", "vault"),
            ("DELETE", f"/v1/users/sessions/{JUST_OVER}", "session"),
            ("PATCH", f"/v1/users/emails/{HUGE}", "email"),
        ):
            _refused(http.request(method, path, json={"is_primary": True} if method == "PATCH" else None), field)
        team = http.post(f"/v1/organizations/{org}/teams", json={"name": "Bounds"})
        assert team.status_code == 201, team.text
        permissions = f"/v1/organizations/{org}/teams/{team.json()['team']['id']}/permissions"
        _refused(http.delete(f"{permissions}/{HUGE}"), "permission")
        _refused(http.delete(f"{permissions}/{JUST_OVER}"), "permission")
        # A name-like reference of non-ASCII digits is a name nobody has: 404, not a failed int().
        missing = http.delete(f"{permissions}/%C2%B2")  # '²' passes str.isdigit()
        assert missing.status_code == 404, missing.text


def test_integer_parameters_are_bounded_on_sqlite(stack: Stack) -> None:
    _check_bounds(stack.gateway_url, "bounds-sqlite@example.com")


@pytest.mark.postgres
def test_integer_parameters_are_bounded_on_postgres(
    tmp_path: Path, stack_factory: StackFactory, isolated_nats_server: NatsServer
) -> None:
    with fresh_database() as url:
        storage = {
            "INFERADB_MGMT__STORAGE__BACKEND": "postgres",
            "INFERADB_MGMT__STORAGE__URL": url,
            "INFERADB_MGMT__STORAGE__AUTO_MIGRATE": "true",
        }
        stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=FAST_HASHING | storage)
        try:
            _check_bounds(stack.gateway_url, "bounds-postgres@example.com")
        finally:
            stack.stop()  # before the database is dropped
