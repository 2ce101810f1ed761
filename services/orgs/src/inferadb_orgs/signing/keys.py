"""Signing keys in memory and at rest: AES-256-GCM sealing of the private key, kids, JWK rendering,
and JWTs (vault tokens, engine webhooks) signed through PyJWT (chosen over joserfc by ``bench/jose_compare.py``).

The sealing key is derived with HKDF from ``auth.key_encryption_secret`` (purpose ``signing-keys-v1`` for
vault-token keys, ``management-keys-v1`` for webhook keys);
a sealed key is ``nonce (12 bytes) ‖ ciphertext+tag`` with the kid as associated data, so a sealed
key cannot be moved to another row. Opening it with another secret fails the tag check, which start-up
reports as :class:`SecretMismatch` instead of signing with garbage.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import jwt
import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwt.utils import base64url_encode

from inferadb_common.identity import derive_key
from inferadb_common.service import StartupError

PURPOSE = "signing-keys-v1"
ACTIVE = "active"
RETIRED = "retired"
_NONCE_BYTES = 12
_JWS = jwt.PyJWS(algorithms=["EdDSA"])


class SecretMismatch(StartupError):
    """The stored active key does not open with this secret: the secret was lost or changed."""

    def __init__(self, table: str = "signing_keys") -> None:
        super().__init__(
            f"Key encryption secret does not match the stored {table.replace('_', ' ')} "
            f"(auth.key_encryption_secret changed or lost; restore it, or delete the {table} rows "
            "to start over, which invalidates every token they signed)"
        )


def new_kid(prefix: str = "vk_") -> str:
    return prefix + secrets.token_urlsafe(12)


class KeyCipher:
    def __init__(self, secret: bytes, purpose: str = PURPOSE, *, table: str = "signing_keys") -> None:
        self._aead = AESGCM(derive_key(secret, purpose))
        self._table = table

    def seal(self, kid: str, private_key: Ed25519PrivateKey) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, private_key.private_bytes_raw(), kid.encode())

    def open(self, kid: str, sealed: bytes) -> Ed25519PrivateKey:
        try:
            raw = self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], kid.encode())
        except InvalidTag:
            raise SecretMismatch(self._table) from None
        return Ed25519PrivateKey.from_private_bytes(raw)


def public_jwk(kid: str, public_key: bytes) -> dict[str, Any]:
    """An Ed25519 public key as a JWK (RFC 8037)."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64url_encode(public_key).decode(),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The key this replica signs vault tokens with (decrypted once, kept in memory)."""

    kid: str
    private_key: Ed25519PrivateKey
    _headers: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, kid: str, private_key: Ed25519PrivateKey) -> SigningKey:
        return cls(kid, private_key, {"typ": "JWT", "kid": kid})

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        # The JWS layer, not PyJWT's jwt.encode: the claims are already plain JSON values, and orjson
        # serializes them faster than jwt.encode's json.dumps on the P3 path.
        return _JWS.encode(orjson.dumps(claims), self.private_key, algorithm="EdDSA", headers=self._headers)
