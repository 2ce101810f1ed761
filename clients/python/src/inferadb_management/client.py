"""``Client`` (sync) and ``AsyncClient``: the API's resources over one transport and one session.

with Client("https://mgmt.example.com") as client:
    client.auth.login("ada@example.com", "…")
    for org in client.organizations.iter():
        print(org.name)
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx

from inferadb_management.credentials import ClientCredentials
from inferadb_management.errors import InferaDBError
from inferadb_management.models import TokenResponse
from inferadb_management.operation import Endpoint, Id, endpoints_of
from inferadb_management.resources.audit import Audit
from inferadb_management.resources.auth import Auth
from inferadb_management.resources.clients import Certificates, Clients
from inferadb_management.resources.organizations import Invitations, Members, Organizations
from inferadb_management.resources.teams import Teams
from inferadb_management.resources.tokens import Health, Tokens
from inferadb_management.resources.users import Users
from inferadb_management.resources.vaults import Vaults
from inferadb_management.retry import RetryPolicy
from inferadb_management.transport import DEFAULT_URL, AsyncTransport, SyncTransport

__all__ = ["RESOURCES", "AsyncClient", "Client", "endpoints"]

RESOURCES = (
    Auth,
    Users,
    Organizations,
    Members,
    Invitations,
    Teams,
    Vaults,
    Clients,
    Certificates,
    Tokens,
    Audit,
    Health,
)


def endpoints() -> list[Endpoint]:
    """Every SDK method with the route it calls (the same for both clients)."""
    return [endpoint for resource in RESOURCES for endpoint in endpoints_of(resource)]


class _NoCredentials(InferaDBError):
    def __init__(self) -> None:
        super().__init__("vault_token needs ClientCredentials: Client(…, credentials=ClientCredentials(…))")


class Client:
    """The synchronous client. ``session_token`` resumes a session (the ``infera_session`` cookie value);
    ``credentials`` enables :meth:`vault_token`. ``retry`` bounds the retries of 429 and 503."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        session_token: str | None = None,
        credentials: ClientCredentials | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        user_agent: str | None = None,
        http: httpx.Client | None = None,
        transport: SyncTransport | None = None,
    ) -> None:
        """``transport`` replaces the one built from the other arguments (a subclass that records or signs)."""
        transport = transport or SyncTransport(
            base_url, session_token=session_token, retry=retry, timeout=timeout, user_agent=user_agent, http=http
        )
        self._transport = transport
        self.credentials = credentials
        self.auth = Auth(transport)
        self.users = Users(transport)
        self.organizations = Organizations(transport)
        self.members = Members(transport)
        self.invitations = Invitations(transport)
        self.teams = Teams(transport)
        self.vaults = Vaults(transport)
        self.clients = Clients(transport)
        self.certificates = Certificates(transport)
        self.tokens = Tokens(transport)
        self.audit = Audit(transport)
        self.health = Health(transport)

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def session_token(self) -> str | None:
        """The session this client sends (set by a login, cleared by a logout)."""
        return self._transport.session_token

    @session_token.setter
    def session_token(self, value: str | None) -> None:
        self._transport.session_token = value

    def vault_token(self, vault_id: Id, role: str = "read") -> TokenResponse:
        """A vault token for the client of ``credentials``: cached, renewed before it expires."""
        credentials = self.credentials
        if credentials is None:
            raise _NoCredentials()
        vault = str(vault_id)

        def issue() -> TokenResponse:
            assertion = credentials.assertion(self.base_url)
            return self.tokens.client_credentials(assertion, vault, requested_role=role)

        return credentials.token(vault, role, issue, self.tokens.refresh)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncClient:
    """The asynchronous client: the same resources and methods as :class:`Client`, each awaited
    (iterators are ``async for``)."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        session_token: str | None = None,
        credentials: ClientCredentials | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        user_agent: str | None = None,
        http: httpx.AsyncClient | None = None,
        transport: AsyncTransport | None = None,
    ) -> None:
        transport = transport or AsyncTransport(
            base_url, session_token=session_token, retry=retry, timeout=timeout, user_agent=user_agent, http=http
        )
        self._transport = transport
        self.credentials = credentials
        self.auth = Auth(transport)
        self.users = Users(transport)
        self.organizations = Organizations(transport)
        self.members = Members(transport)
        self.invitations = Invitations(transport)
        self.teams = Teams(transport)
        self.vaults = Vaults(transport)
        self.clients = Clients(transport)
        self.certificates = Certificates(transport)
        self.tokens = Tokens(transport)
        self.audit = Audit(transport)
        self.health = Health(transport)

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def session_token(self) -> str | None:
        return self._transport.session_token

    @session_token.setter
    def session_token(self, value: str | None) -> None:
        self._transport.session_token = value

    async def vault_token(self, vault_id: Id, role: str = "read") -> TokenResponse:
        credentials = self.credentials
        if credentials is None:
            raise _NoCredentials()
        vault = str(vault_id)

        async def issue() -> TokenResponse:
            assertion = credentials.assertion(self.base_url)
            return await self.tokens.client_credentials(assertion, vault, requested_role=role)

        return await credentials.token_async(vault, role, issue, self.tokens.refresh)

    async def aclose(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
