"""CLI login rules: a signed-in browser gets a 10-minute single-use code bound to the CLI's PKCE
challenge (S256 only); the CLI redeems it with the verifier for a ``cli`` session."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from inferadb_auth.cli_login import repository as cli_repo
from inferadb_auth.errors import InvalidCode
from inferadb_auth.security.tokens import digest, new_token, same
from inferadb_auth.sessions.service import IssuedSession, create_session
from inferadb_auth.state import AuthState, actor_of
from inferadb_common.clock import utcnow
from inferadb_common.events.payloads.auth import UserLogin
from inferadb_common.identity import Identity
from inferadb_common.ids import new_id

CODE_TTL = timedelta(minutes=10)


def s256(verifier: str) -> str:
    """The RFC 7636 S256 challenge of a verifier: base64url(SHA-256), unpadded."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def authorize(state: AuthState, user_id: int, code_challenge: str) -> str:
    """A new code for the signed-in user (only its digest is stored)."""
    code = new_token()
    now = utcnow()
    async with state.db.transaction() as db:
        await cli_repo.insert_code(
            db,
            code_id=new_id(),
            user_id=user_id,
            code_hash=digest(code),
            code_challenge=code_challenge,
            now=now,
            expires_at=now + CODE_TTL,
        )
    return code


async def redeem(state: AuthState, identity: Identity, code: str, code_verifier: str) -> IssuedSession:
    now = utcnow()
    async with state.db.transaction() as db:
        row = await cli_repo.live_code(db, digest(code), now)
        if row is None or not same(s256(code_verifier), row.code_challenge):
            raise InvalidCode()
        if not await cli_repo.spend_code(db, row.id, now):
            raise InvalidCode()
        issued = await create_session(
            state, db, row.user_id, "cli", now, ip_address=identity.ip_address, user_agent=identity.user_agent
        )
        await state.outbox.record(
            db,
            UserLogin(session_type="cli", method="pkce"),
            actor=actor_of(identity, row.user_id),
            resource_id=issued.session.id,
        )
    return issued
