"""The console's memory of which user a session belongs to: by the cookie's hash, briefly, bounded."""

from __future__ import annotations

import time

from inferadb_web.session_users import SessionUsers


def test_a_sessions_user_is_remembered_until_its_time_runs_out() -> None:
    users = SessionUsers(ttl_seconds=0.05)
    users.remember("sess_a", "9")
    assert users.get("sess_a") == "9"
    assert users.get("sess_b") is None
    time.sleep(0.06)
    assert users.get("sess_a") is None


def test_the_memory_is_bounded_and_keeps_no_cookie() -> None:
    users = SessionUsers(max_entries=2)
    for index in range(3):
        users.remember(f"sess_{index}", str(index))
    assert users.get("sess_2") == "2"
    assert users.get("sess_0") is None
    assert all("sess_" not in key for key in users._users)
