"""Small secrets sealed at rest: AES-256-GCM under a key derived from ``auth.key_encryption_secret``.

A sealed value is ``nonce (12 bytes) ‖ ciphertext+tag``; the associated data names the row it belongs
to, so a sealed value copied into another row does not open. Each use has its own ``purpose`` (HKDF
info), so one sealed kind can never be opened as another.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from inferadb_common.identity import derive_key

_NONCE_BYTES = 12


class SealBroken(Exception):
    """The value does not open: another secret, another row, or a damaged value."""


class Sealer:
    def __init__(self, secret: bytes, purpose: str) -> None:
        self._aead = AESGCM(derive_key(secret, purpose))

    def seal(self, associated: str, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated.encode())

    def open(self, associated: str, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], associated.encode())
        except (InvalidTag, ValueError):
            raise SealBroken() from None
