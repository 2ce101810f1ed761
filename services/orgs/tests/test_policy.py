"""The access rules of the policy module, as pure functions (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from inferadb_orgs import policy
from inferadb_orgs.errors import InsufficientPermissions, LastOwner, OrganizationSuspended
from inferadb_orgs.policy import RULES, Action, OrgAccess, TeamStanding
from inferadb_orgs.roles import OrgRole, TeamPermission, VaultRole

P = TeamPermission


def access(role: OrgRole, *permissions: str, status: str = "active") -> OrgAccess:
    organization = SimpleNamespace(id=1, name="Acme", status=status, created_at=datetime.now(UTC))
    return OrgAccess(
        organization=organization,  # type: ignore[arg-type]
        user_id=2,
        member_id=3,
        role=role,
        permissions=policy.expand_permissions(permissions),
    )


def test_roles_are_ordered_owner_admin_member() -> None:
    assert OrgRole.OWNER.at_least(OrgRole.ADMIN) and OrgRole.ADMIN.at_least(OrgRole.MEMBER)
    assert not OrgRole.MEMBER.at_least(OrgRole.ADMIN)
    assert [role.rank for role in (VaultRole.READER, VaultRole.WRITER, VaultRole.MANAGER, VaultRole.ADMIN)] == [
        1,
        2,
        3,
        4,
    ]


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_a_rule_and_owners_may_do_everything(action: Action) -> None:
    assert action in RULES
    assert policy.allowed(access(OrgRole.OWNER), action)


def test_a_permission_lets_a_member_act_as_admin_for_its_action_only() -> None:
    member = access(OrgRole.MEMBER, P.VAULT_CREATE.value)
    assert policy.allowed(member, Action.VAULT_CREATE)
    assert not policy.allowed(member, Action.VAULT_DELETE)
    assert not policy.allowed(member, Action.TEAM_CREATE)
    assert not policy.allowed(access(OrgRole.MEMBER), Action.VAULT_CREATE)


def test_client_manage_implies_the_four_client_permissions() -> None:
    assert policy.expand_permissions([P.CLIENT_MANAGE.value]) == {
        P.CLIENT_MANAGE,
        P.CLIENT_CREATE,
        P.CLIENT_READ,
        P.CLIENT_REVOKE,
        P.CLIENT_DELETE,
    }
    manager = access(OrgRole.MEMBER, P.CLIENT_MANAGE.value)
    for action in (
        Action.CLIENT_CREATE,
        Action.CERTIFICATE_CREATE,
        Action.CERTIFICATE_REVOKE,
        Action.CERTIFICATE_DELETE,
        Action.CLIENT_DELETE,
    ):
        assert policy.allowed(manager, action), action
    assert not policy.allowed(access(OrgRole.MEMBER, P.CLIENT_CREATE.value), Action.CERTIFICATE_CREATE)


def test_owner_actions_is_admin_level_for_everything_and_never_owner_nor_a_role() -> None:
    holder = access(OrgRole.MEMBER, P.OWNER_ACTIONS.value)
    for action, rule in RULES.items():
        assert policy.allowed(holder, action) is (rule.role is not OrgRole.OWNER and not rule.needs_role), action


def test_changing_roles_takes_a_real_admin() -> None:
    assert RULES[Action.MEMBER_UPDATE].needs_role
    everything = access(OrgRole.MEMBER, *(p.value for p in TeamPermission))
    assert not policy.allowed(everything, Action.MEMBER_UPDATE)
    assert policy.allowed(access(OrgRole.ADMIN), Action.MEMBER_UPDATE)


def test_permission_holders_invite_members_only_and_remove_no_admin() -> None:
    inviter = access(OrgRole.MEMBER, P.INVITE_USERS.value, P.OWNER_ACTIONS.value)
    policy.check_role_assignment(inviter, OrgRole.MEMBER)
    for role in (OrgRole.ADMIN, OrgRole.OWNER):
        with pytest.raises(InsufficientPermissions):
            policy.check_role_assignment(inviter, role)
    with pytest.raises(InsufficientPermissions):
        policy.check_role_assignment(inviter, OrgRole.MEMBER, current_role=OrgRole.ADMIN)
    policy.check_role_assignment(access(OrgRole.ADMIN), OrgRole.ADMIN)
    policy.check_member_removal(inviter, OrgRole.MEMBER)
    with pytest.raises(InsufficientPermissions):
        policy.check_member_removal(inviter, OrgRole.ADMIN)


def test_a_team_within_reach_carries_nothing_the_actor_lacks() -> None:
    manager = access(OrgRole.MEMBER, P.TEAM_MANAGE_MEMBERS.value, P.VAULT_CREATE.value)
    reach = policy.within_reach
    assert reach(manager, [P.VAULT_CREATE.value], [], [])
    assert not reach(manager, [P.OWNER_ACTIONS.value], [], [])
    assert not reach(manager, [P.CLIENT_MANAGE.value], [], [])
    assert reach(access(OrgRole.MEMBER, P.CLIENT_MANAGE.value), [P.CLIENT_DELETE.value], [], [])
    assert reach(access(OrgRole.MEMBER, P.OWNER_ACTIONS.value), [p.value for p in TeamPermission], [], [])
    # vault grants: the actor's highest role on each of the team's vaults must be as high
    assert not reach(manager, [], [(7, "ADMIN")], [])
    assert not reach(manager, [], [(7, "ADMIN")], [(7, "MANAGER"), (8, "ADMIN")])
    assert reach(manager, [], [(7, "WRITER")], [(7, "READER"), (7, "ADMIN")])
    assert not reach(access(OrgRole.MEMBER, P.OWNER_ACTIONS.value), [], [(7, "READER")], [])
    assert reach(access(OrgRole.ADMIN), [P.OWNER_ACTIONS.value], [(7, "ADMIN")], [])


def test_a_grant_covering_oneself_rises_only_to_ones_direct_grant() -> None:
    member = access(OrgRole.MEMBER, P.OWNER_ACTIONS.value)
    check = policy.check_own_vault_grant
    with pytest.raises(InsufficientPermissions):
        check(member, VaultRole.READER, previous=None, direct=None)
    with pytest.raises(InsufficientPermissions):
        check(member, VaultRole.ADMIN, previous=VaultRole.READER, direct=VaultRole.MANAGER)
    check(member, VaultRole.MANAGER, previous=VaultRole.READER, direct=VaultRole.MANAGER)
    check(member, VaultRole.READER, previous=VaultRole.ADMIN, direct=None)  # lowering is always fine
    check(access(OrgRole.ADMIN), VaultRole.ADMIN, previous=None, direct=None)


def test_no_permission_lifts_anyone_to_owner() -> None:
    everything = access(OrgRole.MEMBER, *(p.value for p in TeamPermission))
    for action in (Action.ORGANIZATION_DELETE, Action.OWNERSHIP_TRANSFER, Action.TEAM_PERMISSION_MANAGE):
        assert not policy.allowed(everything, action)
    assert not policy.allowed(access(OrgRole.ADMIN, *(p.value for p in TeamPermission)), Action.ORGANIZATION_SUSPEND)


def test_unknown_permission_names_are_ignored() -> None:
    assert policy.expand_permissions(["ORG_PERM_NOT_A_THING"]) == frozenset()


def test_team_managers_and_team_members() -> None:
    member = access(OrgRole.MEMBER)
    manager = TeamStanding(is_member=True, is_manager=True)
    plain = TeamStanding(is_member=True)
    assert policy.allowed(member, Action.TEAM_UPDATE, team=manager)
    assert policy.allowed(member, Action.TEAM_MEMBER_MANAGE, team=manager)
    assert not policy.allowed(member, Action.TEAM_DELETE, team=manager)
    assert not policy.allowed(member, Action.TEAM_UPDATE, team=plain)
    assert policy.allowed(member, Action.TEAM_PERMISSION_READ, team=plain)
    assert not policy.allowed(member, Action.TEAM_PERMISSION_READ, team=TeamStanding())


def test_vault_admins_may_update_the_vault_and_manage_its_grants() -> None:
    member = access(OrgRole.MEMBER)
    assert policy.allowed(member, Action.VAULT_UPDATE, vault_role=VaultRole.ADMIN)
    assert policy.allowed(member, Action.VAULT_GRANT_MANAGE, vault_role=VaultRole.ADMIN)
    assert not policy.allowed(member, Action.VAULT_GRANT_MANAGE, vault_role=VaultRole.MANAGER)
    assert not policy.allowed(member, Action.VAULT_DELETE, vault_role=VaultRole.ADMIN)


def test_a_suspended_organization_refuses_writes_but_not_reads_or_resumption() -> None:
    owner = access(OrgRole.OWNER, status="suspended")
    policy.check(owner, Action.ORGANIZATION_READ)
    policy.check(owner, Action.VAULT_READ)
    policy.check(owner, Action.ORGANIZATION_RESUME)
    for action in (Action.ORGANIZATION_UPDATE, Action.VAULT_CREATE, Action.LEAVE, Action.INVITATION_CREATE):
        with pytest.raises(OrganizationSuspended):
            policy.check(owner, action)
    with pytest.raises(InsufficientPermissions):  # the role is judged first
        policy.check(access(OrgRole.MEMBER, status="suspended"), Action.ORGANIZATION_UPDATE)


def test_only_owners_grant_change_or_remove_owners() -> None:
    admin, owner = access(OrgRole.ADMIN), access(OrgRole.OWNER)
    policy.check_role_assignment(admin, OrgRole.ADMIN, current_role=OrgRole.MEMBER)
    with pytest.raises(InsufficientPermissions):
        policy.check_role_assignment(admin, OrgRole.OWNER)
    with pytest.raises(InsufficientPermissions):
        policy.check_role_assignment(admin, OrgRole.MEMBER, current_role=OrgRole.OWNER)
    policy.check_role_assignment(owner, OrgRole.OWNER)
    with pytest.raises(InsufficientPermissions):
        policy.check_member_removal(admin, OrgRole.OWNER)
    policy.check_member_removal(admin, OrgRole.ADMIN)
    policy.check_member_removal(owner, OrgRole.OWNER)


def test_the_last_owner_always_stays() -> None:
    with pytest.raises(LastOwner, match="last"):
        policy.check_keeps_an_owner(OrgRole.OWNER, 1, "the last owner stays")
    policy.check_keeps_an_owner(OrgRole.OWNER, 2, "")
    policy.check_keeps_an_owner(OrgRole.ADMIN, 1, "")


def test_the_highest_vault_role_wins() -> None:
    assert policy.highest_vault_role([]) is None
    assert policy.highest_vault_role(["READER", "MANAGER", "WRITER"]) is VaultRole.MANAGER
