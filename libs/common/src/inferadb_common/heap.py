"""The garbage collector of a long-running service.

Under load, the objects of the requests in flight survive CPython's young collections and are
promoted to the oldest generation, so a full collection came round about once a second. Each one
walked every object the process had made while starting (about 160,000 in auth: modules, the app's
routes and dependencies, SQLAlchemy's and pydantic's structures), freed nothing, and held the event
loop for about 90 ms: every request in flight waited (41 such pauses in 35 s of the P2 load).

Once start-up is done, :func:`settle` collects and then moves every live object into the permanent
generation (``gc.freeze``), so that full collections walk only what was made since; and it raises
the young generation's threshold from 700 to 10,000 allocations, so that fewer in-flight objects
are promoted in the first place. Objects made later are collected as before; frozen ones are still
freed by reference counting when released. Measured on the P2 load: auth's CPU per request fell
from 1.6 to 1.2 ms and no pause above 20 ms remained after start-up.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Call once, when start-up is complete."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD)
