"""Clients and certificates (api.md §6): CRUD, generated and registered keys, the private key shown
once, the organization's JWKS that loses a key at once on revoke, delete or deactivation."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.fuzz.conformance import assert_documented, merged_document
from tests.tokens.conftest import TokensEnv

ORG_WELL_KNOWN_JWKS = "/v1/organizations/{org}/.well-known/jwks.json"


def _org_jwks(env: TokensEnv, org: str, *, well_known: bool = False) -> httpx.Response:
    path = f"/v1/organizations/{org}/.well-known/jwks.json" if well_known else f"/v1/organizations/{org}/jwks.json"
    with httpx.Client(base_url=env.url, timeout=30) as http:  # no session needed
        return http.get(path)


def _kids(env: TokensEnv, org: str) -> set[str]:
    response = _org_jwks(env, org)
    assert response.status_code == 200, response.text
    return {key["kid"] for key in response.json()["keys"]}


def _signing_kids(env: TokensEnv) -> set[str]:
    """The vault-token signing keys, which every organization's JWKS lists too (engine.md E1)."""
    return {key["kid"] for key in env.jwks().json()["keys"]}


def test_client_crud(env: TokensEnv) -> None:
    owner = env.user()
    base = f"/v1/organizations/{owner.default_org}/clients"
    created = owner.post(base, {"name": "  Billing <svc>  ", "description": "d"})
    assert created.status_code == 400 and "name" in created.json()["details"]
    created = owner.post(base, {"name": "  Billing  ", "description": "Invoices"})
    assert created.status_code == 201, created.text
    client = created.json()["client"]
    assert client["name"] == "Billing" and client["is_active"] is True
    assert client["organization_id"] == owner.default_org and isinstance(client["id"], str)
    assert set(client) == {"id", "name", "description", "organization_id", "is_active", "created_at", "updated_at"}

    listed = owner.get(base).json()
    assert [c["id"] for c in listed["clients"]] == [client["id"]] and listed["pagination"]["total"] == 1
    assert owner.get(f"{base}/{client['id']}").json()["client"] == client

    renamed = owner.patch(f"{base}/{client['id']}", {"name": "Billing v2"})
    assert renamed.status_code == 200 and renamed.json()["client"]["name"] == "Billing v2"
    assert renamed.json()["client"]["description"] == "Invoices"

    deactivated = owner.post(f"{base}/{client['id']}/deactivate")
    assert deactivated.status_code == 200 and deactivated.json()["client"]["is_active"] is False
    assert owner.post(f"{base}/{client['id']}/deactivate").status_code == 409

    assert owner.delete(f"{base}/{client['id']}").status_code == 200
    missing = owner.get(f"{base}/{client['id']}")
    assert missing.status_code == 404 and missing.json()["error"] == "Client not found"


def test_clients_are_isolated_and_need_the_right_role(env: TokensEnv) -> None:
    owner, member, outsider = env.users(3)
    org = owner.default_org
    env.add_member(org, owner, member)
    client = env.client_of(owner, org)
    base = f"/v1/organizations/{org}/clients"
    assert member.get(f"{base}/{client}").status_code == 200
    assert member.post(base, {"name": "nope"}).status_code == 403
    assert member.patch(f"{base}/{client}", {"name": "nope"}).status_code == 403
    assert member.delete(f"{base}/{client}").status_code == 403
    assert member.post(f"{base}/{client}/certificates", {"name": "nope"}).status_code == 403
    assert outsider.get(f"{base}/{client}").status_code == 404
    assert outsider.get(f"{base}/{client}/certificates").status_code == 404
    other_client = env.client_of(outsider, outsider.default_org)
    assert owner.get(f"{base}/{other_client}").status_code == 404


def test_generated_certificate_returns_its_private_key_once(env: TokensEnv) -> None:
    owner = env.user()
    org = owner.default_org
    client = env.client_of(owner, org)
    certificate, key = env.generated_certificate(owner, org, client)
    assert set(certificate) == {
        "id", "kid", "name", "public_key", "public_key_pem", "is_active", "created_at", "revoked_at", "last_used_at",
    }  # fmt: skip
    assert certificate["is_active"] is True and certificate["revoked_at"] is None
    raw = key.public_key().public_bytes_raw()
    assert base64.b64decode(certificate["public_key"]) == raw
    pem_key = serialization.load_pem_public_key(certificate["public_key_pem"].encode())
    assert isinstance(pem_key, type(key.public_key())) and pem_key.public_bytes_raw() == raw
    path = f"/v1/organizations/{org}/clients/{client}/certificates"
    for response in (owner.get(path), owner.get(f"{path}/{certificate['id']}")):
        assert response.status_code == 200
        assert "private_key" not in response.text and "PRIVATE KEY" not in response.text
    assert owner.get(path).json()["certificates"][0]["kid"] == certificate["kid"]


@pytest.mark.parametrize(
    "public_key",
    [
        "not a key",
        base64.b64encode(b"\x01" * 31).decode(),
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode(),
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n",
        12345,
    ],
)
def test_bad_public_keys_are_validation_errors(env: TokensEnv, public_key: Any) -> None:
    owner = env.user()
    client = env.client_of(owner, owner.default_org)
    response = owner.post(
        f"/v1/organizations/{owner.default_org}/clients/{client}/certificates",
        {"name": "bad", "public_key": public_key},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_FAILED" and "public_key" in response.json()["details"]


def test_url_safe_unpadded_raw_key_is_accepted(env: TokensEnv) -> None:
    owner = env.user()
    client = env.client_of(owner, owner.default_org)
    raw = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    response = owner.post(
        f"/v1/organizations/{owner.default_org}/clients/{client}/certificates", {"name": "raw", "public_key": text}
    )
    assert response.status_code == 201, response.text
    assert base64.b64decode(response.json()["certificate"]["public_key"]) == raw


def test_organization_jwks_follows_revoke_delete_and_deactivation_at_once(env: TokensEnv) -> None:
    owner = env.user()
    org = owner.default_org
    client = env.client_of(owner, org)
    path = f"/v1/organizations/{org}/clients/{client}/certificates"
    first, _ = env.generated_certificate(owner, org, client)
    second, _ = env.registered_certificate(owner, org, client)
    third, _ = env.generated_certificate(owner, org, client)
    signing = _signing_kids(env)
    assert signing and not signing & {first["kid"], second["kid"], third["kid"]}
    assert _kids(env, org) == {first["kid"], second["kid"], third["kid"]} | signing
    well_known = _org_jwks(env, org, well_known=True)
    assert {key["kid"] for key in well_known.json()["keys"]} == _kids(env, org)
    jwk = well_known.json()["keys"][0]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"

    revoked = owner.post(f"{path}/{first['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["certificate"]["is_active"] is False
    assert revoked.json()["certificate"]["revoked_at"] is not None
    assert owner.post(f"{path}/{first['id']}/revoke").status_code == 409
    assert _kids(env, org) == {second["kid"], third["kid"]} | signing

    assert owner.delete(f"{path}/{second['id']}").status_code == 200
    assert owner.get(f"{path}/{second['id']}").status_code == 404
    assert _kids(env, org) == {third["kid"]} | signing

    assert owner.post(f"/v1/organizations/{org}/clients/{client}/deactivate").status_code == 200
    assert _kids(env, org) == signing  # no certificate key left
    listed = owner.get(path).json()["certificates"]
    assert [c["is_active"] for c in listed] == [False, False]
    assert owner.post(path, {"name": "late"}).status_code == 409


def test_jwks_of_unknown_organization_is_404(env: TokensEnv) -> None:
    document = merged_document(env.stack, ["orgs"])
    for well_known, path in ((False, "/v1/organizations/{org}/jwks.json"), (True, ORG_WELL_KNOWN_JWKS)):
        response = _org_jwks(env, "1234567", well_known=well_known)
        assert response.status_code == 404 and response.json()["error"] == "Organization not found"
        assert_documented(document, path, response)  # found by the fuzzer (R5): 404 was not documented


def test_client_and_certificate_changes_are_events(env: TokensEnv) -> None:
    owner = env.user()
    org = owner.default_org
    client = env.client_of(owner, org)
    certificate, _ = env.generated_certificate(owner, org, client)
    path = f"/v1/organizations/{org}/clients/{client}"
    owner.patch(path, {"description": "x"})
    owner.post(f"{path}/certificates/{certificate['id']}/revoke")
    owner.delete(f"{path}/certificates/{certificate['id']}")
    owner.delete(path)
    events = [event for event in env.outbox_events(org) if event["type"].startswith(("client.", "certificate."))]
    assert [event["type"] for event in events] == [
        "client.created",
        "certificate.created",
        "client.updated",
        "certificate.revoked",
        "certificate.deleted",
        "client.deleted",
    ]
    assert all(event["actor"]["user_id"] == int(owner.id) for event in events)
    assert "PRIVATE KEY" not in str(events)
