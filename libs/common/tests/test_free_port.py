"""Ports for test servers: each xdist worker has its own slice below the ephemeral range, and a port is
never handed out twice in a row nor while something holds it."""

from __future__ import annotations

import importlib
import socket

import pytest

from inferadb_testing.free_port import PORT_RANGE, free_port, port_slice

module = importlib.import_module("inferadb_testing.free_port")  # the package re-exports the function


def test_workers_get_disjoint_slices_below_the_ephemeral_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    slices = []
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        slices.append(port_slice())
    (a_start, a_end), (b_start, b_end) = slices
    assert PORT_RANGE[0] <= a_start < a_end <= b_start < b_end <= PORT_RANGE[1] <= 32768


def test_consecutive_ports_differ_and_a_held_port_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20
    start, end = port_slice()
    assert all(start <= port < end for port in ports)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", ports[-1]))  # something else now holds a port of the slice
        held.listen()
        monkeypatch.setattr(module, "_cursor", ports[-1])
        assert free_port() == (ports[-1] + 1 if ports[-1] + 1 < end else start)
