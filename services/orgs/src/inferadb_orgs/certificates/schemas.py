"""Request and response models of the certificate routes and the organization JWKS (api.md §6)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from inferadb_common.wire import IdOut, RequestModel, ResponseModel, Timestamp
from inferadb_orgs.certificates.keys import parse_public_key, public_key_base64, public_key_pem
from inferadb_orgs.certificates.records import CertificateRecord
from inferadb_orgs.schemas import DisplayName, PaginationOut


def _public_key(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) > 4096:
        raise ValueError("must be at most 4096 characters")
    return parse_public_key(value)


PublicKeyIn = Annotated[bytes | None, BeforeValidator(_public_key)]


class CertificateIn(RequestModel):
    name: DisplayName
    public_key: PublicKeyIn = None


class CertificateOut(ResponseModel):
    id: IdOut
    kid: str
    name: str
    public_key: str
    public_key_pem: str
    is_active: bool
    created_at: Timestamp
    revoked_at: Timestamp | None
    last_used_at: Timestamp | None

    @classmethod
    def of(cls, row: CertificateRecord) -> CertificateOut:
        raw = bytes(row.public_key)
        return cls(
            id=row.id,
            kid=row.kid,
            name=row.name,
            public_key=public_key_base64(raw),
            public_key_pem=public_key_pem(raw),
            is_active=row.is_active,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )


class CertificateEnvelope(ResponseModel):
    certificate: CertificateOut


class GeneratedCertificateEnvelope(ResponseModel):
    """The only answer that ever carries a private key: the pair was generated for this request."""

    certificate: CertificateOut
    private_key: str


class CertificatesPage(ResponseModel):
    certificates: list[CertificateOut]
    pagination: PaginationOut
