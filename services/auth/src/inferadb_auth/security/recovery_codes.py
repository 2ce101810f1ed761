"""Recovery codes: ten per set, ``xxxx-xxxx-xxxx`` from a 31-character alphabet (59 random bits each).

They are stored as SHA-256 digests: with 59 bits of entropy, single use and the sign-in attempt
limits, a slow hash would add cost without adding safety. Input is compared after normalising case,
spaces and hyphens, digest against digest in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0, 1: read aloud and typed without doubt
COUNT = 10
GROUPS, GROUP_LENGTH = 3, 4


def new_codes() -> list[str]:
    return [
        "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
        for _ in range(COUNT)
    ]


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def code_digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def matching(code: str, digests: list[tuple[int, str]]) -> int | None:
    """The id of the stored digest that ``code`` matches (each compared in constant time)."""
    wanted = code_digest(code).encode()
    found: int | None = None
    for code_id, stored in digests:
        if hmac.compare_digest(wanted, stored.encode()) and found is None:
            found = code_id
    return found
