"""``client.clients`` and ``client.certificates``: backend clients and their Ed25519 certificates (api.md §6)."""

from __future__ import annotations

from pydantic import TypeAdapter

from inferadb_management.models import (
    CertificateEnvelope,
    CertificateOut,
    CertificatesPage,
    ClientEnvelope,
    ClientOut,
    ClientsPage,
    GeneratedCertificateEnvelope,
    MessageOut,
)
from inferadb_management.operation import (
    Call,
    Id,
    PageCall,
    R,
    Resource,
    inner,
    items_of,
    operation,
    page_query,
    paginated,
    parser,
    union_parser,
)

_CLIENTS = "/v1/organizations/{org}/clients"
_CLIENT = _CLIENTS + "/{client}"
_CERTIFICATES = _CLIENT + "/certificates"
_CERTIFICATE = _CERTIFICATES + "/{certificate}"
_CREATED = TypeAdapter[CertificateEnvelope | GeneratedCertificateEnvelope](
    GeneratedCertificateEnvelope | CertificateEnvelope
)


def _client(envelope: ClientEnvelope) -> ClientOut:
    return envelope.client


def _certificate(envelope: CertificateEnvelope) -> CertificateOut:
    return envelope.certificate


class Clients(Resource[R]):
    @operation("POST", _CLIENTS)
    def create(self, org: Id, name: str, description: str | None = None) -> Call[ClientOut]:
        body = {"name": name} if description is None else {"name": name, "description": description}
        return Call(inner(ClientEnvelope, _client), path={"org": org}, json=body)

    @operation("GET", _CLIENTS)
    def list(
        self, org: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[ClientsPage]:
        return Call(parser(ClientsPage), path={"org": org}, query=page_query(limit, offset, cursor))

    @paginated("GET", _CLIENTS)
    def iter(self, org: Id, limit: int | None = None) -> PageCall[ClientOut]:
        call = Call(parser(ClientsPage), path={"org": org}, query=page_query(limit, None, None))
        return PageCall(call, items_of(ClientsPage, lambda page: page.clients))

    @operation("GET", _CLIENT)
    def get(self, org: Id, client: Id) -> Call[ClientOut]:
        return Call(inner(ClientEnvelope, _client), path={"org": org, "client": client})

    @operation("PATCH", _CLIENT)
    def update(self, org: Id, client: Id, name: str | None = None, description: str | None = None) -> Call[ClientOut]:
        body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        return Call(inner(ClientEnvelope, _client), path={"org": org, "client": client}, json=body)

    @operation("DELETE", _CLIENT)
    def delete(self, org: Id, client: Id) -> Call[MessageOut]:
        """Deletes the client; its certificates and refresh tokens are revoked."""
        return Call(parser(MessageOut), path={"org": org, "client": client})

    @operation("POST", _CLIENT + "/deactivate")
    def deactivate(self, org: Id, client: Id) -> Call[ClientOut]:
        """Turn the client off: its certificates and refresh tokens are revoked."""
        return Call(inner(ClientEnvelope, _client), path={"org": org, "client": client})


class Certificates(Resource[R]):
    @operation("POST", _CERTIFICATES)
    def create(
        self, org: Id, client: Id, name: str, public_key: str | None = None
    ) -> Call[CertificateEnvelope | GeneratedCertificateEnvelope]:
        """Register ``public_key`` (PEM or base64 of the raw 32 bytes): no private key exists on the server.
        Without it the server generates a pair and returns the private key once
        (:class:`GeneratedCertificateEnvelope`); prefer :func:`inferadb_management.keys.generate_key_pair`."""
        body = {"name": name} if public_key is None else {"name": name, "public_key": public_key}
        return Call(union_parser(_CREATED), path={"org": org, "client": client}, json=body)

    @operation("GET", _CERTIFICATES)
    def list(
        self, org: Id, client: Id, limit: int | None = None, offset: int | None = None, cursor: str | None = None
    ) -> Call[CertificatesPage]:
        path = {"org": org, "client": client}
        return Call(parser(CertificatesPage), path=path, query=page_query(limit, offset, cursor))

    @paginated("GET", _CERTIFICATES)
    def iter(self, org: Id, client: Id, limit: int | None = None) -> PageCall[CertificateOut]:
        call = Call(parser(CertificatesPage), path={"org": org, "client": client}, query=page_query(limit, None, None))
        return PageCall(call, items_of(CertificatesPage, lambda page: page.certificates))

    @operation("GET", _CERTIFICATE)
    def get(self, org: Id, client: Id, certificate: Id) -> Call[CertificateOut]:
        return Call(
            inner(CertificateEnvelope, _certificate), path={"org": org, "client": client, "certificate": certificate}
        )

    @operation("POST", _CERTIFICATE + "/revoke")
    def revoke(self, org: Id, client: Id, certificate: Id) -> Call[CertificateOut]:
        """The key leaves the organization's JWKS at once."""
        path = {"org": org, "client": client, "certificate": certificate}
        return Call(inner(CertificateEnvelope, _certificate), path=path)

    @operation("DELETE", _CERTIFICATE)
    def delete(self, org: Id, client: Id, certificate: Id) -> Call[MessageOut]:
        return Call(parser(MessageOut), path={"org": org, "client": client, "certificate": certificate})
