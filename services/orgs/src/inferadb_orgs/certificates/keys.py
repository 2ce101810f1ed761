"""Ed25519 public keys as callers send them and as the API shows them.

Accepted input: a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) of an Ed25519 key, or the 32 raw key
bytes in base64 (standard or URL-safe alphabet, padding optional). Anything else — another key type,
a private key, a wrong length — is a validation error, never a stored key.
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

RAW_KEY_BYTES = 32
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
INVALID_KEY = "must be an Ed25519 public key: PEM, or base64 of the 32 raw bytes"


def parse_public_key(value: str) -> bytes:
    """The raw 32 bytes of an Ed25519 public key given as PEM or base64; ``ValueError`` otherwise."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        if "PRIVATE KEY" in text.split("\n", 1)[0]:
            raise ValueError("must be a public key; never send a private key")
        try:
            key = serialization.load_pem_public_key(text.encode())
        except (ValueError, UnsupportedAlgorithm, TypeError):
            raise ValueError(INVALID_KEY) from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(INVALID_KEY)
        return key.public_bytes_raw()
    if not _BASE64.fullmatch(text) or len(text) > 64:
        raise ValueError(INVALID_KEY)
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(INVALID_KEY) from None
    if len(raw) != RAW_KEY_BYTES:
        raise ValueError(INVALID_KEY)
    Ed25519PublicKey.from_public_bytes(raw)
    return raw


def generate_key_pair() -> tuple[bytes, str]:
    """A new pair: the raw public key and the private key as PKCS#8 PEM (returned once, never stored)."""
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private_key.public_key().public_bytes_raw(), pem.decode()


def public_key_base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def public_key_pem(raw: bytes) -> str:
    key = Ed25519PublicKey.from_public_bytes(raw)
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def certificate_kid(organization_id: int, client_id: int, certificate_id: int) -> str:
    return f"org-{organization_id}-client-{client_id}-cert-{certificate_id}"
