"""The role projection follows orgs' member events — in whatever order they arrive — and the one
rule reads it: OWNER (and ADMIN with ``audit.admins_can_read``) may read, other members get 403,
everyone else 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from inferadb_audit.access import repository as repo
from inferadb_audit.access.policy import ensure_can_read_organization_log
from inferadb_audit.access.projection import apply_membership_events
from inferadb_common.config import AuditConfig
from inferadb_common.db import Database
from inferadb_common.errors import Forbidden, NotFound
from inferadb_common.events.consumer import PoisonMessage
from inferadb_common.events.envelope import EventEnvelope

ORG, OWNER_ID, OTHER_ID = 500, 71, 72
_ids = iter(range(385_000_000_000_100_000, 385_000_000_000_200_000))


def event(type_: str, data: dict[str, Any], organization_id: int = ORG) -> EventEnvelope:
    return EventEnvelope(
        id=str(next(_ids)),  # increasing, like snowflakes made one after the other
        type=type_,
        source="orgs",
        time=datetime.now(UTC),
        organization_id=organization_id,
        data=data,
    )


def added(user_id: int, role: str) -> EventEnvelope:
    return event("member.added", {"user_id": str(user_id), "role": role})


def removed(user_id: int, role: str) -> EventEnvelope:
    """A member.removed as orgs writes it: with the reason and what went with the membership."""
    counts = {"team_memberships_removed": 0, "vault_grants_removed": 0, "refresh_tokens_revoked": 0}
    return event("member.removed", {"user_id": str(user_id), "role": role, "reason": "removed", **counts})


async def apply(db: Database, *events: EventEnvelope) -> None:
    async with db.transaction() as session:
        await apply_membership_events(session, events)


async def role(db: Database, user_id: int, organization_id: int = ORG) -> str | None:
    async with db.read() as session:
        return await repo.role_of(session, organization_id, user_id)


async def test_roles_follow_added_changed_removed_and_transferred(db: Database) -> None:
    await apply(db, added(OWNER_ID, "OWNER"), added(OTHER_ID, "member"))
    assert (await role(db, OWNER_ID), await role(db, OTHER_ID)) == ("OWNER", "MEMBER")
    await apply(
        db, event("member.role_changed", {"user_id": str(OTHER_ID), "role": "ADMIN", "previous_role": "MEMBER"})
    )
    assert await role(db, OTHER_ID) == "ADMIN"
    await apply(
        db,
        event(
            "organization.ownership_transferred",
            {"from_user_id": str(OWNER_ID), "to_user_id": str(OTHER_ID), "previous_role_of_new_owner": "ADMIN"},
        ),
    )
    assert (await role(db, OWNER_ID), await role(db, OTHER_ID)) == ("ADMIN", "OWNER")
    await apply(db, removed(OWNER_ID, "ADMIN"))
    assert await role(db, OWNER_ID) is None
    # Other orgs events pass by; other organizations are separate.
    await apply(
        db, event("vault.created", {"name": "prod"}), event("member.added", {"user_id": "71", "role": "OWNER"}, 501)
    )
    assert (await role(db, OWNER_ID), await role(db, OWNER_ID, 501)) == (None, "OWNER")


async def test_a_late_older_event_never_overrides_a_newer_one(db: Database) -> None:
    joined, promoted, left = (
        added(OTHER_ID, "MEMBER"),
        event("member.role_changed", {"user_id": str(OTHER_ID), "role": "ADMIN", "previous_role": "MEMBER"}),
        removed(OTHER_ID, "ADMIN"),
    )
    await apply(db, left)  # the others were nak'd and come back after it
    await apply(db, promoted, joined)
    assert await role(db, OTHER_ID) is None
    rejoined = added(OTHER_ID, "MEMBER")
    await apply(db, rejoined)
    assert await role(db, OTHER_ID) == "MEMBER"


async def test_a_deleted_organization_stays_deleted(db: Database) -> None:
    await apply(db, added(OWNER_ID, "OWNER"), added(OTHER_ID, "MEMBER"))
    late_join = added(OTHER_ID, "ADMIN")
    await apply(db, event("organization.deleted", {"name": "gone"}))
    assert (await role(db, OWNER_ID), await role(db, OTHER_ID)) == (None, None)
    await apply(
        db,
        late_join,
        event("member.role_changed", {"user_id": str(OWNER_ID), "role": "OWNER", "previous_role": "ADMIN"}),
    )
    assert (await role(db, OWNER_ID), await role(db, OTHER_ID)) == (None, None)
    await apply(db, event("organization.deleted", {"name": "gone"}))  # redelivered: harmless


@pytest.mark.parametrize(
    "bad",
    [
        event("member.added", {"role": "OWNER"}),
        event("member.added", {"user_id": "x", "role": "OWNER"}),
        event("member.role_changed", {"user_id": "5"}),
        event("organization.ownership_transferred", {"to_user_id": "5"}),
    ],
)
async def test_malformed_member_events_are_poison(db: Database, bad: EventEnvelope) -> None:
    with pytest.raises(PoisonMessage):
        await apply(db, bad)


async def check(db: Database, config: AuditConfig, user_id: int) -> str:
    try:
        async with db.read() as session:
            await ensure_can_read_organization_log(session, config, ORG, user_id)
    except NotFound as exc:
        return f"404 {exc.message}"
    except Forbidden as exc:
        return f"403 {exc.message}"
    return "200"


async def test_the_rule(db: Database) -> None:
    await apply(db, added(1, "OWNER"), added(2, "ADMIN"), added(3, "MEMBER"), added(4, "MEMBER"))
    await apply(db, removed(4, "MEMBER"))
    default, admins_too = AuditConfig(), AuditConfig(admins_can_read=True)
    outcomes = {user: (await check(db, default, user), await check(db, admins_too, user)) for user in (1, 2, 3, 4, 5)}
    forbidden, missing = "403 Insufficient permissions", "404 Organization not found"
    assert outcomes == {
        1: ("200", "200"),
        2: (forbidden, "200"),
        3: (forbidden, forbidden),
        4: (missing, missing),
        5: (missing, missing),
    }
