"""Member routes (api.md §3): list, change a role, remove, leave."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.members import repository as repo
from inferadb_orgs.members import service
from inferadb_orgs.members.schemas import MemberEnvelope, MemberOut, MemberRoleIn, MembersPage, member_json
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action
from inferadb_orgs.schemas import MessageOut, json_response
from inferadb_orgs.state import OrgsDep, actor_of, caller_id

router = APIRouter()

MEMBERS = "/v1/organizations/{org}/members"


@router.get(MEMBERS, response_model=MembersPage)
async def list_members(org: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep) -> Response:
    async with state.db.read_connection() as db:
        await policy.authorize(db, org, caller_id(identity), Action.MEMBER_READ)
        rows, total = await repo.list_members(db, org, page)
    items, meta = page.build(rows, key=cursor_key, total=total)
    return json_response({"members": [member_json(row) for row in items], "pagination": meta})


@router.patch(MEMBERS + "/{member}")
async def change_member_role(
    org: IdIn, member: IdIn, body: MemberRoleIn, state: OrgsDep, identity: AuthenticatedDep
) -> MemberEnvelope:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.MEMBER_UPDATE)
        row = await service.change_role(state, db, access, actor_of(identity), member, body.role)
    return MemberEnvelope(member=MemberOut.of(row))


@router.delete(MEMBERS + "/{member}")
async def remove_member(org: IdIn, member: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.MEMBER_REMOVE)
        await service.remove(state, db, access, actor_of(identity), member)
    return MessageOut(message="Member removed successfully")


@router.post("/v1/organizations/{org}/leave")
async def leave_organization(org: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.LEAVE)
        await service.leave(state, db, access, actor_of(identity))
    return MessageOut(message="You have left the organization")
