"""Query-parameter parsing for the audit-log routes: RFC 3339 dates inclusive at their precision,
aliases, and every bad value reported at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inferadb_audit.logs.filters import AuditFilters, parse_filters, parse_rfc3339
from inferadb_common.errors import ValidationFailed


def parse(**params: object) -> AuditFilters:
    values: dict[str, object] = {
        "event_type": [],
        "action": [],
        "actor": None,
        "user_id": None,
        "client_id": None,
        "resource_type": None,
        "resource_id": None,
        "start_date": None,
        "end_date": None,
    }
    values.update(params)
    return parse_filters(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "instant", "precision"),
    [
        ("2026-01-31T10:00:00Z", datetime(2026, 1, 31, 10, tzinfo=UTC), timedelta(seconds=1)),
        ("2026-01-31t10:00:00.5z", datetime(2026, 1, 31, 10, 0, 0, 500000, tzinfo=UTC), timedelta(milliseconds=100)),
        ("2026-01-31T10:00:00.123Z", datetime(2026, 1, 31, 10, 0, 0, 123000, tzinfo=UTC), timedelta(milliseconds=1)),
        ("2026-01-31T12:00:00+02:00", datetime(2026, 1, 31, 10, tzinfo=UTC), timedelta(seconds=1)),
        ("2026-01-31T12:00:00 02:00", datetime(2026, 1, 31, 10, tzinfo=UTC), timedelta(seconds=1)),
        ("2026-01-31T05:00:00-05:00", datetime(2026, 1, 31, 10, tzinfo=UTC), timedelta(seconds=1)),
        (
            "2026-01-31T10:00:00.123456789Z",
            datetime(2026, 1, 31, 10, 0, 0, 123456, tzinfo=UTC),
            timedelta(microseconds=1),
        ),
        ("2026-01-31", datetime(2026, 1, 31, tzinfo=UTC), timedelta(days=1)),
    ],
)
def test_rfc3339_values_and_their_precision(text: str, instant: datetime, precision: timedelta) -> None:
    assert parse_rfc3339(text) == (instant, precision)


@pytest.mark.parametrize(
    "text",
    ["yesterday", "2026-01-31T10:00:00", "2026-02-30T00:00:00Z", "2026-01-31T24:00:00Z", "1700000000", "2026-1-3"],
)
def test_other_values_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_rfc3339(text)


def test_end_date_is_inclusive_at_its_precision() -> None:
    filters = parse(start_date="2026-01-31T10:00:00Z", end_date="2026-01-31T10:00:00.123Z")
    assert filters.start == datetime(2026, 1, 31, 10, tzinfo=UTC)
    assert filters.end_before == datetime(2026, 1, 31, 10, 0, 0, 124000, tzinfo=UTC)
    assert parse(end_date="2026-01-31").end_before == datetime(2026, 2, 1, tzinfo=UTC)


def test_event_types_merge_the_action_alias_and_commas_without_duplicates() -> None:
    filters = parse(event_type=["vault_created,vault_deleted"], action=["vault_created", "team_created"])
    assert filters.event_types == ("vault_created", "vault_deleted", "team_created")


def test_actor_and_user_id_are_one_filter() -> None:
    assert parse(actor="42").user_id == 42
    assert parse(user_id="42").user_id == 42
    assert parse(actor="42", user_id="42").user_id == 42


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse(
            event_type=["vault_created", "nope"],
            actor="x",
            client_id="0",
            resource_type="spaceship",
            resource_id="\x00",
            start_date="soon",
            end_date="later",
        )
    assert set(caught.value.details or {}) == {
        "event_type",
        "actor",
        "client_id",
        "resource_type",
        "resource_id",
        "start_date",
        "end_date",
    }


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse(start_date="2026-01-31T10:00:01Z", end_date="2026-01-31T10:00:00Z")
    assert caught.value.details == {"end_date": "must not be before start_date"}
    assert parse(start_date="2026-01-31T10:00:00Z", end_date="2026-01-31T10:00:00Z").end_before
