"""Re-authentication: any factor the user has (password, TOTP code, recovery code, passkey) renews
the session's ``authenticated_at``, which the gateway's recent-session rule reads (api.md §10)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from inferadb_auth.errors import MfaCodeRejected, PasskeyRejected, WrongPassword
from inferadb_auth.mfa.service import spend_recovery_code, totp_code_accepted
from inferadb_auth.passkeys.service import authenticate
from inferadb_auth.sessions import repository as sessions_repo
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_common.clock import utcnow
from inferadb_common.events.payloads.auth import RecoveryCodeUsed, UserReauthenticated
from inferadb_common.identity import Identity


async def reauthenticate(
    state: AuthState,
    identity: Identity,
    *,
    password: str | None = None,
    code: str | None = None,
    recovery_code: str | None = None,
    challenge_id: Any = None,
    credential: Any = None,
) -> datetime:
    """The end of the new recent window; the caller gave exactly one proof (checked by the schema)."""
    assert identity.user_id is not None and identity.session_id is not None
    user_id = identity.user_id
    if password is not None:
        async with state.db.read() as db:
            user = await users_repo.get_user(db, user_id)
        if not await state.passwords.verify(user.password_hash if user is not None else None, password):
            raise WrongPassword()
    passkey_user: int | None = None
    if challenge_id is not None or credential is not None:
        passkey_user = (await authenticate(state, identity, challenge_id, credential)).user_id
        if passkey_user != user_id:
            raise PasskeyRejected()
    now = utcnow()
    actor = actor_of(identity)
    async with state.db.transaction() as db:
        if password is not None:
            method = "password"
        elif code is not None:
            if not await totp_code_accepted(state, db, user_id, code, now):
                raise MfaCodeRejected()
            method = "totp"
        elif recovery_code is not None:
            left = await spend_recovery_code(db, user_id, recovery_code, now)
            if left is None:
                raise MfaCodeRejected()
            await state.outbox.record(
                db, RecoveryCodeUsed(purpose="reauthenticate", codes_left=left), actor=actor, resource_id=user_id
            )
            method = "recovery_code"
        else:
            assert passkey_user is not None
            method = "passkey"
        await sessions_repo.mark_authenticated(db, identity.session_id, now)
        await state.outbox.record(db, UserReauthenticated(method=method), actor=actor, resource_id=user_id)
    return now + timedelta(seconds=state.settings.auth.reauth_window_seconds)
