"""Python SDK of the InferaDB Management API (api.md §11): ``Client``, ``AsyncClient``, ``ClientCredentials``.

Every method returns pydantic models (:mod:`inferadb_management.models`); every refusal raises an
:class:`ApiError` subclass carrying ``status``, ``code``, ``message`` and ``request_id``.
"""

from inferadb_management._version import __version__
from inferadb_management.client import AsyncClient, Client
from inferadb_management.credentials import ClientCredentials
from inferadb_management.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InferaDBError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitedError,
    ReauthenticationRequiredError,
    ServerError,
    ServiceUnavailableError,
    TierLimitError,
    TransportError,
)
from inferadb_management.keys import KeyPair, generate_key_pair
from inferadb_management.resources.audit import AuditFilters
from inferadb_management.retry import RetryPolicy

__all__ = [
    "ApiError",
    "AsyncClient",
    "AuditFilters",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientCredentials",
    "ConflictError",
    "InferaDBError",
    "KeyPair",
    "NotFoundError",
    "OAuthError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ReauthenticationRequiredError",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "TierLimitError",
    "TransportError",
    "__version__",
    "generate_key_pair",
]
