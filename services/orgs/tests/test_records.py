"""Repositories build records positionally (``Record(*row)``): each select must name the record's
fields in the record's order, or values would land in the wrong fields without an error."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pytest
from sqlalchemy import ColumnElement

from inferadb_orgs.certificates import repository as certificates_repo
from inferadb_orgs.certificates.records import AssertionSubject, CertificateRecord
from inferadb_orgs.clients import repository as clients_repo
from inferadb_orgs.clients.records import ClientRecord
from inferadb_orgs.invitations import repository as invitations_repo
from inferadb_orgs.invitations.records import InvitationRecord, ReceivedInvitationRecord
from inferadb_orgs.members import repository as members_repo
from inferadb_orgs.members.records import MemberRecord, MembershipRecord
from inferadb_orgs.organizations import repository as organizations_repo
from inferadb_orgs.organizations.records import OrganizationRecord, OrganizationWithRole
from inferadb_orgs.records import columns_of
from inferadb_orgs.signing import repository as signing_repo
from inferadb_orgs.signing.records import SigningKeyRecord
from inferadb_orgs.tables import teams
from inferadb_orgs.teams import repository as teams_repo
from inferadb_orgs.teams.records import TeamMemberRecord, TeamPermissionRecord, TeamRecord
from inferadb_orgs.tokens import repository as tokens_repo
from inferadb_orgs.tokens.records import RefreshTokenWithFamily
from inferadb_orgs.vaults import repository as vaults_repo
from inferadb_orgs.vaults.records import GrantRecord, VaultRecord

SELECTS: list[tuple[type[object], tuple[Any, ...]]] = [
    (TeamRecord, teams_repo._TEAM),
    (TeamMemberRecord, teams_repo._TEAM_MEMBER),
    (TeamPermissionRecord, teams_repo._TEAM_PERMISSION),
    (VaultRecord, vaults_repo._VAULT),
    (GrantRecord, vaults_repo._grant_columns(vaults_repo.USER_GRANTS)),
    (GrantRecord, vaults_repo._grant_columns(vaults_repo.TEAM_GRANTS)),
    (ClientRecord, clients_repo._CLIENT),
    (CertificateRecord, certificates_repo._CERTIFICATE),
    (AssertionSubject, certificates_repo._ASSERTION_SUBJECT),
    (OrganizationRecord, organizations_repo._ORGANIZATION),
    (OrganizationWithRole, organizations_repo._WITH_ROLE),
    (MemberRecord, members_repo._MEMBER),
    (MembershipRecord, members_repo._MEMBERSHIP),
    (InvitationRecord, invitations_repo._INVITATION),
    (ReceivedInvitationRecord, invitations_repo._WITH_ORGANIZATION),
    (SigningKeyRecord, signing_repo._SIGNING_KEY),
    (RefreshTokenWithFamily, tokens_repo._TOKEN_AND_FAMILY),  # written out by hand
]


@pytest.mark.parametrize(("record", "columns"), SELECTS, ids=[record.__name__ for record, _ in SELECTS])
def test_each_select_names_the_fields_of_its_record_in_order(record: type[object], columns: tuple[Any, ...]) -> None:
    assert [column.name for column in columns] == [field.name for field in fields(record)]  # type: ignore[arg-type]


def test_columns_of_takes_a_field_from_the_extras_before_the_table() -> None:
    @dataclass(frozen=True, slots=True)
    class Named:
        id: int
        name: str

    upper: ColumnElement[Any] = teams.c.name_key
    columns = columns_of(Named, teams, name=upper)
    assert columns[0] is teams.c.id
    assert columns[1].name == "name" and columns[1].element is upper  # type: ignore[attr-defined]


def test_records_are_frozen() -> None:
    vault = VaultRecord(1, 2, "v", None, "PENDING", None, None)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        vault.name = "w"  # type: ignore[misc]
