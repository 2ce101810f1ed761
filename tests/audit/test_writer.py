"""The audit writer: every event of every producing service becomes exactly one row — through
redelivery, re-publication and a ``kill -9`` in the middle of a batch — and ``data`` keeps no secret."""

from __future__ import annotations

import threading

import pytest

from inferadb_common.events.catalog import CATALOG
from inferadb_testing import NatsServer, SmtpSink
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.users import ApiUser
from inferadb_testing.waiting import eventually

from .conftest import FAST_ENV, PASSWORD, AuditEnv, audit_logs, make_events, query

pytestmark = pytest.mark.integration


def outbox_events(env: AuditEnv, service: str) -> dict[int, str]:
    """Event id → the audit event_type its subject (``inferadb.events.<source>.<type>``) maps to."""
    rows = query(
        env.stack.tmp_dir / "data" / f"{service}.db", "SELECT message_id, subject FROM outbox WHERE kind = 'event'"
    )
    return {int(event_id): CATALOG[subject.split(".", 3)[3]].audit_type for event_id, subject in rows}


def outbox_event_ids(env: AuditEnv, service: str) -> set[int]:
    return set(outbox_events(env, service))


def audit_ids(env: AuditEnv) -> list[int]:
    return [int(row[0]) for row in query(env.audit_db, "SELECT id FROM audit_logs")]


def exercise_the_api(env: AuditEnv) -> ApiUser:
    """Writes in auth and orgs: registrations, sign-ins (good and bad), an invitation, a sign-out; the owner."""
    owner, guest = env.user(), env.user()
    assert (
        owner.post("/v1/auth/login/password", {"email": owner.email, "password": "wrong password!"}).status_code == 401
    )
    assert guest.post("/v1/auth/login/password", {"email": guest.email, "password": PASSWORD}).status_code == 200
    env.add_member(owner.default_org, owner, guest, "MEMBER")
    assert guest.post("/v1/auth/logout").status_code == 200
    return owner


def test_every_event_of_auth_and_orgs_is_recorded_exactly_once(env: AuditEnv) -> None:
    assert {spec.source for spec in CATALOG.values()} == {"auth", "orgs"}  # the producers of events
    owner = exercise_the_api(env)
    produced = {service: outbox_events(env, service) for service in ("auth", "orgs")}
    assert all(produced.values()), produced
    everything = produced["auth"] | produced["orgs"]
    eventually(lambda: set(everything) <= set(audit_ids(env)), what="every produced event in the audit log")
    env.wait_for_earlier_events(owner.default_org)  # and redeliveries, had any been coming
    ids = audit_ids(env)
    assert len(ids) == len(set(ids))
    recorded = dict(query(env.audit_db, "SELECT id, event_type FROM audit_logs"))
    for service, events in produced.items():
        assert {event_id: recorded.get(event_id) for event_id in events} == events, service


def test_republished_events_still_make_one_row_each(env: AuditEnv) -> None:
    owner = env.user()
    events = make_events(env.publisher.ids(30), organization_id=owner.default_org, user_id=owner.id)
    env.publish(events)
    # Beyond the duplicate window a relay would publish the same event under a new message id.
    env.publisher.publish(events, msg_id_suffix="-again")
    env.publisher.publish(events[:10], msg_id_suffix="-third")
    marker = make_events(env.publisher.ids(1), organization_id=owner.default_org)
    env.publish(marker)  # published after the copies, so they have been consumed once it is in
    in_clause = ",".join(event.id for event in events)
    assert env.audit_count(f"id IN ({in_clause})") == 30


def test_kill_9_mid_batch_loses_and_doubles_nothing(
    isolated_nats_server: NatsServer, smtp_sink: SmtpSink, stack_factory: StackFactory
) -> None:
    stack = stack_factory(nats_url=isolated_nats_server.url, extra_env=FAST_ENV)
    env = AuditEnv(stack, smtp_sink)
    try:
        owner = env.user()
        flood = make_events(env.publisher.ids(12_000), organization_id=owner.default_org, user_id=owner.id)
        publishing = threading.Thread(target=env.publisher.publish, args=(flood,))
        publishing.start()
        # Kill the writer while it is busy: batches are landing and events are still being published.
        eventually(lambda: env.audit_count("event_type = 'vault_updated'") > 2000, timeout=60)
        stack.process("audit").kill()
        at_kill = env.audit_count("event_type = 'vault_updated'")
        # The other services keep writing while audit is down; their events wait in JetStream.
        late = env.client().post(
            "/v1/auth/register", json={"name": "Late", "email": "late-kill9@example.com", "password": PASSWORD}
        )
        assert late.status_code == 201, late.text
        publishing.join()
        stack.process("audit").restart()

        assert at_kill < len(flood)
        flood_ids = {int(event.id) for event in flood}

        def expected() -> set[int]:  # orgs may still be reacting to the late registration
            return flood_ids | outbox_event_ids(env, "auth") | outbox_event_ids(env, "orgs")

        eventually(lambda: expected() <= set(audit_ids(env)), timeout=90, interval=0.2, what="all events, restarted")
        marker = env.wait_for_earlier_events(owner.default_org)  # and redeliveries of the batch in flight, if any
        ids = audit_ids(env)
        assert len(ids) == len(set(ids))
        assert set(ids) == expected() | {marker}
        assert env.audit_count("event_type = 'vault_updated' AND id != ?", marker) == len(flood)
    finally:
        env.close()


def test_secrets_in_event_data_are_never_stored(env: AuditEnv) -> None:
    owner = env.user()
    session_token = "sess_" + "A" * 43
    secrets = ["correct horse battery staple", "rt_9f8e7d6c5b4a", session_token, "s3cr3t-client-value"]
    leaky = make_events(
        env.publisher.ids(1),
        organization_id=owner.default_org,
        data={
            "password": secrets[0],
            "grant": {"refresh_token": secrets[1], "token_id": "42"},
            "note": f"created with {session_token}",
            "clientSecret": secrets[3],
            "name": "kept as is",
        },
    )
    env.publish(leaky)
    entry = audit_logs(owner, owner.default_org, event_type="vault_updated").json()["audit_logs"][0]
    assert entry["data"] == {
        "password": "[REDACTED]",
        "grant": {"refresh_token": "[REDACTED]", "token_id": "42"},
        "note": "[REDACTED]",
        "clientSecret": "[REDACTED]",
        "name": "kept as is",
    }
    files = [env.audit_db, env.audit_db.with_name("audit.db-wal")]
    stored = b"".join(path.read_bytes() for path in files if path.exists())
    logs = env.stack.log_text()
    for secret in secrets:
        assert secret.encode() not in stored
        assert secret not in logs
