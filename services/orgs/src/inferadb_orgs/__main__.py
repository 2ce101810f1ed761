"""``inferadb-orgs``: organizations, teams, vaults, clients and tokens."""

from __future__ import annotations

from pathlib import Path

from inferadb_common.clock import utcnow
from inferadb_common.runtime import ServiceContext
from inferadb_common.service import ServiceCommand, ServiceDefinition
from inferadb_common.service import main as run
from inferadb_orgs.app import build_app
from inferadb_orgs.directory.consumer import directory_consumer
from inferadb_orgs.engine.workers import add_engine_workers
from inferadb_orgs.engine_api.app import build_internal_app
from inferadb_orgs.signing.keys import KeyCipher
from inferadb_orgs.signing.service import ManagementKeyring, SigningKeyring
from inferadb_orgs.signing.worker import SigningKeyWorker, rotate_signing_key
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tables import metadata
from inferadb_orgs.tokens.rejections import RejectionReporter
from inferadb_orgs.tokens.revocation import vault_deletion_hook
from inferadb_orgs.tokens.worker import TokenPurgeWorker


async def _configure(ctx: ServiceContext) -> OrgsState:
    assert ctx.outbox is not None
    secret = ctx.settings.key_encryption_secret
    keyring = SigningKeyring(ctx.database, KeyCipher(secret), ctx.settings.auth)
    management_keys = ManagementKeyring(ctx.database, secret, ctx.settings.auth)
    # A lost or changed secret stops start-up here with one line, before any token is signed.
    await keyring.load(utcnow())
    await management_keys.load(utcnow())
    state = OrgsState(
        settings=ctx.settings, db=ctx.database, outbox=ctx.outbox, keyring=keyring, management_keys=management_keys
    )
    state.vault_deletion_hooks.append(vault_deletion_hook(ctx.outbox))
    ctx.database.on_commit.append(state.subject_cache.after_commit)
    default_tier = ctx.settings.organizations.default_tier
    ctx.workers.append(directory_consumer(ctx.bus, ctx.database, ctx.outbox, default_tier))
    ctx.workers.append(SigningKeyWorker([keyring, management_keys], ctx.bus))
    ctx.workers.append(TokenPurgeWorker(ctx.database))
    ctx.workers.append(state.token_limiter)
    ctx.workers.append(RejectionReporter(ctx.database, ctx.outbox))
    ctx.workers.append(state.subject_cache.listen(ctx.bus))
    ctx.workers.append(state.auth)  # closes its connection pool at shut-down
    # Invalidation webhooks to the engines (engine.md E3), signed with the management keys.
    add_engine_workers(ctx, state, management_keys)
    return state


DEFINITION = ServiceDefinition(
    name="orgs",
    description="Organizations, teams, vaults, clients and tokens",
    build_app=build_app,
    build_internal_app=build_internal_app,
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    outbox_table_name="outbox",
    configure=_configure,
    commands={
        "rotate-signing-key": ServiceCommand(
            help="activate a new vault-token signing key now (the old one stays in the JWKS) and exit",
            run=rotate_signing_key,
        )
    },
)


def main() -> int:
    return run(DEFINITION)


if __name__ == "__main__":
    raise SystemExit(main())
