"""``GET /v1/organizations/{org}/audit-logs``: the entry format, every filter, validation, and
keyset pagination (newest first, no gaps or duplicates, stable while new entries arrive)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from inferadb_testing.users import ApiUser

from .conftest import AuditEnv, audit_logs, make_events, page_through, spaced_times

pytestmark = pytest.mark.integration

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
OTHER_USER = 385_000_000_000_000_777
CLIENT = 385_000_000_000_000_555


@dataclass
class Seeded:
    owner: ApiUser
    org: str
    base: datetime
    vault_ids: list[str]  # 200 vault_updated by the owner, resource "111", at base + 0…199 s
    team_ids: list[str]  # 50 team_created by OTHER_USER, resource "222", at base + 200…249 s
    client_ids: list[str]  # 10 client_created by CLIENT, at base + 250…259 s

    def window(self) -> dict[str, str]:
        """Just the published entries (the organization's own creation happened 'now')."""
        return {"start_date": iso(self.base), "end_date": iso(self.base + timedelta(seconds=259))}


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ids_of(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["id"] for entry in entries]


def listing(user: ApiUser, org: str, **params: Any) -> list[dict[str, Any]]:
    response = audit_logs(user, org, limit=100, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body["pagination"]["has_more"], "use page_through for more than one page"
    entries: list[dict[str, Any]] = body["audit_logs"]
    return entries


@pytest.fixture(scope="module")
def seeded(audit_env: AuditEnv) -> Seeded:
    owner = audit_env.user("Quentin Query")
    org = owner.default_org
    base = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0)
    ids = audit_env.publisher.ids(260)
    vaults = make_events(
        ids[:200],
        organization_id=org,
        user_id=owner.id,
        resource_id="111",
        times=spaced_times(200, start=base),
    )
    teams = make_events(
        ids[200:250],
        type_="team.created",
        organization_id=org,
        user_id=OTHER_USER,
        resource_id="222",
        times=spaced_times(50, start=base + timedelta(seconds=200)),
    )
    clients = make_events(
        ids[250:],
        type_="client.created",
        organization_id=org,
        client_id=CLIENT,
        times=spaced_times(10, start=base + timedelta(seconds=250)),
    )
    audit_env.publish([*vaults, *teams, *clients])
    return Seeded(
        owner,
        org,
        base,
        [e.id for e in vaults][::-1],
        [e.id for e in teams][::-1],
        [e.id for e in clients][::-1],
    )


def test_entries_have_the_documented_shape(seeded: Seeded) -> None:
    response = audit_logs(seeded.owner, seeded.org, limit=1, client_id=str(CLIENT))
    body = response.json()
    assert set(body) == {"audit_logs", "pagination"}
    assert set(body["pagination"]) == {"count", "limit", "offset", "has_more", "next_cursor"}  # no total
    entry = body["audit_logs"][0]
    assert entry == {
        "id": seeded.client_ids[0],
        "event_type": "client_created",
        "organization_id": seeded.org,
        "actor": {
            "user_id": None,
            "client_id": str(CLIENT),
            "ip_address": "192.0.2.10",
            "user_agent": entry["actor"]["user_agent"],
        },
        "resource_type": "client",
        "resource_id": seeded.client_ids[0],
        "data": {"index": 9},
        "request_id": f"req-{seeded.client_ids[0]}",
        "created_at": iso(seeded.base + timedelta(seconds=259)).replace("Z", ".000Z"),
    }
    assert TIMESTAMP.match(entry["created_at"])
    # The organization's real history (from orgs' events) is there too, newest first.
    everything = page_through(seeded.owner, seeded.org, 100)
    types = [entry["event_type"] for page in everything for entry in page]
    assert types[:2] == ["organization_member_added", "organization_created"]
    assert len(types) == 262


def test_each_filter(seeded: Seeded) -> None:
    owner, org, window = seeded.owner, seeded.org, seeded.window()
    assert ids_of(listing(owner, org, event_type="team_created")) == seeded.team_ids
    assert ids_of(listing(owner, org, action="team_created")) == seeded.team_ids
    both = seeded.client_ids + seeded.team_ids
    assert ids_of(listing(owner, org, event_type=["client_created", "team_created"])) == both
    assert ids_of(listing(owner, org, event_type="client_created,team_created")) == both
    assert ids_of(listing(owner, org, actor=str(OTHER_USER))) == seeded.team_ids
    assert ids_of(listing(owner, org, user_id=str(OTHER_USER))) == seeded.team_ids
    assert ids_of(listing(owner, org, client_id=str(CLIENT))) == seeded.client_ids
    assert ids_of(listing(owner, org, resource_type="team")) == seeded.team_ids
    assert ids_of(listing(owner, org, resource_type="client")) == seeded.client_ids
    assert ids_of(listing(owner, org, resource_type="team", resource_id="222")) == seeded.team_ids
    assert listing(owner, org, resource_type="team", resource_id="111") == []
    mine = page_through(owner, org, 100, actor=owner.id, **window)
    assert [entry["id"] for page in mine for entry in page] == seeded.vault_ids
    # Without the window the owner's own real actions (creating the organization) show up too.
    assert len([e for p in page_through(owner, org, 100, actor=owner.id) for e in p]) == 202
    assert listing(owner, org, actor=owner.id, event_type="team_created") == []


def test_dates_are_inclusive_at_the_precision_given(seeded: Seeded) -> None:
    owner, org, base = seeded.owner, seeded.org, seeded.base
    vaults = seeded.vault_ids[::-1]  # oldest first: vaults[i] was at base + i s

    def between(start: str, end: str) -> list[str]:
        return ids_of(listing(owner, org, event_type="vault_updated", start_date=start, end_date=end))[::-1]

    ten, nineteen = base + timedelta(seconds=10), base + timedelta(seconds=19)
    assert between(iso(ten), iso(nineteen)) == vaults[10:20]
    # A created_at copied from an entry (milliseconds) includes that entry.
    assert between(iso(ten).replace("Z", ".000Z"), iso(nineteen).replace("Z", ".000Z")) == vaults[10:20]
    assert between(iso(ten + timedelta(milliseconds=1)), iso(nineteen)) == vaults[11:20]
    # Any RFC 3339 offset (a '+' left unencoded in a query string arrives as a space: accepted).
    plus_two = timezone(timedelta(hours=2))
    assert between(ten.astimezone(plus_two).isoformat(), nineteen.astimezone(plus_two).isoformat()) == vaults[10:20]
    unencoded = ten.astimezone(plus_two).isoformat().replace("+", " ")
    assert between(unencoded, iso(nineteen)) == vaults[10:20]
    # Open at one end.
    assert (
        ids_of(listing(owner, org, event_type="team_created", start_date=iso(base + timedelta(seconds=245))))
        == (seeded.team_ids[:5])
    )
    late = page_through(owner, org, 100, event_type="vault_updated", end_date=iso(base + timedelta(seconds=4)))
    assert [entry["id"] for page in late for entry in page][::-1] == vaults[:5]
    # A bare date is that whole day.
    day = base.date().isoformat()
    whole_day = [e["id"] for p in page_through(owner, org, 100, start_date=day, end_date=day) for e in p]
    assert len(whole_day) == sum((base + timedelta(seconds=t)).date() == base.date() for t in range(260))


def test_cursor_pages_through_250_entries_without_gaps_while_new_ones_arrive(env: AuditEnv) -> None:
    owner = env.user()
    org = owner.default_org
    start = datetime.now(UTC) - timedelta(hours=1)
    # Several entries share each millisecond, so the id decides the order within it.
    times = [start + timedelta(milliseconds=index // 3) for index in range(250)]
    originals = make_events(env.publisher.ids(250), organization_id=org, user_id=owner.id, times=times)
    env.publish(originals)
    expected = sorted(originals, key=lambda e: (e.time, int(e.id)), reverse=True)
    times_by_id = {event.id: event.time for event in originals}

    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"event_type": "vault_updated", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        body = audit_logs(owner, org, **params).json()
        pages.append(ids_of(body["audit_logs"]))
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            break
        # New entries land between page requests — newer ones, and one at the very instant of the
        # last entry seen (with a larger id, as a later snowflake has): none may shift the pages.
        last_seen = times_by_id[pages[-1][-1]]
        newcomers = make_events(env.publisher.ids(20), organization_id=org, user_id=owner.id)
        newcomers += make_events(env.publisher.ids(1), organization_id=org, user_id=owner.id, times=[last_seen])
        env.publish(newcomers)
    assert [len(page) for page in pages] == [100, 100, 50]
    seen = [entry_id for page in pages for entry_id in page]
    assert seen == [event.id for event in expected]
    assert len(set(seen)) == 250
    # The first page now starts with the newcomers.
    assert audit_logs(owner, org, event_type="vault_updated", limit=1).json()["audit_logs"][0]["id"] not in seen


def test_limit_is_clamped_and_offsets_work(seeded: Seeded) -> None:
    body = audit_logs(seeded.owner, seeded.org, limit=1000, **seeded.window()).json()
    assert body["pagination"]["limit"] == 100 and body["pagination"]["count"] == 100
    default = audit_logs(seeded.owner, seeded.org, **seeded.window()).json()
    assert default["pagination"]["limit"] == 50
    offset = audit_logs(seeded.owner, seeded.org, offset=250, **seeded.window()).json()
    assert ids_of(offset["audit_logs"]) == seeded.vault_ids[-10:]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"start_date": "yesterday"}, {"start_date"}),
        ({"end_date": "2026-13-01T00:00:00Z"}, {"end_date"}),
        ({"start_date": "2026-01-01T00:00:00"}, {"start_date"}),  # no offset: not RFC 3339
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, {"end_date"}),
        ({"actor": "abc", "client_id": "-1"}, {"actor", "client_id"}),
        ({"actor": "1", "user_id": "2"}, {"user_id"}),
        ({"event_type": "nope"}, {"event_type"}),
        ({"action": "nope"}, {"action"}),
        ({"resource_type": "spaceship"}, {"resource_type"}),
        ({"resource_id": "x" * 65}, {"resource_id"}),
        ({"limit": "0"}, {"limit"}),
        ({"limit": "ten"}, {"limit"}),
        ({"cursor": "not-a-cursor"}, {"cursor"}),
        ({"cursor": "WzFd"}, {"cursor"}),  # a well-formed cursor of something else: [1]
    ],
)
def test_bad_values_are_400_with_details(seeded: Seeded, params: dict[str, str], fields: set[str]) -> None:
    response = audit_logs(seeded.owner, seeded.org, **params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["error"], body["code"]) == ("Validation failed", "VALIDATION_FAILED")
    assert set(body["details"]) == fields
