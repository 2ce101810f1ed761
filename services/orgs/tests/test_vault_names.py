"""Vault names (api.md §9): Unicode letters and digits, space, '-' and '_', 1-100 after trimming."""

from __future__ import annotations

import pytest

from inferadb_orgs.vaults.schemas import clean_vault_name


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("prod", "prod"),
        ("  staging-eu_1  ", "staging-eu_1"),
        ("Produção 2", "Produção 2"),
        ("日本語の金庫", "日本語の金庫"),
        ("हिन्दी", "हिन्दी"),
        ("Cafe\u0301", "Café"),  # stored in NFC
        ("x" * 100, "x" * 100),
    ],
)
def test_accepted_names(given: str, stored: str) -> None:
    assert clean_vault_name(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "x" * 101,
        "a/b",
        "../etc",
        "<script>",
        "name;drop",
        "tab\there",
        "new\nline",
        "emoji🙂",
        "dot.name",
        42,
        None,
    ],
)
def test_refused_names(given: object) -> None:
    with pytest.raises(ValueError):
        clean_vault_name(given)
