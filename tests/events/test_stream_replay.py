"""Old events still decode: a stream captured from a running stack before payloads were typed (and
hand-written envelopes for the shapes that run did not reach, written as those producers wrote them)
decodes, envelope by envelope, into the payload models — and each model writes back the very same
``data``, so the envelope on the wire did not change."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from inferadb_common.events.catalog import CATALOG
from inferadb_common.events.decode import PayloadMismatch, decode_payload, payload_as
from inferadb_common.events.envelope import EventEnvelope
from inferadb_common.events.outbox import decode_envelope
from inferadb_common.events.payloads.auth import UserRegistered, UserUpdated

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED = FIXTURES / "stream-before-typed-events.jsonl"
HAND_WRITTEN = FIXTURES / "hand-written-envelopes.jsonl"


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines() if line.strip()]


ENVELOPES = [(path.name, index, line) for path in (CAPTURED, HAND_WRITTEN) for index, line in enumerate(_lines(path))]


@pytest.mark.parametrize(("name", "index", "line"), ENVELOPES, ids=lambda value: str(value)[:40])
def test_every_captured_envelope_decodes_into_its_model_and_back_to_the_same_data(
    name: str, index: int, line: bytes
) -> None:
    raw = orjson.loads(line)
    envelope = decode_envelope(line)
    payload = decode_payload(envelope)
    assert type(payload) is CATALOG[envelope.type].payload
    assert payload.to_data() == raw["data"]
    # The whole envelope too: what a producer records today is what it wrote then.
    rebuilt = envelope.model_copy(update={"data": payload.to_data()})
    assert orjson.loads(rebuilt.model_dump_json()) == raw


# Types that did not exist when the stream was captured (engine.md E4's audit events, api.md §10's second
# factors): nothing old to decode.
BORN_AFTER_THE_CAPTURE = {
    "vault.synced",
    "vault.sync_failed",
    "user.mfa_enabled",
    "user.mfa_disabled",
    "user.mfa_login_failed",
    "user.recovery_codes_regenerated",
    "user.recovery_code_used",
    "user.passkey_added",
    "user.passkey_removed",
    "user.passkey_flagged",
    "user.reauthenticated",
}


def test_the_capture_covers_every_catalog_type() -> None:
    captured = {orjson.loads(line)["type"] for line in _lines(CAPTURED)}
    assert captured == set(CATALOG) - BORN_AFTER_THE_CAPTURE
    assert set(CATALOG) >= BORN_AFTER_THE_CAPTURE


def test_optional_keys_stay_absent_and_a_set_null_stays_null() -> None:
    assert UserUpdated(name=None, tos_accepted="true").to_data() == {"tos_accepted": "true"}
    cleared = decode_payload(_envelope("client.updated", {"description": None}))
    assert cleared.to_data() == {"description": None}
    assert decode_payload(_envelope("client.updated", {"name": "ci"})).to_data() == {"name": "ci"}


def test_ids_travel_as_strings_and_decode_as_ints() -> None:
    registered = payload_as(
        _envelope("user.registered", {"name": "N", "email": "n@example.com", "default_organization_id": "42"}),
        UserRegistered,
    )
    assert registered.default_organization_id == 42
    assert registered.to_data()["default_organization_id"] == "42"
    with pytest.raises(PayloadMismatch):
        payload_as(_envelope("user.updated", {}), UserRegistered)


def _envelope(type_: str, data: dict[str, object]) -> EventEnvelope:
    return EventEnvelope.model_validate(
        {"id": "1", "type": type_, "source": CATALOG[type_].source, "time": "2026-01-01T00:00:00Z", "data": data}
    )
