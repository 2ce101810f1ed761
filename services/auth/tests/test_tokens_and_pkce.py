"""Random tokens (256 bits, base64url), their digests, and PKCE S256 (RFC 7636)."""

from __future__ import annotations

import base64
import hashlib
import re

from inferadb_auth.cli_login.service import s256
from inferadb_auth.security.tokens import SESSION_PREFIX, digest, new_token, same


def test_s256_matches_the_rfc_7636_appendix_b_example() -> None:
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_is_unpadded_base64url_of_the_sha256() -> None:
    verifier = "a" * 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    assert s256(verifier) == expected and len(expected) == 43


def test_tokens_carry_256_random_bits_in_43_base64url_characters() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
        assert len(base64.urlsafe_b64decode(token + "=")) == 32


def test_session_tokens_are_prefixed() -> None:
    token = new_token(SESSION_PREFIX)
    assert token.startswith("sess_") and re.fullmatch(r"sess_[A-Za-z0-9_-]{43}", token)


def test_only_the_sha256_hex_digest_is_kept() -> None:
    assert digest("sess_abc") == hashlib.sha256(b"sess_abc").hexdigest()
    assert len(digest(new_token())) == 64


def test_same_compares_exactly() -> None:
    assert same("abc", "abc") and not same("abc", "abd") and not same("abc", "ab")
