"""Organization roles, ordered: OWNER > ADMIN > MEMBER."""

from __future__ import annotations

from enum import StrEnum


class OrgRole(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: OrgRole) -> bool:
        return self.rank >= other.rank


_RANK = {OrgRole.MEMBER: 1, OrgRole.ADMIN: 2, OrgRole.OWNER: 3}
