"""The client's IP: the socket peer, or the right-most untrusted ``X-Forwarded-For`` hop when the
peer is a trusted proxy (api.md §1.4) — or, for the web console's API calls, the browser's IP that
the gateway itself signed when it forwarded the page request (``ConsoleClientIp``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Iterable

from inferadb_common.identity import derive_key

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str | None:
    if peer is None or not trusted or not _trusted(peer, trusted):
        return peer
    if not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: fall back to what we saw
    return hops[0] if hops else peer


# ------------------------------------------------------------------------------ through the web console
# The console calls the API through the gateway, so without more every console user would share the
# console's address (per-IP rate limits, audit ip_address, session list). When the gateway hands a
# page request to ``web`` it adds this header: the browser's client IP, signed with a key of its own
# (HKDF of auth.key_encryption_secret, purpose below) and valid for CONSOLE_CLIENT_IP_TTL_SECONDS.
# ``web`` copies it unchanged onto every API call it makes for that page; the gateway, on an API
# request carrying a valid one, takes its IP as the client IP. A missing, forged, expired or
# malformed one is ignored (the socket peer / X-Forwarded-For rule applies). A browser cannot send
# one through: the gateway drops every incoming ``x-infera-*`` header before forwarding.
CONSOLE_CLIENT_IP_HEADER = "x-infera-client-ip"
CONSOLE_CLIENT_IP_TTL_SECONDS = 60  # one page: its API calls (an Argon2 login under load included)
_PURPOSE = "console-client-ip-v1"
_VERSION = "v1"
_MAX_TOKEN_LENGTH = 256


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConsoleClientIp:
    """Signs the browser's IP for ``web`` and verifies it when ``web`` passes it back."""

    def __init__(self, secret: bytes, ttl_seconds: int = CONSOLE_CLIENT_IP_TTL_SECONDS) -> None:
        self._key = derive_key(secret, _PURPOSE)
        self.ttl_seconds = ttl_seconds

    def _mac(self, signed: str) -> bytes:
        return hmac.new(self._key, signed.encode(), hashlib.sha256).digest()

    def sign(self, ip: str, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + self.ttl_seconds)
        body = _b64(f"{ip}|{expires}".encode())
        signed = f"{_VERSION}.{body}"
        return f"{signed}.{_b64(self._mac(signed))}"

    def verify(self, token: str | None, now: float | None = None) -> str | None:
        """The signed IP, or None for anything but a valid, unexpired token of this key."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            return None
        signed = f"{parts[0]}.{parts[1]}"
        try:
            given = _unb64(parts[2])
            if not hmac.compare_digest(self._mac(signed), given):
                return None
            ip, _, expires = _unb64(parts[1]).decode().partition("|")
            if int(expires) < (time.time() if now is None else now):
                return None
            return str(ipaddress.ip_address(ip))
        except (ValueError, UnicodeDecodeError):
            return None

    def client_ip(
        self, peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...], token: str | None
    ) -> str | None:
        """An API request's client IP: the console's signed one when valid, else :func:`client_ip`."""
        return self.verify(token) or client_ip(peer, forwarded_for, trusted)
