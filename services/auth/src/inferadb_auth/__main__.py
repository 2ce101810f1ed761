"""``inferadb-auth``: users, sessions and sign-in."""

from __future__ import annotations

from pathlib import Path

from inferadb_auth.app import build_app
from inferadb_auth.emails.expiry import AddressExpiryWorker
from inferadb_auth.security.passwords import PasswordService
from inferadb_auth.state import AuthState
from inferadb_auth.tables import metadata, rate_limit_counters
from inferadb_common.ratelimit import RateLimiter
from inferadb_common.revocation import RevocationAnnouncer
from inferadb_common.runtime import ServiceContext
from inferadb_common.sealing import Sealer
from inferadb_common.service import ServiceDefinition
from inferadb_common.service import main as run

TOTP_SEALING_PURPOSE = "totp-secrets-v1"


async def _configure(ctx: ServiceContext) -> AuthState:
    assert ctx.outbox is not None
    passwords = PasswordService(ctx.settings.auth, ctx.settings.server.worker_threads)
    state = AuthState(
        settings=ctx.settings,
        db=ctx.database,
        bus=ctx.bus,
        outbox=ctx.outbox,
        passwords=passwords,
        limiter=RateLimiter(ctx.database, rate_limit_counters),
        signer=ctx.signer,
        revocations=RevocationAnnouncer(ctx.bus),
        totp_sealer=Sealer(ctx.settings.key_encryption_secret, TOTP_SEALING_PURPOSE),
    )
    ctx.workers.append(AddressExpiryWorker(state))
    return state


DEFINITION = ServiceDefinition(
    name="auth",
    description="Users, sessions and sign-in",
    build_app=build_app,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    outbox_table_name="outbox",
    configure=_configure,
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
