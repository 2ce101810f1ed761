"""TOTP enrolment, confirmation and removal, recovery codes, and the second step of a password sign-in.

Nothing secret leaves here except where api.md §10 hands it to the user once: the secret, its URI and
QR code when enrolment starts, and a new set of recovery codes. The secret is stored sealed; codes and
``mfa_token``s only as digests. A TOTP code is accepted once per time step (``claim_step``), and an
``mfa_token`` lives five minutes, is spent by its first good code and dies at its fifth wrong one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.errors import (
    MfaCodeRejected,
    NoSecondFactor,
    NoTotpEnrolment,
    TotpAlreadyEnabled,
    TotpNotEnabled,
    WrongMfaCode,
)
from inferadb_auth.mfa import repository as repo
from inferadb_auth.passkeys import repository as passkeys_repo
from inferadb_auth.security import recovery_codes, totp
from inferadb_auth.security.tokens import digest, new_token
from inferadb_auth.sessions.service import SignedIn, create_session
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.service import profile
from inferadb_common.clock import utcnow
from inferadb_common.events.envelope import Actor
from inferadb_common.events.payloads.auth import (
    MfaDisabled,
    MfaEnabled,
    MfaLoginFailed,
    RecoveryCodesRegenerated,
    RecoveryCodeUsed,
    UserLogin,
)
from inferadb_common.identity import Identity
from inferadb_common.metrics import AUTH_ATTEMPTS

MFA_TOKEN_PREFIX = "mfa_"  # noqa: S105 - a prefix, not a secret
MFA_TOKEN_TTL = timedelta(minutes=5)
MAX_WRONG_CODES = 5


@dataclass(frozen=True, slots=True)
class MfaStatus:
    totp_enabled: bool
    passkeys: int
    recovery_codes_left: int


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str


async def status(state: AuthState, user_id: int) -> MfaStatus:
    async with state.db.read() as db:
        return MfaStatus(
            totp_enabled=await repo.totp_enabled(db, user_id),
            passkeys=await passkeys_repo.count_passkeys(db, user_id),
            recovery_codes_left=await repo.count_unused_codes(db, user_id),
        )


async def start_totp(state: AuthState, identity: Identity) -> Enrolment:
    """A new pending secret (any earlier pending one is replaced); nothing changes until confirmed."""
    assert identity.user_id is not None
    user_id = identity.user_id
    secret = totp.new_secret()
    async with state.db.transaction() as db:
        existing = await repo.totp_of(db, user_id)
        if existing is not None and existing.confirmed_at is not None:
            raise TotpAlreadyEnabled()
        primary = await emails_repo.primary_email(db, user_id)
        await repo.start_totp(db, user_id, state.seal_totp_secret(user_id, secret), utcnow())
    uri = totp.provisioning_uri(secret, primary.email if primary is not None else str(user_id))
    svg = await asyncio.to_thread(totp.qr_svg, uri)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=svg)


async def confirm_totp(state: AuthState, identity: Identity, code: str) -> list[str]:
    """Turn the pending factor on with a code from it; the answer is the first set of recovery codes."""
    assert identity.user_id is not None
    user_id = identity.user_id
    now = utcnow()
    async with state.db.transaction() as db:
        pending = await repo.totp_of(db, user_id)
        if pending is None:
            raise NoTotpEnrolment()
        if pending.confirmed_at is not None:
            raise TotpAlreadyEnabled()
        step = totp.matching_step(state.open_totp_secret(user_id, pending.secret_sealed), code, now, None)
        if step is None:
            raise WrongMfaCode()
        # The confirming code's step counts as used: it cannot sign in as well.
        if not await repo.confirm_totp(db, user_id, step, now):
            raise TotpAlreadyEnabled()
        codes = await _new_recovery_codes(db, user_id, now)
        await notify(state, db, user_id, "mfa_enabled")
        await state.outbox.record(db, MfaEnabled(method="totp"), actor=actor_of(identity), resource_id=user_id)
    return codes


async def disable_totp(state: AuthState, identity: Identity) -> None:
    """Turn TOTP off; the recovery codes go with it."""
    assert identity.user_id is not None
    user_id = identity.user_id
    async with state.db.transaction() as db:
        if not await repo.delete_totp(db, user_id):
            raise TotpNotEnabled()
        await repo.delete_codes(db, user_id)
        await notify(state, db, user_id, "mfa_disabled")
        await state.outbox.record(db, MfaDisabled(method="totp"), actor=actor_of(identity), resource_id=user_id)


async def regenerate_recovery_codes(state: AuthState, identity: Identity) -> list[str]:
    """A new set; the old set stops working at once."""
    assert identity.user_id is not None
    user_id = identity.user_id
    async with state.db.transaction() as db:
        if not await repo.totp_enabled(db, user_id):
            raise NoSecondFactor()
        codes = await _new_recovery_codes(db, user_id, utcnow())
        await state.outbox.record(db, RecoveryCodesRegenerated(), actor=actor_of(identity), resource_id=user_id)
    return codes


# --------------------------------------------------------------------- factors, as sign-in checks them


async def totp_code_accepted(state: AuthState, db: AsyncSession, user_id: int, code: str, now: datetime) -> bool:
    """True if ``code`` is the user's TOTP code of a step not yet used; that step is then used."""
    factor = await repo.totp_of(db, user_id)
    if factor is None or factor.confirmed_at is None:
        return False
    secret = state.open_totp_secret(user_id, factor.secret_sealed)
    step = totp.matching_step(secret, code, now, factor.last_used_step)
    return step is not None and await repo.claim_step(db, user_id, step)


async def spend_recovery_code(db: AsyncSession, user_id: int, code: str, now: datetime) -> int | None:
    """How many codes are left once ``code`` is spent, or None if it is not an unused code of the user."""
    unused = await repo.unused_codes(db, user_id)
    found = recovery_codes.matching(code, [(row.id, row.code_hash) for row in unused])
    if found is None or not await repo.spend_code(db, found, now):
        return None
    return len(unused) - 1


# ------------------------------------------------------------------------- the sign-in's second step


async def issue_challenge(db: AsyncSession, user_id: int, session_type: str, now: datetime) -> str:
    """The ``mfa_token`` a password sign-in answers with when the user has TOTP on."""
    await repo.delete_dead_challenges(db, user_id, now)
    token = new_token(MFA_TOKEN_PREFIX)
    await repo.insert_challenge(
        db,
        user_id=user_id,
        token_hash=digest(token),
        session_type=session_type,
        now=now,
        expires_at=now + MFA_TOKEN_TTL,
    )
    return token


async def complete_login(
    state: AuthState, identity: Identity, mfa_token: str, code: str | None, recovery_code: str | None
) -> SignedIn:
    """A session for the holder of a live ``mfa_token`` with a good TOTP code or recovery code.

    The challenge row is locked (PostgreSQL) while its code is judged, and a wrong code is counted in
    the same transaction, so concurrent guesses cannot get past the limit of five between them.
    """
    now = utcnow()
    refused: str | None = None
    user_id: int | None = None
    signed_in: SignedIn | None = None
    async with state.db.transaction() as db:
        challenge = await repo.live_challenge(db, digest(mfa_token), now, MAX_WRONG_CODES)
        if challenge is None:
            refused = "invalid_mfa_token"
        else:
            user_id = challenge.user_id
            codes_left: int | None = None
            if code is not None:
                accepted = await totp_code_accepted(state, db, user_id, code, now)
            else:
                assert recovery_code is not None
                codes_left = await spend_recovery_code(db, user_id, recovery_code, now)
                accepted = codes_left is not None
            if not accepted:
                refused = "invalid_code" if code is not None else "invalid_recovery_code"
                await repo.count_failure(db, challenge.id)
            elif not await repo.spend_challenge(db, challenge.id, now, MAX_WRONG_CODES):
                raise MfaCodeRejected()  # spent meanwhile: roll back the code's use
            else:
                signed_in = await _sign_in(state, db, identity, challenge.session_type, user_id, code, codes_left, now)
        if refused is not None:
            await state.outbox.record(
                db,
                MfaLoginFailed(reason=refused),
                actor=Actor(user_id=user_id, ip_address=identity.ip_address, user_agent=identity.user_agent),
                resource_id=user_id,
            )
    if signed_in is None:
        AUTH_ATTEMPTS.labels(result="mfa_failure").inc()
        raise MfaCodeRejected()
    AUTH_ATTEMPTS.labels(result="success").inc()
    return signed_in


async def _sign_in(
    state: AuthState,
    db: AsyncSession,
    identity: Identity,
    session_type: str,
    user_id: int,
    code: str | None,
    codes_left: int | None,
    now: datetime,
) -> SignedIn:
    issued = await create_session(
        state, db, user_id, session_type, now, ip_address=identity.ip_address, user_agent=identity.user_agent
    )
    actor = actor_of(identity, user_id)
    method = "totp" if code is not None else "recovery_code"
    await state.outbox.record(
        db, UserLogin(session_type=session_type, method=method), actor=actor, resource_id=issued.session.id
    )
    if codes_left is not None:
        await state.outbox.record(
            db, RecoveryCodeUsed(purpose="login", codes_left=codes_left), actor=actor, resource_id=user_id
        )
    return SignedIn(issued=issued, user=await profile(db, user_id))


# ------------------------------------------------------------------------------------------- helpers


async def _new_recovery_codes(db: AsyncSession, user_id: int, now: datetime) -> list[str]:
    codes = recovery_codes.new_codes()
    await repo.replace_codes(db, user_id, [recovery_codes.code_digest(code) for code in codes], now)
    return codes


async def notify(state: AuthState, db: AsyncSession, user_id: int, template: str) -> None:
    """A notice to the primary address (templates ``mfa_enabled``, ``mfa_disabled``, ``passkey_added``)."""
    primary = await emails_repo.primary_email(db, user_id)
    user = await users_repo.get_user(db, user_id)
    if primary is not None and user is not None:
        await state.outbox.request_mail(db, template, primary.email, {"name": user.name})
