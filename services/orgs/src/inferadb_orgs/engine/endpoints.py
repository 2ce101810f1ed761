"""``POST /v1/organizations/{org}/vaults/{vault}/sync`` (engine.md E4): announce a vault to the engines again."""

from __future__ import annotations

from fastapi import APIRouter

from inferadb_common.clock import utcnow
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.engine import service
from inferadb_orgs.policy import Action
from inferadb_orgs.state import OrgsDep, caller_id
from inferadb_orgs.vaults.schemas import VaultEnvelope, vault_out

router = APIRouter()


@router.post("/v1/organizations/{org}/vaults/{vault}/sync", status_code=202)
async def sync_vault(org: IdIn, vault: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> VaultEnvelope:
    async with state.db.transaction() as db:
        access, row = await policy.authorize_vault(db, org, caller_id(identity), vault, Action.VAULT_SYNC)
        pending = await service.resync_vault(state, db, access, row, utcnow())
    return VaultEnvelope(vault=vault_out(pending))
