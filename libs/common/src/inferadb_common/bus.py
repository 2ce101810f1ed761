"""The NATS connection every service holds: reconnects forever, creates the streams, drains on stop.

With ``nats.user``/``nats.password`` it authenticates as that user and keeps its reply inboxes under
``_INBOX_<user>`` (so the server's permissions can give each user only its own inboxes, see
:mod:`inferadb_common.nats_permissions`); with ``nats.nkey_seed_file`` it signs the server's nonce with
that NKey instead of sending a password (``nats.user`` then only names its inboxes); with
``nats.tls_ca_file`` it requires TLS and verifies the server against that CA
(``nats.tls_cert_file``/``tls_key_file`` add a client certificate).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import nats
import nkeys
from nats import errors as nats_errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError

from inferadb_common.config import NatsConfig
from inferadb_common.events.streams import stream_configs

logger = logging.getLogger("inferadb.bus")

Callback = Callable[[], Awaitable[None]]


class BusConnectError(Exception):
    """Rendered as ``Failed to connect to NATS at <url>: <reason>``."""


class _Refused(Exception):
    """Not worth retrying (bad credentials, no TLS): reported at once."""


_INBOX_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
STREAM_SETUP_SECONDS = 60.0  # how long start-up keeps asking JetStream to place the streams


def inbox_prefix(user: str | None) -> str:
    """``_INBOX_<user>`` for a user name that is a plain subject token, else NATS's ``_INBOX``."""
    return f"_INBOX_{user}" if user and _INBOX_SAFE.match(user) else "_INBOX"


def safe_url(url: str) -> str:
    """The URL without any ``user:password@`` part (it goes into error messages and logs)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def tls_context(config: NatsConfig) -> ssl.SSLContext | None:
    """The TLS context the configuration asks for (reads the files: call it off the event loop)."""
    if config.tls_ca_file is None and config.tls_cert_file is None:
        return None
    try:
        context = ssl.create_default_context(cafile=config.tls_ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise _Refused(f"cannot read nats.tls_ca_file {config.tls_ca_file}: {_describe(exc)}") from exc
    if config.tls_cert_file is not None and config.tls_key_file is not None:
        try:
            context.load_cert_chain(config.tls_cert_file, config.tls_key_file)
        except (OSError, ssl.SSLError) as exc:
            raise _Refused(
                f"cannot read nats.tls_cert_file/tls_key_file {config.tls_cert_file}: {_describe(exc)}"
            ) from exc
    return context


def _credential_keys(config: NatsConfig) -> str:
    if config.nkey_seed_file is not None:
        return "nats.user and nats.nkey_seed_file"
    return "nats.user and nats.password"


def check_nkey_seed(config: NatsConfig) -> None:
    """Read the seed once before connecting (off the event loop): a missing or malformed file is named
    in one line, never retried, and the seed itself never appears in a message."""
    if config.nkey_seed_file is None:
        return
    try:
        with open(config.nkey_seed_file, "rb") as seed_file:
            nkeys.from_seed(bytearray(seed_file.read().strip())).wipe()
    except OSError as exc:
        raise _Refused(f"cannot read nats.nkey_seed_file {config.nkey_seed_file}: {_describe(exc)}") from exc
    except (nkeys.NkeysError, ValueError) as exc:
        raise _Refused(f"nats.nkey_seed_file {config.nkey_seed_file} holds no valid NKey seed") from exc


def _describe(error: BaseException | None, credentials: str = "nats.user and nats.password") -> str:
    if isinstance(error, _Refused):
        return str(error)
    if isinstance(error, nats_errors.AuthorizationError) or "authorization violation" in str(error).lower():
        return f"authorization violation (check {credentials})"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate verification failed ({error.verify_message}; check nats.tls_ca_file)"
    if isinstance(error, ssl.SSLError):
        return f"TLS error ({error.reason or error})"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class Bus:
    def __init__(self, config: NatsConfig, name: str) -> None:
        self.config = config
        self.name = name
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self.on_disconnect: list[Callback] = []
        self.on_reconnect: list[Callback] = []

    @property
    def nc(self) -> Client:
        assert self._nc is not None, "bus not connected"
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        assert self._js is not None, "bus not connected"
        return self._js

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def _reachable(self, tls: bool) -> None:
        """nats-py retries an initial connect forever when reconnects are allowed, so probe first.

        The probe reads the server's INFO line: with TLS configured, a server that does not offer it
        is refused here, before nats-py would send the password in clear. Of a cluster's nodes, the
        first that answers will do (nats-py connects to the others when it is gone)."""
        servers = self.config.servers
        for index, server in enumerate(servers):
            try:
                await self._probe(server, tls)
                return
            except _Refused:
                raise
            except (OSError, TimeoutError):
                if index == len(servers) - 1:
                    raise

    async def _probe(self, server: str, tls: bool) -> None:
        parts = urlsplit(server)
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4222),
            timeout=self.config.connect_timeout_seconds,
        )
        try:
            if tls:
                line = await asyncio.wait_for(reader.readline(), timeout=self.config.connect_timeout_seconds)
                info = json.loads(line.partition(b" ")[2] or b"{}") if line.startswith(b"INFO ") else {}
                if not info.get("tls_required") and not info.get("tls_available"):
                    raise _Refused("the server does not offer TLS, but nats.tls_ca_file is set")
        finally:
            writer.close()

    def _options(self, tls: ssl.SSLContext | None) -> dict[str, Any]:
        options: dict[str, Any] = {"inbox_prefix": inbox_prefix(self.config.user)}
        if self.config.nkey_seed_file is not None:
            options["nkeys_seed"] = self.config.nkey_seed_file
        elif self.config.user is not None:
            options["user"] = self.config.user
            options["password"] = self.config.password
        if tls is not None:
            options["tls"] = tls
        return options

    async def connect(self, attempts: int = 10) -> None:
        last_error: BaseException | None = None
        tls: ssl.SSLContext | None = None
        for attempt in range(attempts):
            try:
                if attempt == 0:
                    await asyncio.to_thread(check_nkey_seed, self.config)
                tls = tls or await asyncio.to_thread(tls_context, self.config)
                await self._reachable(tls is not None)
                self._nc = await nats.connect(
                    self.config.servers,
                    name=self.name,
                    connect_timeout=self.config.connect_timeout_seconds,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    # nats-py would retry a refused first connect (a wrong password) forever:
                    # this loop retries instead, and reconnecting is allowed once connected.
                    allow_reconnect=False,
                    disconnected_cb=self._disconnected,
                    reconnected_cb=self._reconnected,
                    error_cb=self._error,
                    **self._options(tls),
                )
                self._nc.options["allow_reconnect"] = True
                break
            except Exception as exc:
                last_error = exc
                if _permanent(exc):
                    break
                await asyncio.sleep(min(0.2 * 2**attempt, 1.0))
        if self._nc is None or not self._nc.is_connected:
            reason = _describe(last_error, _credential_keys(self.config))
            where = ", ".join(safe_url(server) for server in self.config.servers)
            raise BusConnectError(f"Failed to connect to NATS at {where}: {reason}")
        self._js = self._nc.jetstream(timeout=5)

    async def ensure_streams(self, within: float = STREAM_SETUP_SECONDS) -> None:
        """Create or update every stream. On a cluster, placing a replicated stream can outlast a
        JetStream request (a leader election, the other services creating theirs): a request that
        timed out or found JetStream unavailable is asked again, until ``within`` seconds have passed."""
        deadline = asyncio.get_running_loop().time() + within
        for config in stream_configs(self.config).all():
            attempt = 0
            while True:
                try:
                    await self._ensure_stream(config)
                    break
                except (nats_errors.TimeoutError, ServiceUnavailableError) as exc:
                    if asyncio.get_running_loop().time() >= deadline:
                        raise
                    logger.info("stream %s not ready yet (%s); asking again", config.name, type(exc).__name__)
                    await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
                    attempt += 1

    async def _ensure_stream(self, config: StreamConfig) -> None:
        try:
            await self.js.stream_info(str(config.name))
        except NotFoundError:
            try:
                await self.js.add_stream(config)
            except BadRequestError as exc:  # another service created it meanwhile
                logger.debug("stream %s: %s", config.name, exc)
            return
        await self.js.update_stream(config)

    async def _disconnected(self) -> None:
        logger.warning("disconnected from NATS")
        for callback in self.on_disconnect:
            await callback()

    async def _reconnected(self) -> None:
        logger.info("reconnected to NATS")
        for callback in self.on_reconnect:
            await callback()

    async def _error(self, exc: Exception) -> None:
        if "permissions violation" in str(exc).lower():  # names the subject, never a secret
            logger.warning("NATS refused: %s", exc)
            return
        logger.debug("NATS client error: %s", exc)

    async def close(self) -> None:
        """Drain (finish in-flight deliveries and publishes); if NATS is away, just close."""
        if self._nc is None or self._nc.is_closed:
            return
        if self._nc.is_connected:
            try:
                await asyncio.wait_for(self._nc.drain(), timeout=5)
                return
            except Exception as exc:
                logger.debug("NATS drain: %s", exc)
        with contextlib.suppress(Exception):
            await self._nc.close()

    def subscribe_core(self, subject: str, handler: Callable[[Any], Awaitable[None]]) -> Awaitable[Any]:
        return self.nc.subscribe(subject, cb=handler)


def _permanent(error: BaseException) -> bool:
    """Errors that another attempt will not fix: wrong credentials, TLS refused or misconfigured."""
    if isinstance(error, _Refused | nats_errors.AuthorizationError | ssl.SSLError):
        return True
    return "authorization violation" in str(error).lower()
