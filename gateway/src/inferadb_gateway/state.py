"""What the gateway process holds besides the common context: its upstreams and its session cache."""

from __future__ import annotations

from dataclasses import dataclass

from inferadb_gateway.sessions import SessionAuthenticator
from inferadb_gateway.upstream import Upstreams


@dataclass(frozen=True, slots=True)
class GatewayState:
    upstreams: Upstreams
    sessions: SessionAuthenticator
