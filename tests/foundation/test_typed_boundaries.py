"""The untyped values left where events, rows and process state cross modules stay at their ceilings.

scripts/boundary_any.py counts them (issue 14, the typed redesign, measured 133 ``Row[Any]``,
76 event-type literals, 24 ``**values: Any``, 17 ``ctx.extras`` before it). A new ``Any`` at one of
these boundaries fails here; lowering a count means lowering its ceiling with it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

CEILINGS = {
    "event data read by key": 0,
    "event dispatch by name": 0,
    "rows typed Any": 1,  # tokens/rejections.py: an aggregate row with a computed "count" column
    "keyword bags (**x: Any) outside templates": 0,
    "process state by key": 0,
    "Any in event modules": 10,  # nats-py's untyped subscription and SQLAlchemy's session-info hooks
    "Any in services' state": 0,
    "event data as a dict": 0,
    "Any in public repository signatures": 3,  # audit's statement builders and raw insert batch
    "event types as string literals": 0,
}


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("boundary_any", REPOSITORY / "scripts" / "boundary_any.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_untyped_values_at_the_boundaries_stay_at_their_ceilings() -> None:
    script = _script()
    found = {
        **script.counts(REPOSITORY),
        "event data as a dict": script.event_data_dicts(REPOSITORY),
        "Any in public repository signatures": script.public_repository_any(REPOSITORY),
        "event types as string literals": script.event_type_literals(REPOSITORY),
    }
    assert set(found) == set(CEILINGS)
    over = {name: (count, CEILINGS[name]) for name, count in found.items() if count > CEILINGS[name]}
    assert not over, f"more untyped values at a boundary than allowed (count, ceiling): {over}"
