"""Who may do what in an organization: the access rules of api.md §3-§6, written once.

Every org-scoped endpoint asks this module before it acts:

* a caller who is not a member learns nothing: 404 ``Organization not found`` (also for suspended and
  deleted organizations), and 404 for a vault, team or grant that is not in the organization;
* each :class:`Action` has one :class:`Rule`: the minimum role (OWNER > ADMIN > MEMBER) and who else
  may act — a MEMBER whose team holds the rule's ``ORG_PERM_*`` permission acts as if ADMIN
  (``ORG_PERM_OWNER_ACTIONS`` counts for every ADMIN-level action, ``ORG_PERM_CLIENT_MANAGE`` implies
  the four client permissions; no permission ever lifts anyone to OWNER, nor to a rule that
  ``needs_role``), a team's managers or members, a vault's ADMINs;
* a suspended organization refuses every write but its own resumption (403 ``ORGANIZATION_SUSPENDED``);
* rules about the target of an action: only an OWNER grants, changes or removes an OWNER (or invites
  one); the last OWNER can be neither demoted nor removed, nor leave;
* standing that comes from a team (a permission, managing a team, a team's vault grant) lets its
  holder do the named action only, never turn it into a role or into more than the holder has
  (docs/design.md, "Authorization"): roles above MEMBER are given (by invitation or change) and ADMINs
  removed only by a real ADMIN; a MEMBER places someone in a team, or makes them its manager, only if
  the team carries no permission or vault grant the MEMBER lacks (:func:`check_team_within_reach`);
  a MEMBER raises a grant that covers themselves only up to their own direct vault grant
  (:func:`check_own_vault_grant`).

The effective vault role of a user (the highest of the direct grant and the grants of all the user's
teams) is :func:`effective_vault_role`; vault tokens are checked against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import Reader
from inferadb_orgs.errors import (
    InsufficientPermissions,
    LastOwner,
    OrganizationNotFound,
    OrganizationSuspended,
    TeamNotFound,
    VaultNotFound,
)
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.organizations.records import OrganizationWithRole
from inferadb_orgs.roles import OrgRole, TeamPermission, VaultRole
from inferadb_orgs.teams import repository as teams_repo
from inferadb_orgs.teams.records import TeamRecord
from inferadb_orgs.vaults import grant_repository as grants_repo
from inferadb_orgs.vaults import repository as vaults_repo
from inferadb_orgs.vaults.records import VaultRecord

SUSPENDED = "suspended"
ACTIVE = "active"


class Action(StrEnum):
    ORGANIZATION_READ = "organization.read"
    ORGANIZATION_UPDATE = "organization.update"
    ORGANIZATION_DELETE = "organization.delete"
    ORGANIZATION_SUSPEND = "organization.suspend"
    ORGANIZATION_RESUME = "organization.resume"
    OWNERSHIP_TRANSFER = "organization.transfer_ownership"
    MEMBER_READ = "member.read"
    MEMBER_UPDATE = "member.update"
    MEMBER_REMOVE = "member.remove"
    LEAVE = "member.leave"
    INVITATION_CREATE = "invitation.create"
    INVITATION_READ = "invitation.read"
    INVITATION_REVOKE = "invitation.revoke"
    TEAM_CREATE = "team.create"
    TEAM_READ = "team.read"
    TEAM_UPDATE = "team.update"
    TEAM_DELETE = "team.delete"
    TEAM_MEMBER_MANAGE = "team.manage_members"
    TEAM_PERMISSION_READ = "team_permission.read"
    TEAM_PERMISSION_MANAGE = "team_permission.manage"
    VAULT_CREATE = "vault.create"
    VAULT_READ = "vault.read"
    VAULT_UPDATE = "vault.update"
    VAULT_DELETE = "vault.delete"
    VAULT_SYNC = "vault.sync"
    VAULT_GRANT_READ = "vault_grant.read"
    VAULT_GRANT_MANAGE = "vault_grant.manage"
    CLIENT_CREATE = "client.create"
    CLIENT_READ = "client.read"
    CLIENT_UPDATE = "client.update"
    CLIENT_DELETE = "client.delete"
    CERTIFICATE_CREATE = "certificate.create"
    CERTIFICATE_READ = "certificate.read"
    CERTIFICATE_REVOKE = "certificate.revoke"
    CERTIFICATE_DELETE = "certificate.delete"


@dataclass(frozen=True, slots=True)
class Rule:
    role: OrgRole
    permission: TeamPermission | None = None
    team_manager: bool = False
    team_member: bool = False
    vault_admin: bool = False
    needs_role: bool = False  # no team permission stands in for the role
    writes: bool = True
    allowed_while_suspended: bool = False


_O, _A, _M = OrgRole.OWNER, OrgRole.ADMIN, OrgRole.MEMBER
_P = TeamPermission

RULES: dict[Action, Rule] = {
    Action.ORGANIZATION_READ: Rule(_M, writes=False),
    Action.ORGANIZATION_UPDATE: Rule(_A),
    Action.ORGANIZATION_DELETE: Rule(_O),
    # Suspend and resume answer 409 themselves when the organization is already in that state.
    Action.ORGANIZATION_SUSPEND: Rule(_O, allowed_while_suspended=True),
    Action.ORGANIZATION_RESUME: Rule(_O, allowed_while_suspended=True),
    Action.OWNERSHIP_TRANSFER: Rule(_O),
    Action.MEMBER_READ: Rule(_M, writes=False),
    Action.MEMBER_UPDATE: Rule(_A, needs_role=True),  # changing roles takes a real ADMIN
    Action.MEMBER_REMOVE: Rule(_A),
    Action.LEAVE: Rule(_M),
    Action.INVITATION_CREATE: Rule(_A, _P.INVITE_USERS),
    Action.INVITATION_READ: Rule(_A, writes=False),
    Action.INVITATION_REVOKE: Rule(_A, _P.REVOKE_INVITATIONS),
    Action.TEAM_CREATE: Rule(_A, _P.TEAM_CREATE),
    Action.TEAM_READ: Rule(_M, writes=False),
    Action.TEAM_UPDATE: Rule(_A, team_manager=True),
    Action.TEAM_DELETE: Rule(_A, _P.TEAM_DELETE),
    Action.TEAM_MEMBER_MANAGE: Rule(_A, _P.TEAM_MANAGE_MEMBERS, team_manager=True),
    Action.TEAM_PERMISSION_READ: Rule(_A, team_member=True, writes=False),
    Action.TEAM_PERMISSION_MANAGE: Rule(_O),
    Action.VAULT_CREATE: Rule(_A, _P.VAULT_CREATE),
    Action.VAULT_READ: Rule(_M, writes=False),
    Action.VAULT_UPDATE: Rule(_A, vault_admin=True),
    Action.VAULT_DELETE: Rule(_A, _P.VAULT_DELETE),
    Action.VAULT_SYNC: Rule(_A, vault_admin=True),  # announcing a vault again changes nothing else
    Action.VAULT_GRANT_READ: Rule(_M, writes=False),
    Action.VAULT_GRANT_MANAGE: Rule(_A, vault_admin=True),
    Action.CLIENT_CREATE: Rule(_A, _P.CLIENT_CREATE),
    Action.CLIENT_READ: Rule(_M, writes=False),
    Action.CLIENT_UPDATE: Rule(_A),
    Action.CLIENT_DELETE: Rule(_A, _P.CLIENT_DELETE),
    Action.CERTIFICATE_CREATE: Rule(_A, _P.CLIENT_MANAGE),
    Action.CERTIFICATE_READ: Rule(_M, writes=False),
    Action.CERTIFICATE_REVOKE: Rule(_A, _P.CLIENT_REVOKE),
    Action.CERTIFICATE_DELETE: Rule(_A, _P.CLIENT_DELETE),
}

IMPLIED_PERMISSIONS: dict[TeamPermission, frozenset[TeamPermission]] = {
    _P.CLIENT_MANAGE: frozenset({_P.CLIENT_CREATE, _P.CLIENT_READ, _P.CLIENT_REVOKE, _P.CLIENT_DELETE}),
}


_PERMISSION_NAMES = frozenset(permission.value for permission in TeamPermission)


def expand_permissions(granted: Iterable[str]) -> frozenset[TeamPermission]:
    """The permissions a set of team grants amounts to (unknown names are ignored)."""
    known = {TeamPermission(name) for name in granted if name in _PERMISSION_NAMES}
    implied = {permission for name in known for permission in IMPLIED_PERMISSIONS.get(name, ())}
    return frozenset(known | implied)


@dataclass(frozen=True, slots=True)
class OrgAccess:
    """A member's standing in one organization, as loaded for one request."""

    organization: OrganizationWithRole
    user_id: int
    member_id: int
    role: OrgRole
    permissions: frozenset[TeamPermission] = frozenset()

    @property
    def organization_id(self) -> int:
        return self.organization.id

    @property
    def suspended(self) -> bool:
        return self.organization.status == SUSPENDED


@dataclass(frozen=True, slots=True)
class TeamStanding:
    is_member: bool = False
    is_manager: bool = False


def allowed(
    access: OrgAccess, action: Action, *, team: TeamStanding | None = None, vault_role: VaultRole | None = None
) -> bool:
    """Whether the member may do ``action`` (suspension aside)."""
    rule = RULES[action]
    if access.role.at_least(rule.role):
        return True
    if rule.role is OrgRole.ADMIN and not rule.needs_role:
        if rule.permission is not None and rule.permission in access.permissions:
            return True
        if _P.OWNER_ACTIONS in access.permissions:
            return True
    if team is not None and ((rule.team_manager and team.is_manager) or (rule.team_member and team.is_member)):
        return True
    return bool(rule.vault_admin and vault_role is VaultRole.ADMIN)


def check(
    access: OrgAccess, action: Action, *, team: TeamStanding | None = None, vault_role: VaultRole | None = None
) -> None:
    if not allowed(access, action, team=team, vault_role=vault_role):
        raise InsufficientPermissions()
    rule = RULES[action]
    if access.suspended and rule.writes and not rule.allowed_while_suspended:
        raise OrganizationSuspended()


async def load_access(db: Reader, organization_id: int, user_id: int) -> OrgAccess:
    """The caller's membership, or 404 ``Organization not found`` for anyone who is not a member."""
    row = await organizations_repo.organization_for_member(db, organization_id, user_id)
    if row is None:
        raise OrganizationNotFound()
    role = OrgRole(row.role)
    permissions: frozenset[TeamPermission] = frozenset()
    if role is OrgRole.MEMBER:  # permissions only ever lift a MEMBER to ADMIN level
        permissions = expand_permissions(await teams_repo.permissions_of_user(db, organization_id, user_id))
    return OrgAccess(organization=row, user_id=user_id, member_id=row.member_id, role=role, permissions=permissions)


async def authorize(db: Reader, organization_id: int, user_id: int, action: Action) -> OrgAccess:
    access = await load_access(db, organization_id, user_id)
    check(access, action)
    return access


async def authorize_team(
    db: AsyncSession, organization_id: int, user_id: int, team_id: int, action: Action
) -> tuple[OrgAccess, TeamRecord]:
    """As :func:`authorize`, for an action on one team of the organization (404 ``Team not found``)."""
    access = await load_access(db, organization_id, user_id)
    team = await teams_repo.get_team(db, organization_id, team_id)
    if team is None:
        raise TeamNotFound()
    standing = TeamStanding()
    rule = RULES[action]
    if (rule.team_manager or rule.team_member) and not allowed(access, action):
        membership = await teams_repo.team_member_by_user(db, team_id, user_id)
        standing = TeamStanding(is_member=membership is not None, is_manager=bool(membership and membership.is_manager))
    check(access, action, team=standing)
    return access, team


async def authorize_vault(
    db: AsyncSession, organization_id: int, user_id: int, vault_id: int, action: Action
) -> tuple[OrgAccess, VaultRecord]:
    """As :func:`authorize`, for an action on one live vault of the organization (404 ``Vault not found``)."""
    access = await load_access(db, organization_id, user_id)
    vault = await vaults_repo.live_vault(db, vault_id, organization_id=organization_id)
    if vault is None:
        raise VaultNotFound()
    vault_role = None
    if RULES[action].vault_admin and not allowed(access, action):
        vault_role = await effective_vault_role(db, vault_id, user_id)
    check(access, action, vault_role=vault_role)
    return access, vault


async def authorize_vault_anywhere(db: AsyncSession, user_id: int, vault_id: int) -> tuple[OrgAccess, VaultRecord]:
    """Reading a vault by its id alone: only members of the vault's organization see it (else 404)."""
    vault = await vaults_repo.live_vault(db, vault_id)
    if vault is None:
        raise VaultNotFound()
    try:
        return await authorize_vault(db, int(vault.organization_id), user_id, vault_id, Action.VAULT_READ)
    except OrganizationNotFound:
        raise VaultNotFound() from None


def highest_vault_role(roles: Iterable[str]) -> VaultRole | None:
    parsed = [VaultRole(role) for role in roles]
    return max(parsed, key=lambda role: role.rank) if parsed else None


async def effective_vault_role(db: AsyncSession, vault_id: int, user_id: int) -> VaultRole | None:
    """The highest of the user's direct grant on the vault and the grants of all the user's teams."""
    return highest_vault_role(await vaults_repo.vault_roles_of_user(db, vault_id, user_id))


# -- rules about the target of an action ---------------------------------------------------------


def check_role_assignment(access: OrgAccess, new_role: OrgRole, current_role: OrgRole | None = None) -> None:
    """Only an OWNER grants OWNER (also by invitation) or changes an OWNER's role; only a real ADMIN
    gives a role above MEMBER (by invitation or change) or changes an ADMIN's role — a team permission
    that lets a MEMBER invite never lets them invite an ADMIN."""
    touches_owner = new_role is OrgRole.OWNER or current_role is OrgRole.OWNER
    if touches_owner and access.role is not OrgRole.OWNER:
        raise InsufficientPermissions()
    touches_a_role = new_role is not OrgRole.MEMBER or current_role not in (None, OrgRole.MEMBER)
    if touches_a_role and not access.role.at_least(OrgRole.ADMIN):
        raise InsufficientPermissions()


def check_member_removal(access: OrgAccess, target_role: OrgRole) -> None:
    """Only an OWNER removes an OWNER, only a real ADMIN removes an ADMIN."""
    if target_role is OrgRole.OWNER and access.role is not OrgRole.OWNER:
        raise InsufficientPermissions()
    if target_role is OrgRole.ADMIN and not access.role.at_least(OrgRole.ADMIN):
        raise InsufficientPermissions()


def check_keeps_an_owner(target_role: OrgRole, owner_count: int, message: str) -> None:
    """Refuse (409) to take away the organization's last OWNER."""
    if target_role is OrgRole.OWNER and owner_count <= 1:
        raise LastOwner(message)


# -- standing that comes from a team never becomes more --------------------------------------------


def holds_permissions(access: OrgAccess, needed: Iterable[TeamPermission]) -> bool:
    """Whether the member holds every one of ``needed`` (``ORG_PERM_OWNER_ACTIONS`` holds them all:
    it already counts for every ADMIN-level action)."""
    if access.role.at_least(OrgRole.ADMIN) or _P.OWNER_ACTIONS in access.permissions:
        return True
    return set(needed) <= access.permissions


def within_reach(
    access: OrgAccess,
    team_permissions: Iterable[str],
    team_grants: Iterable[tuple[int, str]],
    held_roles: Iterable[tuple[int, str]],
) -> bool:
    """Whether a team carries nothing beyond the member: each of its permissions is held, and on each
    vault it has a grant on, the member's own effective role is at least as high."""
    if access.role.at_least(OrgRole.ADMIN):
        return True
    if not holds_permissions(access, expand_permissions(team_permissions)):
        return False
    held: dict[int, int] = {}
    for vault_id, role in held_roles:
        held[vault_id] = max(held.get(vault_id, 0), VaultRole(role).rank)
    return all(held.get(vault_id, 0) >= VaultRole(role).rank for vault_id, role in team_grants)


async def check_team_within_reach(db: AsyncSession, access: OrgAccess, team_id: int) -> None:
    """Placing someone in a team (oneself included) or making them its manager hands on what the team
    carries: below ADMIN, only a team that carries nothing beyond the actor (else 403)."""
    if access.role.at_least(OrgRole.ADMIN):
        return
    team_permissions = await teams_repo.permissions_of_team(db, team_id)
    team_grants = await grants_repo.team_grants_of_team(db, team_id)
    held: list[tuple[int, str]] = []
    if team_grants:
        held = await grants_repo.vault_roles_of_user_on(db, access.user_id, [vault for vault, _ in team_grants])
    if not within_reach(access, team_permissions, team_grants, held):
        raise InsufficientPermissions()


def check_own_vault_grant(
    access: OrgAccess, new_role: VaultRole, *, previous: VaultRole | None, direct: VaultRole | None
) -> None:
    """A grant that covers the actor (their own user grant, or the grant of a team they belong to) is
    raised, below ADMIN, only up to the role the actor holds directly on the vault: vault ADMIN
    through a team, or a team permission, never becomes a standing grant of one's own (else 403)."""
    if access.role.at_least(OrgRole.ADMIN):
        return
    ceiling = max(previous.rank if previous else 0, direct.rank if direct else 0)
    if new_role.rank > ceiling:
        raise InsufficientPermissions()
