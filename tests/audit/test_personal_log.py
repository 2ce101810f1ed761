"""``GET /v1/users/me/audit-logs``: the caller's own security events (sign-ins, sessions, password,
addresses) and never anyone else's."""

from __future__ import annotations

from typing import Any

import pytest

from inferadb_testing import extract_link, token_from_link
from inferadb_testing.users import ApiUser, verify
from inferadb_testing.waiting import eventually

from .conftest import PASSWORD, AuditEnv, audit_logs, make_events, page_through

pytestmark = pytest.mark.integration

RESET_PREFIX = "http://frontend.test/reset-password?token="
PERSONAL = {
    "user_login",
    "user_login_failed",
    "user_logout",
    "user_session_revoked",
    "password_changed",
    "password_reset_requested",
    "password_reset_completed",
    "user_email_added",
    "user_email_verified",
    "user_email_removed",
}


def own_log(user: ApiUser, **params: Any) -> list[dict[str, Any]]:
    return [entry for page in page_through(user, None, 100, **params) for entry in page]


def test_the_personal_log_holds_the_callers_security_events_only(env: AuditEnv) -> None:
    alice, bob = env.user("Alice"), env.user("Bob")
    verify(alice, env.smtp)
    # Alice: a failed sign-in; a second session that signs out; a third that her password change
    # revokes; an address added and removed; a password reset, requested and completed.
    assert env.client().post("/v1/auth/login/password", json={"email": alice.email, "password": "nope nope nope"})
    second = env.client()
    assert second.post("/v1/auth/login/password", json={"email": alice.email, "password": PASSWORD}).status_code == 200
    assert second.post("/v1/auth/logout").status_code == 200
    third = env.client()
    assert third.post("/v1/auth/login/password", json={"email": alice.email, "password": PASSWORD}).status_code == 200
    added = alice.post("/v1/users/emails", {"email": f"alt-{alice.email}"})
    assert added.status_code == 201, added.text
    assert alice.delete(f"/v1/users/emails/{added.json()['email']['id']}").status_code == 200
    changed_password = PASSWORD + " changed"
    changed = alice.post("/v1/users/me/password", {"current_password": PASSWORD, "new_password": changed_password})
    assert changed.status_code == 200, changed.text
    assert env.client().post("/v1/auth/password-reset/request", json={"email": alice.email}).status_code == 202
    mail = env.smtp.wait_for(lambda m: alice.email in m.rcpt_tos and RESET_PREFIX in m.text, timeout=20)
    reset_password = PASSWORD + " reset"
    confirmed = env.client().post(
        "/v1/auth/password-reset/confirm",
        json={"token": token_from_link(extract_link(mail, RESET_PREFIX)), "new_password": reset_password},
    )
    assert confirmed.status_code == 200, confirmed.text
    # The reset signed every session out: Alice signs in again to read her log.
    again = alice.post("/v1/auth/login/password", {"email": alice.email, "password": reset_password})
    assert again.status_code == 200, again.text
    # Bob's own doings, and Bob trying Alice's account (that attempt is Alice's security event).
    assert env.client().post("/v1/auth/login/password", json={"email": bob.email, "password": "wrong wrong wrong"})
    assert env.client().post("/v1/auth/login/password", json={"email": alice.email, "password": "bob guessing"})
    # Non-security events where Alice is the actor must stay out of her personal log.
    env.publish(make_events(env.publisher.ids(3), organization_id=alice.default_org, user_id=alice.id))
    wanted = PERSONAL

    def alices() -> list[dict[str, Any]]:
        entries = own_log(alice)
        return entries if wanted <= {entry["event_type"] for entry in entries} else []

    entries = eventually(alices, what="Alice's security events")
    assert {entry["event_type"] for entry in entries} <= PERSONAL
    assert all(entry["actor"]["user_id"] == alice.id for entry in entries)
    assert len([e for e in entries if e["event_type"] == "user_login_failed"]) == 2
    # Registration, the second and third sessions, the sign-in after the reset.
    assert len([e for e in entries if e["event_type"] == "user_login"]) == 4
    created = [e["created_at"] for e in entries]
    assert created == sorted(created, reverse=True)

    bobs = own_log(bob)
    assert bobs and all(entry["actor"]["user_id"] == bob.id for entry in bobs)
    assert not {entry["id"] for entry in bobs} & {entry["id"] for entry in entries}
    assert [e["event_type"] for e in bobs].count("user_login_failed") == 1

    # The same filters as the organization log; they only ever narrow the caller's own events.
    failed = own_log(alice, event_type="user_login_failed")
    assert [e["id"] for e in failed] == [e["id"] for e in entries if e["event_type"] == "user_login_failed"]
    assert own_log(alice, event_type="organization_created") == []
    assert own_log(alice, user_id=bob.id) == []
    assert own_log(alice, resource_type="email") == [e for e in entries if e["resource_type"] == "email"]
    first = audit_logs(alice, None, limit=2).json()
    assert len(first["audit_logs"]) == 2 and first["pagination"]["next_cursor"]


def test_failed_sign_ins_for_unknown_addresses_appear_in_no_ones_log(env: AuditEnv) -> None:
    carol = env.user("Carol")
    response = env.client().post("/v1/auth/login/password", json={"email": "nobody@example.com", "password": "x" * 12})
    assert response.status_code == 401
    env.wait_for_count(1, "event_type = 'user_login_failed' AND actor_user_id IS NULL")
    assert [e["event_type"] for e in own_log(carol)] == ["user_login", "user_email_added"]
