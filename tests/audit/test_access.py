"""Who reads an organization's audit log: OWNER only (ADMIN too with ``audit.admins_can_read``);
members without the role get 403, everyone else 404 — following memberships as orgs changes them."""

from __future__ import annotations

import pytest

from inferadb_testing import NatsServer, SmtpSink
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.users import ApiUser, verify
from inferadb_testing.waiting import eventually

from .conftest import FAST_ENV, AuditEnv, audit_logs, error_of

pytestmark = pytest.mark.integration

NOT_FOUND = (404, "Organization not found", "NOT_FOUND")
FORBIDDEN = (403, "Insufficient permissions", "INSUFFICIENT_PERMISSIONS")


def export(user: ApiUser, org: str) -> tuple[int, str, str] | int:
    response = user.get(f"/v1/organizations/{org}/audit-logs/export", params={"format": "ndjson"})
    return response.status_code if response.status_code == 200 else error_of(response)


def both_routes(user: ApiUser, org: str) -> tuple[object, object]:
    listing = audit_logs(user, org)
    return (listing.status_code if listing.status_code == 200 else error_of(listing)), export(user, org)


def test_non_members_get_404_for_the_list_and_the_export(env: AuditEnv) -> None:
    owner, stranger = env.user(), env.user()
    assert both_routes(owner, owner.default_org) == (200, 200)
    assert both_routes(stranger, owner.default_org) == (NOT_FOUND, NOT_FOUND)
    assert both_routes(owner, "999999999999") == (NOT_FOUND, NOT_FOUND)
    # Without a session the gateway answers before the audit service is asked.
    anonymous = env.client().get(f"/v1/organizations/{owner.default_org}/audit-logs")
    assert error_of(anonymous) == (401, "Invalid session", "INVALID_SESSION")


def test_roles_follow_orgs_through_promotion_transfer_and_removal(env: AuditEnv) -> None:
    owner, colleague = env.user("Olive Owner"), env.user("Colin Colleague")
    org = owner.default_org
    colleague_member = env.add_member(org, owner, colleague, "MEMBER")
    env.wait_for_status(colleague, org, 403, "the new MEMBER to be known")
    assert both_routes(colleague, org) == (FORBIDDEN, FORBIDDEN)

    promoted = owner.patch(f"/v1/organizations/{org}/members/{colleague_member}", {"role": "ADMIN"})
    assert promoted.status_code == 200, promoted.text
    eventually(
        lambda: audit_logs(owner, org, event_type="organization_member_role_changed").json()["audit_logs"],
        what="the role change to be recorded",
    )
    # ADMIN is not enough while audit.admins_can_read is false (the default).
    assert both_routes(colleague, org) == (FORBIDDEN, FORBIDDEN)

    transferred = owner.post(f"/v1/organizations/{org}/transfer-ownership", {"new_owner_user_id": colleague.id})
    assert transferred.status_code == 200, transferred.text
    env.wait_for_status(colleague, org, 200, "the new OWNER to read the log")
    env.wait_for_status(owner, org, 403, "the previous owner (now ADMIN) to lose access")

    members = colleague.get(f"/v1/organizations/{org}/members").json()["members"]
    owner_member = next(member["id"] for member in members if member["user_id"] == owner.id)
    assert colleague.delete(f"/v1/organizations/{org}/members/{owner_member}").status_code == 200
    env.wait_for_status(owner, org, 404, "the removed member to get 404")
    assert both_routes(owner, org) == (NOT_FOUND, NOT_FOUND)


def test_a_deleted_organization_is_not_found_for_its_former_owner(env: AuditEnv) -> None:
    owner = env.user()
    verify(owner, env.smtp)

    def created() -> str:
        response = owner.post("/v1/organizations", {"name": "Short-lived"})
        return str(response.json()["organization"]["id"]) if response.status_code == 201 else ""

    org = eventually(created, what="orgs to know the verified address")
    env.wait_for_status(owner, org, 200, "the new organization's owner to be known")
    assert owner.delete(f"/v1/organizations/{org}").status_code == 200
    env.wait_for_status(owner, org, 404, "the deleted organization to be gone")


def test_admins_read_when_admins_can_read_is_set(
    isolated_nats_server: NatsServer, smtp_sink: SmtpSink, stack_factory: StackFactory
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env={**FAST_ENV, "INFERADB_MGMT__AUDIT__ADMINS_CAN_READ": "true"},
    )
    env = AuditEnv(stack, smtp_sink)
    try:
        owner, admin, member = env.user(), env.user(), env.user()
        org = owner.default_org
        env.add_member(org, owner, admin, "ADMIN")
        env.add_member(org, owner, member, "MEMBER")
        env.wait_for_status(admin, org, 200, "the ADMIN to read the log")
        env.wait_for_status(member, org, 403, "the MEMBER to be known")
        assert both_routes(admin, org) == (200, 200)
        assert both_routes(member, org) == (FORBIDDEN, FORBIDDEN)
        # What the ADMIN reads is the organization's log, the owner's actions included.
        types = {entry["event_type"] for entry in audit_logs(admin, org, limit=100).json()["audit_logs"]}
        assert {"organization_created", "organization_member_added", "invitation_created"} <= types
    finally:
        env.close()
