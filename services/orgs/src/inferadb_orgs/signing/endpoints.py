"""``GET /.well-known/jwks.json``: the public keys that verify this service's vault tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_common.clock import utcnow
from inferadb_orgs.signing.schemas import JwksOut
from inferadb_orgs.state import OrgsDep

router = APIRouter()

JWKS_CACHE_CONTROL = "public, max-age=300"


@router.get("/.well-known/jwks.json")
async def service_jwks(state: OrgsDep, response: Response) -> JwksOut:
    response.headers["Cache-Control"] = JWKS_CACHE_CONTROL
    return JwksOut.of(await state.keyring.published_jwks(utcnow()))
