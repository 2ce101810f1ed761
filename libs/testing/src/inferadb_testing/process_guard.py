"""Refuses every process, SMTP sink and PostgreSQL database in a test that is not marked ``integration``.

The pytest plugin arms the guard around each unmarked test (setup, call and teardown), so
``pytest -m "not integration"`` cannot start anything: a test that does fails with its name and
what it started, instead of slowly passing. Processes are caught by an audit hook (every
``subprocess``/``os`` spawn), the in-process servers by ``refuse_unless_integration`` at their start.
"""

from __future__ import annotations

import sys
import threading

__all__ = ["ProcessesForbidden", "arm", "disarm", "refuse_unless_integration"]

# The audit events of starting another program (PEP 578).
_SPAWN_EVENTS = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.startfile"})
_test_without_mark: str | None = None
_hook_installed = False


class ProcessesForbidden(RuntimeError):
    """A test not marked ``integration`` tried to start a process or a server."""


def arm(nodeid: str) -> None:
    """From now until ``disarm``, the test ``nodeid`` (not marked ``integration``) may start nothing."""
    global _test_without_mark, _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    _test_without_mark = nodeid


def disarm() -> None:
    global _test_without_mark
    _test_without_mark = None


def refuse_unless_integration(what: str) -> None:
    """Raise ``ProcessesForbidden`` when the running test is not marked ``integration``."""
    # Tests run on the main thread; a live stack's own threads are not the test's doing.
    if _test_without_mark is not None and threading.current_thread() is threading.main_thread():
        raise ProcessesForbidden(
            f"{_test_without_mark} starts {what} but is not marked integration: mark it "
            "(pytest.mark.integration) or use a fixture that marks it"
        )


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event in _SPAWN_EVENTS and _test_without_mark is not None:
        refuse_unless_integration(f"a process ({event}: {args[0] if args else '?'!r})")
