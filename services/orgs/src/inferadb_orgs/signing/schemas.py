"""The JWK Set shape of every JWKS route (RFC 7517; Ed25519 keys as in RFC 8037)."""

from __future__ import annotations

from typing import Any

from inferadb_common.wire import ResponseModel


class Jwk(ResponseModel):
    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class JwksOut(ResponseModel):
    keys: list[Jwk]

    @classmethod
    def of(cls, keys: list[dict[str, Any]]) -> JwksOut:
        return cls(keys=[Jwk(**key) for key in keys])
