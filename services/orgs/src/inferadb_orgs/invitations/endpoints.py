"""Invitation routes (api.md §3): an organization's side (send, list, revoke) and the invitee's
(accept by token, the inbox, accept or decline by id)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_common.clock import utcnow
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.errors import TIER_LIMITED
from inferadb_orgs.invitations import repository as repo
from inferadb_orgs.invitations import service
from inferadb_orgs.invitations.schemas import (
    AcceptInvitationIn,
    InvitationEnvelope,
    InvitationIn,
    InvitationOut,
    InvitationsPage,
    ReceivedInvitationOut,
    ReceivedInvitationsPage,
    invitation_json,
)
from inferadb_orgs.organizations.schemas import OrganizationEnvelope, OrganizationOut
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action
from inferadb_orgs.schemas import MessageOut, PaginationOut, json_response
from inferadb_orgs.state import OrgsDep, actor_of, caller_id

router = APIRouter()

INVITATIONS = "/v1/organizations/{org}/invitations"
INBOX = "/v1/users/me/invitations"


@router.post("/v1/organizations/invitations/accept", responses=TIER_LIMITED)
async def accept_invitation(
    body: AcceptInvitationIn, state: OrgsDep, identity: AuthenticatedDep
) -> OrganizationEnvelope:
    now, digest = utcnow(), service.token_digest(body.token)
    confirmed = await service.address_confirmed(state, identity, lambda db: repo.find_by_token_hash(db, digest), now)
    async with state.db.transaction() as db:
        row = await service.accept_by_token(
            state, db, actor_of(identity), caller_id(identity), body.token, now, confirmed=confirmed
        )
    return OrganizationEnvelope(organization=OrganizationOut.of(row))


@router.post(INVITATIONS, status_code=201, responses=TIER_LIMITED)
async def create_invitation(
    org: IdIn, body: InvitationIn, state: OrgsDep, identity: AuthenticatedDep
) -> InvitationEnvelope:
    now = utcnow()
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.INVITATION_CREATE)
        row = await service.invite(state, db, access, actor_of(identity), body.email, body.role, now)
    return InvitationEnvelope(invitation=InvitationOut.of(row, now))


@router.get(INVITATIONS, response_model=InvitationsPage)
async def list_invitations(org: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep) -> Response:
    now = utcnow()
    async with state.db.read_connection() as db:
        await policy.authorize(db, org, caller_id(identity), Action.INVITATION_READ)
        rows, total = await repo.list_pending(db, org, page)
    items, meta = page.build(rows, key=cursor_key, total=total)
    return json_response({"invitations": [invitation_json(row, now) for row in items], "pagination": meta})


@router.delete(INVITATIONS + "/{invitation}")
async def revoke_invitation(org: IdIn, invitation: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    async with state.db.transaction() as db:
        access = await policy.authorize(db, org, caller_id(identity), Action.INVITATION_REVOKE)
        await service.revoke(state, db, access, actor_of(identity), invitation, utcnow())
    return MessageOut(message="Invitation revoked successfully")


@router.get(INBOX)
async def my_invitations(state: OrgsDep, identity: AuthenticatedDep, page: PageDep) -> ReceivedInvitationsPage:
    now = utcnow()
    # Auth's list, not the directory's copy: an address verified a moment ago shows its invitations.
    addresses = await state.auth.verified_emails(caller_id(identity), identity)
    async with state.db.read() as db:
        rows, total = await repo.inbox(db, addresses, now, page)
    items, meta = page.build([ReceivedInvitationOut.received(row, now) for row in rows], key=cursor_key, total=total)
    return ReceivedInvitationsPage(invitations=items, pagination=PaginationOut(**meta))


@router.post(INBOX + "/{invitation}/accept", responses=TIER_LIMITED)
async def accept_my_invitation(invitation: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> OrganizationEnvelope:
    now = utcnow()
    confirmed = await service.address_confirmed(state, identity, lambda db: repo.find_by_id(db, invitation), now)
    async with state.db.transaction() as db:
        row = await service.accept_by_id(
            state, db, actor_of(identity), caller_id(identity), invitation, now, confirmed=confirmed
        )
    return OrganizationEnvelope(organization=OrganizationOut.of(row))


@router.post(INBOX + "/{invitation}/decline")
async def decline_my_invitation(invitation: IdIn, state: OrgsDep, identity: AuthenticatedDep) -> MessageOut:
    now = utcnow()
    confirmed = await service.address_confirmed(state, identity, lambda db: repo.find_by_id(db, invitation), now)
    async with state.db.transaction() as db:
        await service.decline(state, db, actor_of(identity), invitation, now, confirmed=confirmed)
    return MessageOut(message="Invitation declined")
