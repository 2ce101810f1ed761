"""The catalog is complete: every event type has a payload model, a producer that builds it (in the
producing service's source) and at least one test that records it; no event type is spelled out as a
string anywhere but in its model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from inferadb_common.events.catalog import CATALOG, EventSpec
from inferadb_common.events.payload import EventPayload

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "libs/common/src/inferadb_common/events/payloads"
SOURCES = [ROOT / "libs/common/src", ROOT / "gateway/src", ROOT / "web/src", *sorted(ROOT.glob("services/*/src"))]
TEST_DIRS = [ROOT / "tests", ROOT / "libs/common/tests", ROOT / "gateway/tests", *sorted(ROOT.glob("services/*/tests"))]
HERE = Path(__file__).resolve().parent


def _read(paths: list[Path]) -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for root in paths for path in sorted(root.rglob("*.py"))}


_SOURCE = _read(SOURCES)
_TESTS = {path: text for path, text in _read(TEST_DIRS).items() if HERE not in path.parents}
SPECS = sorted(CATALOG.values(), key=lambda spec: spec.type)


def _built(name: str, text: str) -> bool:
    """Whether ``text`` constructs the model called ``name`` (a call, or a validation of a mapping;
    a ``case Name()`` pattern only matches one)."""
    return re.search(rf"(?<!case )(?<!\| )\b{name}(\(|\.model_validate\()", text) is not None


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.type)
def test_every_type_has_a_frozen_strict_payload_model(spec: EventSpec) -> None:
    assert issubclass(spec.payload, EventPayload)
    assert spec.payload.event_type == spec.type
    assert spec.payload.model_config.get("frozen") is True
    assert spec.payload.model_config.get("extra") == "forbid"


def test_each_model_names_one_type() -> None:
    assert len({spec.payload for spec in SPECS}) == len(SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.type)
def test_every_type_has_a_producer_in_its_service(spec: EventSpec) -> None:
    producer = ROOT / "services" / spec.source / "src"
    building = [
        path for path, text in _SOURCE.items() if PAYLOADS not in path.parents and _built(spec.payload.__name__, text)
    ]
    assert building, f"nothing builds {spec.payload.__name__}"
    assert all(producer in path.parents for path in building), f"{spec.type} built outside {spec.source}: {building}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.type)
def test_every_type_is_recorded_in_a_test(spec: EventSpec) -> None:
    names = (f'"{spec.type}"', f"'{spec.type}'", f'"{spec.audit_type}"', spec.subject, spec.payload.__name__)
    assert any(name in text for text in _TESTS.values() for name in names), f"no test refers to {spec.type}"


def test_no_event_type_literal_outside_the_models() -> None:
    literals = {f'"{spec.type}"' for spec in SPECS}
    found = [
        (path.relative_to(ROOT), literal)
        for path, text in _SOURCE.items()
        if PAYLOADS not in path.parents
        for literal in literals
        if literal in text
    ]
    assert found == []
