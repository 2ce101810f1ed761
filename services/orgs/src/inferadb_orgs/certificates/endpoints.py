"""Certificate routes (api.md §6) and the organization's JWKS of client keys."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.clock import utcnow
from inferadb_common.internal_auth import AuthenticatedDep
from inferadb_common.pagination import PageDep
from inferadb_common.wire import IdIn
from inferadb_orgs import policy
from inferadb_orgs.certificates import repository as repo
from inferadb_orgs.certificates import service
from inferadb_orgs.certificates.schemas import (
    CertificateEnvelope,
    CertificateIn,
    CertificateOut,
    CertificatesPage,
    GeneratedCertificateEnvelope,
)
from inferadb_orgs.clients import service as clients_service
from inferadb_orgs.clients.records import ClientRecord
from inferadb_orgs.paging import cursor_key
from inferadb_orgs.policy import Action, OrgAccess
from inferadb_orgs.schemas import MessageOut, PaginationOut
from inferadb_orgs.signing.schemas import JwksOut
from inferadb_orgs.state import OrgsDep, actor_of, caller_id

router = APIRouter()

CERTIFICATES = "/v1/organizations/{org}/clients/{client}/certificates"
# Revocation must show at once, so relying parties are told to revalidate every time.
ORG_JWKS_CACHE_CONTROL = "no-cache"


async def _authorize(
    db: AsyncSession, org: int, client: int, user_id: int, action: Action
) -> tuple[OrgAccess, ClientRecord]:
    access = await policy.authorize(db, org, user_id, action)
    return access, await clients_service.get_client(db, access, client)


@router.post(CERTIFICATES, status_code=201)
async def create_certificate(
    org: IdIn, client: IdIn, body: CertificateIn, state: OrgsDep, identity: AuthenticatedDep
) -> CertificateEnvelope | GeneratedCertificateEnvelope:
    """With ``public_key`` the key is registered; without it a pair is generated and ``private_key``
    (PKCS#8 PEM) is in this answer and nowhere else, ever."""
    async with state.db.transaction() as db:
        access, client_row = await _authorize(db, org, client, caller_id(identity), Action.CERTIFICATE_CREATE)
        row, private_key = await service.create_certificate(
            state, db, access, actor_of(identity), client_row, body.name, body.public_key, utcnow()
        )
    certificate = CertificateOut.of(row)
    if private_key is None:
        return CertificateEnvelope(certificate=certificate)
    return GeneratedCertificateEnvelope(certificate=certificate, private_key=private_key)


@router.get(CERTIFICATES)
async def list_certificates(
    org: IdIn, client: IdIn, state: OrgsDep, identity: AuthenticatedDep, page: PageDep
) -> CertificatesPage:
    async with state.db.read() as db:
        _, client_row = await _authorize(db, org, client, caller_id(identity), Action.CERTIFICATE_READ)
        rows, total = await repo.list_certificates(db, client_row.id, page)
    items, meta = page.build([CertificateOut.of(row) for row in rows], key=cursor_key, total=total)
    return CertificatesPage(certificates=items, pagination=PaginationOut(**meta))


@router.get(CERTIFICATES + "/{certificate}")
async def get_certificate(
    org: IdIn, client: IdIn, certificate: IdIn, state: OrgsDep, identity: AuthenticatedDep
) -> CertificateEnvelope:
    async with state.db.read() as db:
        _, client_row = await _authorize(db, org, client, caller_id(identity), Action.CERTIFICATE_READ)
        row = await service.get_certificate(db, client_row, certificate)
    return CertificateEnvelope(certificate=CertificateOut.of(row))


@router.post(CERTIFICATES + "/{certificate}/revoke")
async def revoke_certificate(
    org: IdIn, client: IdIn, certificate: IdIn, state: OrgsDep, identity: AuthenticatedDep
) -> CertificateEnvelope:
    async with state.db.transaction() as db:
        access, client_row = await _authorize(db, org, client, caller_id(identity), Action.CERTIFICATE_REVOKE)
        row = await service.get_certificate(db, client_row, certificate)
        revoked = await service.revoke_certificate(state, db, access, actor_of(identity), row, utcnow())
    return CertificateEnvelope(certificate=CertificateOut.of(revoked))


@router.delete(CERTIFICATES + "/{certificate}")
async def delete_certificate(
    org: IdIn, client: IdIn, certificate: IdIn, state: OrgsDep, identity: AuthenticatedDep
) -> MessageOut:
    async with state.db.transaction() as db:
        access, client_row = await _authorize(db, org, client, caller_id(identity), Action.CERTIFICATE_DELETE)
        row = await service.get_certificate(db, client_row, certificate)
        await service.delete_certificate(state, db, access, actor_of(identity), row, utcnow())
    return MessageOut(message="Certificate deleted successfully")


@router.get("/v1/organizations/{org}/jwks.json")
@router.get("/v1/organizations/{org}/.well-known/jwks.json")
async def organization_jwks(org: IdIn, state: OrgsDep, response: Response) -> JwksOut:
    """The keys that verify the organization's tokens (engine.md E1); no session needed."""
    keys = await service.organization_jwks(state, org, utcnow())
    response.headers["Cache-Control"] = ORG_JWKS_CACHE_CONTROL
    return JwksOut.of(keys)
