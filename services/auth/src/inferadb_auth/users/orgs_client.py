"""What auth asks the orgs service before it deletes an account (an internal call with a signed identity)."""

from __future__ import annotations

import httpx

from inferadb_auth.state import AuthState
from inferadb_common.errors import Unavailable
from inferadb_common.identity import Identity


async def ownership_conflicts(state: AuthState, identity: Identity) -> list[str]:
    """Names of the organizations the user alone owns while others are members (503 if orgs cannot say)."""
    assert identity.user_id is not None
    token = state.signer.sign(Identity(audience="orgs", user_id=identity.user_id, request_id=identity.request_id))
    url = f"{state.settings.services.orgs_url}/internal/v1/users/{identity.user_id}/ownership-conflicts"
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url, headers={"x-infera-identity": token})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise Unavailable() from exc
    return [str(org["name"]) for org in response.json()["organizations"]]
