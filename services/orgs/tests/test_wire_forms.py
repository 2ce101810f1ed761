"""The hot read routes build their bodies as dicts (``member_json`` and friends) instead of response
models: the bytes must be the ones FastAPI would send for the declared model (its fast path,
``TypeAdapter(model).dump_json``), for every kind of value a field can hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter

from inferadb_orgs.invitations.records import InvitationRecord
from inferadb_orgs.invitations.schemas import InvitationOut, InvitationsPage, invitation_json
from inferadb_orgs.members.records import MemberRecord
from inferadb_orgs.members.schemas import MemberOut, MembersPage, member_json
from inferadb_orgs.organizations.records import OrganizationWithRole
from inferadb_orgs.organizations.schemas import OrganizationEnvelope, OrganizationOut, organization_json
from inferadb_orgs.schemas import PaginationOut, json_response

NOW = datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)
TIMES = [NOW, NOW.replace(microsecond=0), NOW.astimezone(timezone(timedelta(hours=-5))), NOW.replace(tzinfo=None)]
NAMES = [None, "Ada", 'Zoë "quoted" \\ back/slash', "名前 😀", "tab\tno"]
META = [
    {"count": 2, "limit": 1, "offset": 0, "has_more": True, "next_cursor": "WzEyM10", "total": 7},
    {"count": 0, "limit": 50, "offset": 9, "has_more": False, "next_cursor": None, "total": None},
]


def _expected(model: type[object], value: object) -> bytes:
    return TypeAdapter(model).dump_json(value)


@pytest.mark.parametrize("when", TIMES)
@pytest.mark.parametrize("name", NAMES)
def test_members_page_bytes(when: datetime, name: str | None) -> None:
    rows = [
        MemberRecord(id=2**63 - 1, organization_id=5, user_id=7, role="OWNER", joined_at=when, name=name, email=name),
        MemberRecord(id=1, organization_id=5, user_id=9, role="MEMBER", joined_at=when, name=None, email="a@b.c"),
    ]
    for meta in META:
        page = MembersPage(members=[MemberOut.of(row) for row in rows], pagination=PaginationOut(**meta))
        body = json_response({"members": [member_json(row) for row in rows], "pagination": meta}).body
        assert body == _expected(MembersPage, page)


@pytest.mark.parametrize("when", TIMES)
@pytest.mark.parametrize("name", [n for n in NAMES if n is not None])
def test_organization_bytes(when: datetime, name: str) -> None:
    row = OrganizationWithRole(
        id=42,
        name=name,
        tier="TIER_DEV_V1",
        status="active",
        created_at=when,
        updated_at=NOW,
        member_id=3,
        role="ADMIN",
    )
    envelope = OrganizationEnvelope(organization=OrganizationOut.of(row))
    assert json_response({"organization": organization_json(row)}).body == _expected(OrganizationEnvelope, envelope)


@pytest.mark.parametrize("when", TIMES)
@pytest.mark.parametrize("status", ["pending", "accepted", "revoked"])
def test_invitations_page_bytes(when: datetime, status: str) -> None:
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    rows = [
        InvitationRecord(
            id=11,
            organization_id=5,
            email="zoë@example.com",
            role="ADMIN",
            status=status,
            invited_by_user_id=7,
            created_at=when,
            expires_at=aware + timedelta(seconds=delta),
        )
        for delta in (-1, 0, 1)
    ]
    for meta in META:
        page = InvitationsPage(
            invitations=[InvitationOut.of(row, NOW) for row in rows], pagination=PaginationOut(**meta)
        )
        body = json_response({"invitations": [invitation_json(row, NOW) for row in rows], "pagination": meta}).body
        assert body == _expected(InvitationsPage, page)
