"""A running stack for the client, certificate and vault-token tests, and helpers to build real
client assertions with PyJWT.

Users come from the orgs suite's factory (registered and verified through the gateway); each test
makes its own users, so tests never see each other's data.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from inferadb_testing.pytest_plugin import starts_processes
from inferadb_testing.users import ApiUser
from tests.orgs.conftest import ROOMY_ENV, OrgsEnv, start_env

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
READ_SCOPE = (
    "inferadb.check inferadb.read inferadb.expand inferadb.list inferadb.list-relationships "
    "inferadb.list-subjects inferadb.list-resources"
)


@dataclass
class Credentials:
    """A client of an organization with one certificate whose private key the test holds."""

    owner: ApiUser
    org: str
    client_id: str
    certificate: dict[str, Any]
    private_key: Ed25519PrivateKey
    vault: str

    @property
    def kid(self) -> str:
        return str(self.certificate["kid"])

    @property
    def base(self) -> str:
        return f"/v1/organizations/{self.org}/clients/{self.client_id}"


class TokensEnv(OrgsEnv):
    @property
    def audience(self) -> str:
        return f"{self.url}/v1/token"

    def vault(self, owner: ApiUser, org: str, name: str | None = None) -> str:
        response = owner.post(f"/v1/organizations/{org}/vaults", {"name": name or f"vault {secrets.token_hex(3)}"})
        assert response.status_code == 201, response.text
        return str(response.json()["vault"]["id"])

    def client_of(self, owner: ApiUser, org: str, name: str = "backend") -> str:
        response = owner.post(f"/v1/organizations/{org}/clients", {"name": name})
        assert response.status_code == 201, response.text
        return str(response.json()["client"]["id"])

    def generated_certificate(
        self, owner: ApiUser, org: str, client_id: str
    ) -> tuple[dict[str, Any], Ed25519PrivateKey]:
        response = owner.post(f"/v1/organizations/{org}/clients/{client_id}/certificates", {"name": "generated"})
        assert response.status_code == 201, response.text
        body = response.json()
        key = serialization.load_pem_private_key(body["private_key"].encode(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        return body["certificate"], key

    def registered_certificate(
        self, owner: ApiUser, org: str, client_id: str, *, pem: bool = True
    ) -> tuple[dict[str, Any], Ed25519PrivateKey]:
        key = Ed25519PrivateKey.generate()
        public = key.public_key()
        if pem:
            text = public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
        else:
            import base64

            text = base64.b64encode(public.public_bytes_raw()).decode()
        response = owner.post(
            f"/v1/organizations/{org}/clients/{client_id}/certificates", {"name": "registered", "public_key": text}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert "private_key" not in body
        return body["certificate"], key

    def credentials(self, *, registered: bool = False) -> Credentials:
        owner = self.user()
        org = owner.default_org
        client_id = self.client_of(owner, org)
        make = self.registered_certificate if registered else self.generated_certificate
        certificate, key = make(owner, org, client_id)
        return Credentials(owner, org, client_id, certificate, key, self.vault(owner, org))

    # -- assertions -------------------------------------------------------------------------------

    def assertion(
        self,
        credentials: Credentials,
        *,
        key: Any = None,
        algorithm: str = "EdDSA",
        headers: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
        **claims: Any,
    ) -> str:
        """A client assertion signed with PyJWT; claims default to a valid one (fresh jti)."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": credentials.client_id,
            "sub": credentials.client_id,
            "aud": self.audience,
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
        }
        payload.update(claims)
        for name in drop:
            payload.pop(name, None)
        header = {"kid": credentials.kid, **(headers or {})}
        signing_key = credentials.private_key if key is None else key
        if algorithm == "Ed25519":  # the RFC 9864 name, which PyJWT does not register by default
            jws = jwt.PyJWS()
            jws.register_algorithm("Ed25519", jwt.algorithms.OKPAlgorithm())
            return jws.encode(json.dumps(payload).encode(), signing_key, algorithm="Ed25519", headers=header)
        return jwt.encode(payload, signing_key, algorithm=algorithm, headers=header)

    def request_token(
        self,
        assertion: str,
        vault: str,
        *,
        form: bool = True,
        grant: str = "client_credentials",
        **extra: Any,
    ) -> httpx.Response:
        fields: dict[str, Any] = {"vault_id": vault}
        if grant == "client_credentials":
            fields |= {
                "grant_type": "client_credentials",
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": assertion,
            }
        else:
            fields |= {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
        fields |= extra
        with httpx.Client(base_url=self.url, timeout=30) as http:
            if form:
                return http.post("/v1/token", data=fields)
            return http.post("/v1/token", json=fields)

    def token(self, credentials: Credentials, **extra: Any) -> dict[str, Any]:
        response = self.request_token(self.assertion(credentials), credentials.vault, **extra)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def jwks(self) -> httpx.Response:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            return http.get("/.well-known/jwks.json")

    def verify_vault_token(self, token: str) -> dict[str, Any]:
        """Verify like a relying party: the kid's key from the served JWKS, EdDSA only."""
        keys = {key["kid"]: key for key in self.jwks().json()["keys"]}
        kid = jwt.get_unverified_header(token)["kid"]
        assert kid in keys, f"{kid} is not in the JWKS"
        signing_key = jwt.PyJWK(keys[kid])
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key,
            algorithms=["EdDSA"],
            audience="https://api.inferadb.com/evaluate",
            issuer=self.url,
        )
        return claims

    def refresh(self, refresh_token: str) -> httpx.Response:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            return http.post("/v1/tokens/refresh", json={"refresh_token": refresh_token})

    def orgs_db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.stack.tmp_dir / "data" / "orgs.db", timeout=15)

    def rejection_counts(self, client_id: str) -> list[dict[str, Any]]:
        """The client's rows of ``client_assertion_rejections`` (counts per reason and minute)."""
        with self.orgs_db() as connection:
            connection.row_factory = sqlite3.Row
            query = "SELECT * FROM client_assertion_rejections WHERE client_id = ? ORDER BY window_start, reason"
            rows = connection.execute(query, (int(client_id),)).fetchall()
        return [dict(row) for row in rows]

    def events_of_type(self, event_type: str) -> list[dict[str, Any]]:
        with self.orgs_db() as connection:
            rows = connection.execute("SELECT payload FROM outbox WHERE kind = 'event' ORDER BY id").fetchall()
        events = [json.loads(bytes(row[0])) for row in rows]
        return [event for event in events if event["type"] == event_type]


# Every request of the suite comes from one address: the POST /v1/token limit has its own tests.
TOKENS_ENV = {**ROOMY_ENV, "INFERADB_MGMT__RATE_LIMITING__TOKEN_PER_MINUTE": "1000000"}


@pytest.fixture(scope="session")
@starts_processes
def tokens_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokensEnv]:
    for orgs_env in start_env(tmp_path_factory.mktemp("tokens"), TOKENS_ENV):
        env = TokensEnv(orgs_env.stack, orgs_env.smtp)
        try:
            yield env
        finally:
            env.close()


@pytest.fixture
def env(tokens_env: TokensEnv) -> TokensEnv:
    return tokens_env
