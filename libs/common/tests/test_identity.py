"""The internal identity header: signing, verification, and the service-side middleware."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from inferadb_common.edge import install_edge
from inferadb_common.errors import install_error_handlers
from inferadb_common.identity import (
    HEADER,
    TOKEN_TTL_SECONDS,
    Identity,
    IdentitySigner,
    InvalidIdentity,
    derive_key,
)
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep, InternalIdentityMiddleware

SECRET = b"k" * 32
OTHER_SECRET = b"o" * 32
NOW = 1_800_000_000.0

FULL = Identity(
    audience="orgs",
    user_id=184467440737095516,
    session_id=42,
    session_type="web",
    ip_address="203.0.113.9",
    user_agent="pytest/1.0",
    request_id="req-1",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign_raw(payload: bytes, secret: bytes = SECRET) -> str:
    """A token with a valid MAC over an arbitrary payload, to reach the checks after the signature."""
    body = _b64(payload)
    mac = hmac.new(derive_key(secret, "internal-identity-v1"), f"v1.{body}".encode(), hashlib.sha256).digest()
    return f"v1.{body}.{_b64(mac)}"


def _fields(identity: Identity) -> dict[str, Any]:
    return {
        "audience": identity.audience,
        "user_id": identity.user_id,
        "session_id": identity.session_id,
        "session_type": identity.session_type,
        "ip_address": identity.ip_address,
        "user_agent": identity.user_agent,
        "request_id": identity.request_id,
        "expires_at": int(NOW) + TOKEN_TTL_SECONDS,
    }


# -- derive_key -----------------------------------------------------------------------------------


def test_derive_key_is_32_bytes_and_deterministic() -> None:
    key = derive_key(SECRET, "internal-identity-v1")
    assert len(key) == 32
    assert key == derive_key(SECRET, "internal-identity-v1")


def test_derive_key_differs_per_purpose_and_per_secret() -> None:
    keys = {
        derive_key(SECRET, "internal-identity-v1"),
        derive_key(SECRET, "signing-key-encryption"),
        derive_key(SECRET, "session-cookie"),
        derive_key(OTHER_SECRET, "internal-identity-v1"),
    }
    assert len(keys) == 4
    assert SECRET not in keys


# -- sign / verify --------------------------------------------------------------------------------


def test_round_trip_keeps_every_field() -> None:
    signer = IdentitySigner(SECRET)
    token = signer.sign(FULL, now=NOW)
    verified = signer.verify(token, "orgs", now=NOW)
    assert verified == dataclasses.replace(FULL, expires_at=int(NOW) + TOKEN_TTL_SECONDS)
    assert verified == Identity(**_fields(FULL))
    assert verified.authenticated


def test_anonymous_identity_round_trips_as_unauthenticated() -> None:
    signer = IdentitySigner(SECRET)
    verified = signer.verify(signer.sign(Identity(audience="auth", ip_address="::1"), now=NOW), "auth", now=NOW)
    assert verified.user_id is None
    assert verified.ip_address == "::1"
    assert not verified.authenticated


def test_token_has_the_documented_shape() -> None:
    token = IdentitySigner(SECRET).sign(FULL, now=NOW)
    version, body, mac = token.split(".")
    assert version == "v1"
    assert orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["user_id"] == FULL.user_id
    assert len(base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))) == 32
    assert "=" not in token


def test_a_second_signer_with_the_same_secret_verifies() -> None:
    token = IdentitySigner(SECRET).sign(FULL, now=NOW)
    assert IdentitySigner(SECRET).verify(token, "orgs", now=NOW).user_id == FULL.user_id


def test_tampered_payload_is_refused() -> None:
    signer = IdentitySigner(SECRET)
    version, _, mac = signer.sign(FULL, now=NOW).split(".")
    forged_payload = {**_fields(FULL), "user_id": 1}
    forged = f"{version}.{_b64(orjson.dumps(forged_payload))}.{mac}"
    with pytest.raises(InvalidIdentity):
        signer.verify(forged, "orgs", now=NOW)


def test_flipped_payload_character_is_refused() -> None:
    signer = IdentitySigner(SECRET)
    version, body, mac = signer.sign(FULL, now=NOW).split(".")
    flipped = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    with pytest.raises(InvalidIdentity):
        signer.verify(f"{version}.{flipped}.{mac}", "orgs", now=NOW)


def test_tampered_signature_is_refused() -> None:
    signer = IdentitySigner(SECRET)
    version, body, mac = signer.sign(FULL, now=NOW).split(".")
    raw = bytearray(base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4)))
    raw[0] ^= 0x01
    with pytest.raises(InvalidIdentity, match="bad signature"):
        signer.verify(f"{version}.{body}.{_b64(bytes(raw))}", "orgs", now=NOW)


def test_token_signed_with_another_secret_is_refused() -> None:
    token = IdentitySigner(OTHER_SECRET).sign(FULL, now=NOW)
    with pytest.raises(InvalidIdentity, match="bad signature"):
        IdentitySigner(SECRET).verify(token, "orgs", now=NOW)


def test_token_for_another_audience_is_refused() -> None:
    signer = IdentitySigner(SECRET)
    with pytest.raises(InvalidIdentity, match="wrong audience"):
        signer.verify(signer.sign(FULL, now=NOW), "auth", now=NOW)


def test_token_is_valid_until_its_ttl_and_refused_after() -> None:
    signer = IdentitySigner(SECRET)
    token = signer.sign(FULL, now=NOW)
    assert signer.verify(token, "orgs", now=NOW + TOKEN_TTL_SECONDS - 1).user_id == FULL.user_id
    assert signer.verify(token, "orgs", now=NOW + TOKEN_TTL_SECONDS).user_id == FULL.user_id
    with pytest.raises(InvalidIdentity, match="expired"):
        signer.verify(token, "orgs", now=NOW + TOKEN_TTL_SECONDS + 1)


def test_verify_uses_the_clock_by_default() -> None:
    signer = IdentitySigner(SECRET)
    assert signer.verify(signer.sign(FULL), "orgs").user_id == FULL.user_id
    with pytest.raises(InvalidIdentity, match="expired"):
        signer.verify(signer.sign(FULL, now=time.time() - 3600), "orgs")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v1.abc",
        "v1.a.b.c",
        "v2.e30.AAAA",
        "v1..",
        "v1.e30.%%%",
        "v1.e30.é",
        "garbage with spaces",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidIdentity):
        IdentitySigner(SECRET).verify(token, "orgs", now=NOW)


def test_unknown_version_is_refused_even_with_a_valid_mac() -> None:
    signer = IdentitySigner(SECRET)
    _, body, mac = signer.sign(FULL, now=NOW).split(".")
    with pytest.raises(InvalidIdentity, match="unknown version"):
        signer.verify(f"v2.{body}.{mac}", "orgs", now=NOW)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b"42",
        b'{"user_id": 1}',  # no audience
        orjson.dumps({**_fields(FULL), "is_admin": True}),  # unknown field
    ],
)
def test_correctly_signed_but_malformed_payload_is_refused(payload: bytes) -> None:
    with pytest.raises(InvalidIdentity, match="malformed payload"):
        IdentitySigner(SECRET).verify(_sign_raw(payload), "orgs", now=NOW)


def test_correctly_signed_payload_is_accepted_by_the_raw_helper() -> None:
    """Guards the helper above: a well-formed payload signed the same way verifies."""
    identity = IdentitySigner(SECRET).verify(_sign_raw(orjson.dumps(_fields(FULL))), "orgs", now=NOW)
    assert identity.user_id == FULL.user_id


# -- InternalIdentityMiddleware -------------------------------------------------------------------


def build_service_app(audience: str = "orgs") -> FastAPI:
    """As create_service_app does it: identity check inside, the edge layers outermost."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics() -> dict[str, str]:
        return {"metrics": "yes"}

    @app.get("/v1/health/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.get("/whoami")
    async def whoami(identity: IdentityDep) -> dict[str, Any]:
        return {
            "audience": identity.audience,
            "user_id": identity.user_id,
            "session_type": identity.session_type,
            "ip_address": identity.ip_address,
        }

    @app.get("/private")
    async def private(identity: AuthenticatedDep) -> dict[str, Any]:
        return {"user_id": identity.user_id}

    app.add_middleware(InternalIdentityMiddleware, signer=IdentitySigner(SECRET), audience=audience)
    install_edge(app, max_body_bytes=1024 * 1024)
    return app


@pytest.fixture
async def service() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_service_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://orgs.internal") as http:
        yield http


def _assert_invalid_session(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": "Invalid session",
        "code": "INVALID_SESSION",
        "request_id": response.headers["x-request-id"],
    }


async def test_request_without_identity_header_is_refused(service: httpx.AsyncClient) -> None:
    _assert_invalid_session(await service.get("/whoami"))
    _assert_invalid_session(await service.post("/whoami", json={}))
    _assert_invalid_session(await service.get("/no-such-route"))


@pytest.mark.parametrize(
    "make_token",
    [
        lambda: IdentitySigner(OTHER_SECRET).sign(FULL),  # forged: another secret
        lambda: IdentitySigner(SECRET).sign(Identity(audience="auth", user_id=1)),  # for another service
        lambda: IdentitySigner(SECRET).sign(FULL, now=time.time() - 120),  # expired
        lambda: "v1.not.valid",
        lambda: "",
    ],
    ids=["other-secret", "other-audience", "expired", "garbage", "empty"],
)
async def test_forged_or_stale_identity_header_is_refused(service: httpx.AsyncClient, make_token: Any) -> None:
    _assert_invalid_session(await service.get("/whoami", headers={HEADER: make_token()}))


@pytest.mark.parametrize("path", ["/health", "/metrics", "/v1/health/ready"])
async def test_health_and_metrics_need_no_identity(service: httpx.AsyncClient, path: str) -> None:
    response = await service.get(path)
    assert response.status_code == 200


async def test_valid_identity_reaches_the_route(service: httpx.AsyncClient) -> None:
    token = IdentitySigner(SECRET).sign(FULL)
    response = await service.get("/whoami", headers={HEADER: token})
    assert response.status_code == 200
    assert response.json() == {
        "audience": "orgs",
        "user_id": FULL.user_id,
        "session_type": "web",
        "ip_address": "203.0.113.9",
    }


async def test_header_name_is_case_insensitive_on_the_wire(service: httpx.AsyncClient) -> None:
    token = IdentitySigner(SECRET).sign(FULL)
    assert (await service.get("/whoami", headers={"X-Infera-Identity": token})).status_code == 200


async def test_anonymous_identity_passes_identity_dep_but_not_authenticated_dep(service: httpx.AsyncClient) -> None:
    token = IdentitySigner(SECRET).sign(Identity(audience="orgs", ip_address="198.51.100.1"))
    whoami = await service.get("/whoami", headers={HEADER: token})
    assert whoami.status_code == 200
    assert whoami.json()["user_id"] is None
    _assert_invalid_session(await service.get("/private", headers={HEADER: token}))


async def test_authenticated_identity_passes_authenticated_dep(service: httpx.AsyncClient) -> None:
    token = IdentitySigner(SECRET).sign(FULL)
    response = await service.get("/private", headers={HEADER: token})
    assert response.json() == {"user_id": FULL.user_id}


async def test_identity_dep_without_the_middleware_is_unauthorized() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/whoami")
    async def whoami(identity: IdentityDep) -> dict[str, Any]:
        return {"user_id": identity.user_id}

    install_edge(app, max_body_bytes=1024)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as http:
        _assert_invalid_session(await http.get("/whoami"))
