"""Ed25519 keys for client certificates: made locally, so the private key never leaves this machine.

Needs the ``credentials`` extra (``pip install 'inferadb-management[credentials]'``: PyJWT and cryptography).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["KeyPair", "generate_key_pair", "load_private_key"]

_MISSING = "Ed25519 keys need the 'credentials' extra: pip install 'inferadb-management[credentials]'"


def _ed25519() -> type[Ed25519PrivateKey]:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ImportError(_MISSING) from error
    return Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_key_pem: str  # PKCS#8, unencrypted: store it like a password (mode 0600)
    public_key_pem: str  # SubjectPublicKeyInfo: what ``certificates.create(public_key=…)`` uploads
    public_key_raw: str  # base64 of the 32 raw bytes, as the API's ``certificate.public_key``


def generate_key_pair() -> KeyPair:
    kind = _ed25519()
    from cryptography.hazmat.primitives import serialization

    key = kind.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KeyPair(private_pem, public_pem, base64.b64encode(raw).decode())


def load_private_key(key: str | bytes | Ed25519PrivateKey) -> Ed25519PrivateKey:
    """A PKCS#8 PEM (as ``certs create`` writes it or the server returned it once), or the key itself."""
    kind = _ed25519()
    if not isinstance(key, str | bytes):
        return key
    from cryptography.hazmat.primitives import serialization

    data = key.encode() if isinstance(key, str) else key
    loaded = serialization.load_pem_private_key(data, password=None)
    if not isinstance(loaded, kind):
        raise ValueError("the private key is not an Ed25519 key")
    return loaded
