"""Invitation rules: sending (one pending invitation per address, 7 days, mailed link), revoking,
accepting (only from one of the invitee's verified addresses) and declining.

The token is 256 random bits; only its SHA-256 is stored, it travels only in the mail request and
never in a response or an event.

Whether the invitee holds the invitation's address is settled before the unit of work
(:func:`address_confirmed`): the orgs directory's copy first, and auth's own answer when the directory
does not know the address (yet: it learns verifications from auth's events), so an address verified a
moment ago counts at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.errors import Conflict
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.organizations import (
    InvitationAccepted,
    InvitationCreated,
    InvitationDeclined,
    InvitationRevoked,
    MemberAdded,
)
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id
from inferadb_orgs import policy, tiers
from inferadb_orgs.directory import repository as directory_repo
from inferadb_orgs.errors import InvitationForAnotherAddress, InvitationNotFound, OrganizationSuspended
from inferadb_orgs.invitations import repository as repo
from inferadb_orgs.invitations.records import InvitationRecord
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.organizations.records import OrganizationWithRole
from inferadb_orgs.policy import SUSPENDED, OrgAccess
from inferadb_orgs.roles import OrgRole
from inferadb_orgs.state import OrgsState, caller_id

INVITATION_TTL = timedelta(days=7)


class AlreadyMember(Conflict):
    default_message = "User is already a member of this organization"


class InvitationPending(Conflict):
    default_message = "An invitation is already pending for this email address"


class YouAreAlreadyMember(Conflict):
    default_message = "You are already a member of this organization"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def invite(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, email: str, role: OrgRole, now: datetime
) -> InvitationRecord:
    policy.check_role_assignment(access, role)
    organization_id = access.organization_id
    if await members_repo.member_with_address(db, organization_id, email) is not None:
        raise AlreadyMember()
    existing = await repo.pending_for_address(db, organization_id, email)
    if existing is not None:
        if existing.expires_at > now:
            raise InvitationPending()
        await repo.close(db, existing.id, "replaced", now)  # an expired invitation gives way to the new one
    await tiers.ensure_member_room(state.settings.organizations, db, access.organization, now, invitation_counted=False)
    token = secrets.token_urlsafe(32)
    invitation_id = new_id()
    try:
        await repo.insert_invitation(
            db,
            id=invitation_id,
            organization_id=organization_id,
            email=email,
            role=role.value,
            token_hash=token_digest(token),
            invited_by_user_id=access.user_id,
            created_at=now,
            expires_at=now + INVITATION_TTL,
        )
    except IntegrityError as exc:  # a concurrent identical invitation won
        raise InvitationPending() from exc
    inviter = await directory_repo.user_name(db, access.user_id) or "A member"
    await state.outbox.request_mail(
        db,
        "invitation",
        email,
        {
            "org_name": access.organization.name,
            "inviter_name": inviter,
            "role": role.value,
            "link": state.link("/accept-invitation", token),
        },
    )
    await state.outbox.record(
        db,
        InvitationCreated(email=email, role=role.value),
        actor=actor,
        organization_id=organization_id,
        resource_id=invitation_id,
    )
    invitation = await repo.get_invitation(db, organization_id, invitation_id)
    assert invitation is not None
    return invitation


async def revoke(
    state: OrgsState, db: AsyncSession, access: OrgAccess, actor: Actor, invitation_id: int, now: datetime
) -> None:
    invitation = await repo.get_invitation(db, access.organization_id, invitation_id)
    if invitation is None or not await repo.close(db, invitation_id, "revoked", now):
        raise InvitationNotFound()
    await state.outbox.record(
        db,
        InvitationRevoked(email=invitation.email),
        actor=actor,
        organization_id=access.organization_id,
        resource_id=invitation_id,
    )


async def address_confirmed(
    state: OrgsState,
    identity: Identity,
    find: Callable[[AsyncSession], Awaitable[InvitationRecord | None]],
    now: datetime,
) -> bool:
    """Whether the caller has verified the address of the invitation ``find`` reads: the directory's
    copy, else auth's answer. Invitations that are answered 404 anyway (unknown, closed, expired) and
    addresses the directory already knows cost no call to auth."""
    user_id = caller_id(identity)
    async with state.db.read() as db:
        invitation = await find(db)
        if invitation is None:
            return False
        if invitation.email in await directory_repo.verified_emails(db, user_id):
            return True
    if invitation.status != repo.PENDING or invitation.expires_at <= now:
        return False
    return invitation.email in await state.auth.verified_emails(user_id, identity)


async def accept_by_token(
    state: OrgsState, db: AsyncSession, actor: Actor, user_id: int, token: str, now: datetime, *, confirmed: bool
) -> OrganizationWithRole:
    """``confirmed``: :func:`address_confirmed` of this invitation."""
    invitation = await repo.find_by_token_hash(db, token_digest(token))
    if invitation is None:
        raise InvitationNotFound()
    return await _accept(state, db, actor, user_id, invitation, now, confirmed)


async def accept_by_id(
    state: OrgsState,
    db: AsyncSession,
    actor: Actor,
    user_id: int,
    invitation_id: int,
    now: datetime,
    *,
    confirmed: bool,
) -> OrganizationWithRole:
    """Only an invitation to one of the caller's verified addresses (``confirmed``); others are 404."""
    invitation = await repo.find_by_id(db, invitation_id)
    if invitation is None or not confirmed:
        raise InvitationNotFound()
    return await _accept(state, db, actor, user_id, invitation, now, confirmed)


async def decline(
    state: OrgsState,
    db: AsyncSession,
    actor: Actor,
    invitation_id: int,
    now: datetime,
    *,
    confirmed: bool,
) -> None:
    invitation = await repo.find_by_id(db, invitation_id)
    if (
        invitation is None
        or not confirmed
        or invitation.expires_at <= now
        or not await repo.close(db, invitation_id, "declined", now)
    ):
        raise InvitationNotFound()
    await state.outbox.record(
        db,
        InvitationDeclined(email=invitation.email),
        actor=actor,
        organization_id=invitation.organization_id,
        resource_id=invitation_id,
    )


async def _accept(
    state: OrgsState,
    db: AsyncSession,
    actor: Actor,
    user_id: int,
    invitation: InvitationRecord,
    now: datetime,
    confirmed: bool,
) -> OrganizationWithRole:
    organization_id = invitation.organization_id
    if await members_repo.member_by_user(db, organization_id, user_id) is not None:
        raise YouAreAlreadyMember()
    if invitation.status != repo.PENDING or invitation.expires_at <= now:
        raise InvitationNotFound()
    if not confirmed:
        raise InvitationForAnotherAddress()
    organization = await organizations_repo.get_organization(db, organization_id)
    if organization is None:
        raise InvitationNotFound()
    if organization.status == SUSPENDED:
        raise OrganizationSuspended()
    config = state.settings.organizations
    await tiers.ensure_membership_room(config, db, user_id)
    await tiers.ensure_member_room(config, db, organization, now, invitation_counted=True)
    if not await repo.close(db, invitation.id, "accepted", now):
        # A concurrent accept got there first (PostgreSQL): answer as the loser of that race.
        if await members_repo.member_by_user(db, organization_id, user_id) is not None:
            raise YouAreAlreadyMember()
        raise InvitationNotFound()
    member_id = new_id()
    try:
        await members_repo.insert_member(
            db, id=member_id, organization_id=organization_id, user_id=user_id, role=invitation.role, joined_at=now
        )
    except IntegrityError as exc:
        raise YouAreAlreadyMember() from exc
    await state.outbox.record(
        db,
        InvitationAccepted(email=invitation.email, user_id=user_id, role=invitation.role),
        actor=actor,
        organization_id=organization_id,
        resource_id=invitation.id,
    )
    await state.outbox.record(
        db,
        MemberAdded(user_id=user_id, role=invitation.role, invitation_id=invitation.id),
        actor=actor,
        organization_id=organization_id,
        resource_id=member_id,
    )
    row = await organizations_repo.organization_for_member(db, organization_id, user_id)
    assert row is not None
    return row
