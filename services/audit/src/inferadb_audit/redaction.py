"""Defensive redaction of event ``data`` before it becomes an audit row.

Producers must never put a secret (password, token, private key) in an event; this catches the
mistake anyway: a value is replaced by ``[REDACTED]`` when its key names a secret, or when the value
itself has the shape of one (a session token, a JWT, a PEM private key), at any depth.
"""

from __future__ import annotations

import functools
import re
from typing import Any

REDACTED = "[REDACTED]"

# A key is secret when one of its words (split on _ - . and camelCase) is one of these, unless it
# only names or counts one (``token_id``, ``secret_count``, ``session_type``…).
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "jwt",
        "assertion",
        "cookie",
        "authorization",
        "credential",
        "credentials",
        "otp",
    }
)
_SECRET_COMPOUNDS = ("private_key", "privatekey", "api_key", "apikey", "signing_key")
_HARMLESS_SUFFIXES = ("_id", "_ids", "_type", "_count", "_at", "_hint", "_prefix", "_kind")
_WORD_SPLIT = re.compile(r"[_\-.\s]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Values that are secrets whatever their key: session tokens, JWTs, PEM private keys (none is
# shorter than _SHORTEST_SECRET_VALUE, so shorter strings — most of them — skip the search).
_SHORTEST_SECRET_VALUE = 25
_SECRET_VALUE = re.compile(
    r"sess_[A-Za-z0-9_\-]{20,}|eyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


@functools.lru_cache(maxsize=4096)  # events reuse a handful of keys
def is_secret_key(key: str) -> bool:
    normalised = _CAMEL.sub("_", key).lower()
    normalised = _WORD_SPLIT.sub("_", normalised).strip("_")
    if normalised.endswith(_HARMLESS_SUFFIXES):
        return False
    if any(compound in normalised for compound in _SECRET_COMPOUNDS):
        return True
    return any(word in _SECRET_WORDS for word in normalised.split("_"))


def scrub(value: Any) -> tuple[Any, list[str]]:
    """``value`` with secret-looking entries replaced by ``[REDACTED]``, and the paths replaced."""
    found: list[str] = []

    def walk(item: Any, path: str) -> Any:
        if isinstance(item, dict):
            cleaned: dict[str, Any] = {}
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if is_secret_key(str(key)) and child is not None and not isinstance(child, bool):
                    found.append(child_path)
                    cleaned[key] = REDACTED
                else:
                    cleaned[key] = walk(child, child_path)
            return cleaned
        if isinstance(item, list):
            return [walk(child, f"{path}[{index}]") for index, child in enumerate(item)]
        if isinstance(item, str) and len(item) >= _SHORTEST_SECRET_VALUE and _SECRET_VALUE.search(item):
            found.append(path)
            return REDACTED
        return item

    return walk(value, ""), found
