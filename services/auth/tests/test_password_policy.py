"""The password rules of api.md §1.3: 12 to 128 characters, none of the bundled common passwords."""

from __future__ import annotations

import pytest

from inferadb_auth.security.passwords import MAX_PASSWORD_LENGTH, common_passwords, password_problem


def test_the_bundled_list_has_at_least_ten_thousand_lower_cased_entries() -> None:
    entries = common_passwords()
    assert len(entries) >= 10_000
    assert all(entry == entry.lower() and entry.strip() == entry for entry in entries)


@pytest.mark.parametrize("password", ["password1234", "qwerty123456", "111111111111"])
def test_the_named_common_passwords_are_refused(password: str) -> None:
    assert password in common_passwords()
    assert password_problem(password, 12) == "Password is too common; choose a less guessable one"


@pytest.mark.parametrize("password", ["PASSWORD1234", "Qwerty123456", "PassWord1234"])
def test_common_passwords_are_compared_case_insensitively(password: str) -> None:
    assert password_problem(password, 12) is not None


def test_length_bounds_are_inclusive_and_come_from_the_minimum_given() -> None:
    assert password_problem("k" * 11 + "7", 12) is None
    assert password_problem("k" * 10 + "7", 12) == "Password must be at least 12 characters"
    assert password_problem("k" * 15 + "7", 16) is None
    assert password_problem("k" * 14 + "7", 16) == "Password must be at least 16 characters"
    assert password_problem("k" * (MAX_PASSWORD_LENGTH - 1) + "7", 12) is None
    assert password_problem("k" * MAX_PASSWORD_LENGTH + "7", 12) == "Password must be at most 128 characters"
    assert MAX_PASSWORD_LENGTH == 128


def test_an_uncommon_long_passphrase_is_accepted() -> None:
    assert password_problem("a sturdy passphrase 42", 12) is None
