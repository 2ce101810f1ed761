"""A free TCP port on the loopback interface, for servers started by tests.

Ports come from 20000–32767, below the kernel's ephemeral range (32768–60999 on Linux), so no
outgoing connection is ever given one between the moment it is chosen and the moment its server
binds it. Each pytest-xdist worker takes its own slice of that range and walks it in order, so two
workers (or two stacks of one worker) never pick the same port; a port something else holds is
skipped.
"""

from __future__ import annotations

import os
import random
import socket
import threading

__all__ = ["free_port", "port_slice"]

PORT_RANGE = (20000, 32768)

_lock = threading.Lock()
_cursor: int | None = None


def port_slice() -> tuple[int, int]:
    """The ports this process may hand out: its xdist worker's share of :data:`PORT_RANGE`."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    count = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")), 1)
    index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
    size = (PORT_RANGE[1] - PORT_RANGE[0]) // count
    start = PORT_RANGE[0] + (index % count) * size
    return start, start + size


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port of this worker's slice that nothing holds on ``host`` right now.

    The socket is closed before returning; callers keep the number for the life of their server
    (restarts reuse it). Consecutive calls never return the same port until the slice wraps.
    """
    global _cursor
    start, end = port_slice()
    with _lock:
        if _cursor is None or not start <= _cursor < end:
            _cursor = random.randrange(start, end)  # noqa: S311 - spreading runs, not a secret
        for _ in range(end - start):
            port = _cursor
            _cursor = start + (_cursor + 1 - start) % (end - start)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError(f"no free port on {host} in {start}-{end - 1}")
