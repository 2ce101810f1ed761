"""A free TCP port on the loopback interface, for servers started by tests."""

from __future__ import annotations

import socket

__all__ = ["free_port"]


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port the OS reports free on ``host`` right now.

    The socket is closed before returning, so another process could take the port in between;
    callers keep the number for the life of their server (restarts reuse it) to keep that window small.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
