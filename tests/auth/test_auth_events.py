"""Every state change and security event of auth reaches the audit log through the outbox, with the
actor's IP and user agent and the request id — and no password or token appears in any audit row,
outbox event or process log."""

from __future__ import annotations

import json
import uuid

import pytest

from inferadb_testing.users import unique_email
from inferadb_testing.waiting import eventually

from .conftest import Api, AuthEnv, error_of, session_token_of

pytestmark = pytest.mark.integration

PASSWORD_1 = "first sturdy passphrase 1"
PASSWORD_2 = "second sturdy passphrase 2"
PASSWORD_3 = "third sturdy passphrase 3"
WRONG = "wrong sturdy passphrase 0"

EXPECTED = {
    "user_registered",
    "user_email_added",
    "user_email_verified",
    "user_login",
    "user_login_failed",
    "user_logout",
    "user_session_revoked",
    "user_email_removed",
    "password_changed",
    "password_reset_requested",
    "password_reset_completed",
    "user_updated",
    "user_deleted",
}


def _lifecycle(env: AuthEnv, api: Api) -> tuple[str, dict[str, str], list[str]]:
    """Drive one user through every auth state change; returns (user id, request ids, secrets)."""
    secrets: list[str] = [PASSWORD_1, PASSWORD_2, PASSWORD_3, WRONG]
    env.remember(*secrets)
    email = unique_email("events")
    registered = api.post("/v1/auth/register", json={"name": "Eve Events", "email": email, "password": PASSWORD_1})
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["user"]["id"]
    request_ids = {"user_registered": registered.headers["x-request-id"]}
    secrets.append(env.verification_token(email))
    env.verify(api, email)
    assert env.login(api, email, WRONG).status_code == 401
    session = session_token_of(env.login(api, email, PASSWORD_1))
    other = session_token_of(env.login(api, email, PASSWORD_1))
    third = session_token_of(env.login(api, email, PASSWORD_1))
    secrets += [session, other, third]
    logout = api.post("/v1/auth/logout", session=other)
    assert logout.status_code == 200
    request_ids["user_logout"] = logout.headers["x-request-id"]
    sessions = api.get("/v1/users/sessions", session=third).json()["sessions"]
    third_id = next(entry["id"] for entry in sessions if entry["current"])
    assert api.delete(f"/v1/users/sessions/{third_id}", session=session).status_code == 200
    assert api.patch("/v1/users/me", session=session, json={"name": "Eve Renamed"}).status_code == 200

    extra = unique_email("events-extra")
    assert api.post("/v1/users/emails", session=session, json={"email": extra}).status_code == 201
    secrets.append(env.verification_token(extra))
    env.verify(api, extra)
    extra_id = next(
        e["id"] for e in api.get("/v1/users/emails", session=session).json()["emails"] if e["email"] == extra
    )
    assert api.delete(f"/v1/users/emails/{extra_id}", session=session).status_code == 200

    fourth = session_token_of(env.login(api, email, PASSWORD_1))  # revoked by the password change
    secrets.append(fourth)
    changed = api.post(
        "/v1/users/me/password", session=session, json={"current_password": PASSWORD_1, "new_password": PASSWORD_2}
    )
    assert changed.status_code == 200, changed.text
    assert api.post("/v1/auth/password-reset/request", json={"email": email}).status_code == 202
    reset_token = env.reset_token(email)
    secrets.append(reset_token)
    confirmed = api.post("/v1/auth/password-reset/confirm", json={"token": reset_token, "new_password": PASSWORD_3})
    assert confirmed.status_code == 200, confirmed.text
    last = session_token_of(env.login(api, email, PASSWORD_3))
    secrets.append(last)
    deleted = api.delete("/v1/users/me", session=last)
    assert deleted.status_code == 200, deleted.text
    request_ids["user_deleted"] = deleted.headers["x-request-id"]
    return user_id, request_ids, secrets


def test_every_auth_state_change_is_audited_with_ip_user_agent_and_request_id(auth_env: AuthEnv) -> None:
    agent = f"events-agent/{uuid.uuid4().hex}"
    api = auth_env.api(user_agent=agent)
    user_id, request_ids, secrets = _lifecycle(auth_env, api)

    def rows_of_user() -> list[dict[str, object]]:
        return auth_env.audit_rows("user_agent = ? AND source = 'auth'", agent)

    def complete() -> list[dict[str, object]]:
        rows = rows_of_user()
        return rows if {row["event_type"] for row in rows} >= EXPECTED else []

    rows = eventually(complete, timeout=15, interval=0.1, what="every auth event in the audit log")
    for row in rows:
        assert row["ip_address"] == "127.0.0.1", row
        assert row["user_agent"] == agent
        assert row["request_id"], row
        if row["event_type"] != "user_login_failed" or row["actor_user_id"] is not None:
            assert str(row["actor_user_id"]) == user_id, row
    by_type: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_type.setdefault(str(row["event_type"]), []).append(row)
    assert by_type["user_registered"][0]["resource_type"] == "user"
    assert by_type["user_registered"][0]["resource_id"] == user_id
    for event_type, request_id in request_ids.items():
        assert request_id in {row["request_id"] for row in by_type[event_type]}, event_type
    # Sessions revoked by logout, by the user, by the password change and by the reset.
    reasons = [json.loads(str(row["data"]))["reason"] for row in by_type["user_session_revoked"]]
    assert {"logout", "revoked_by_user", "password_changed", "password_reset"} <= set(reasons)
    assert len(by_type["user_email_verified"]) == 2 and len(by_type["user_email_added"]) == 2

    # Through the outbox: each row is an event auth wrote to its outbox (same id).
    outbox_ids = {int(row[0]) for row in auth_env.query("auth", "SELECT message_id FROM outbox WHERE kind = 'event'")}
    assert {int(str(row["id"])) for row in rows} <= outbox_ids

    # Never a secret: not in audit rows, not in auth's outbox events, not in any process log.
    audit_text = "\n".join(repr(row) for row in auth_env.audit_rows())
    outbox_text = "\n".join(
        bytes(row[0]).decode("utf-8", "replace")
        for row in auth_env.query("auth", "SELECT payload FROM outbox WHERE kind = 'event'")
    )
    logs = auth_env.stack.log_text()
    for secret in secrets:
        assert secret not in audit_text, f"secret {secret[:4]}… in the audit log"
        assert secret not in outbox_text, f"secret {secret[:4]}… in an outbox event"
        assert secret not in logs, f"secret {secret[:4]}… in a process log"


def test_a_failed_login_for_an_unknown_address_is_audited_without_a_user(auth_env: AuthEnv) -> None:
    agent = f"unknown-login/{uuid.uuid4().hex}"
    api = auth_env.api(user_agent=agent)
    response = auth_env.login(api, unique_email("ghost"), WRONG)
    assert error_of(response) == (401, "Invalid email or password", "INVALID_CREDENTIALS")
    (row,) = auth_env.wait_for_audit("user_login_failed", "user_agent = ?", agent)
    assert row["actor_user_id"] is None and row["ip_address"] == "127.0.0.1"
    assert row["request_id"] == response.headers["x-request-id"]
    assert WRONG not in repr(row)
