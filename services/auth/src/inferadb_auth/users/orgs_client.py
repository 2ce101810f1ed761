"""What auth asks the orgs service before it deletes an account (an internal call with a signed identity)."""

from __future__ import annotations

import httpx

from inferadb_auth.state import AuthState
from inferadb_common.errors import Unavailable
from inferadb_common.identity import Identity
from inferadb_common.replicas import ReplicaSet


async def ownership_conflicts(state: AuthState, identity: Identity) -> list[str]:
    """Names of the organizations the user alone owns while others are members (503 if orgs cannot say)."""
    assert identity.user_id is not None
    token = state.signer.sign(Identity(audience="orgs", user_id=identity.user_id, request_id=identity.request_id))
    path = f"/internal/v1/users/{identity.user_id}/ownership-conflicts"
    replicas = ReplicaSet(state.settings.services.replicas_of("orgs"))
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:

            async def ask(base: str) -> httpx.Response:
                return await client.get(base + path, headers={"x-infera-identity": token})

            response = await replicas.first_answer(ask, (httpx.TransportError,))
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise Unavailable() from exc
    return [str(org["name"]) for org in response.json()["organizations"]]
