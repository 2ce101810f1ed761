"""Passkey ceremonies (WebAuthn, with py_webauthn) and their rules (api.md §10).

* Registration: options with resident key and user verification *preferred*, the user's passkeys
  excluded; the finish finds its challenge by the value the browser signed (``clientDataJSON``), for
  this user only, and spends it before anything else is checked: a challenge is good once, even when
  the response it came with was refused.
* Sign-in: ``begin`` stores a challenge and answers its id. With an email, the options list that
  user's credentials; an unknown address, or one without passkeys, gets one decoy credential id
  derived from the address (HMAC), so the answer has the same shape. Without an email the browser
  offers discoverable credentials.
* A signature counter that does not grow (when either side is non-zero) refuses the assertion with
  401 and flags the passkey: a flagged passkey signs in no more (remove it and register again).
* Anything malformed — wrong types, bad base64url, bad CBOR, a wrong origin or RP id, an unknown,
  spent or expired challenge — is 400 ``INVALID_PASSKEY``; py_webauthn's exceptions never reach the
  error handler as a 500.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from inferadb_auth.emails import repository as emails_repo
from inferadb_auth.errors import EmailNotVerified, InvalidPasskey, PasskeyNotFound, PasskeyRejected
from inferadb_auth.mfa.service import notify
from inferadb_auth.passkeys import repository as repo
from inferadb_auth.passkeys.repository import PasskeyRecord
from inferadb_auth.sessions.service import SignedIn, create_session
from inferadb_auth.state import AuthState, actor_of
from inferadb_auth.users import repository as users_repo
from inferadb_auth.users.service import profile
from inferadb_common.clock import utcnow
from inferadb_common.errors import ApiError, ValidationFailed
from inferadb_common.events.payloads.auth import PasskeyAdded, PasskeyFlagged, PasskeyRemoved, UserLogin
from inferadb_common.identity import Identity, derive_key
from inferadb_common.ids import new_id
from inferadb_common.metrics import AUTH_ATTEMPTS
from inferadb_common.wire import clean_name, parse_id

logger = logging.getLogger("inferadb.auth.passkeys")
T = TypeVar("T")

RP_NAME = "InferaDB"
REGISTER, SIGN_IN = "register", "signin"
CHALLENGE_TTL = timedelta(minutes=5)
DEFAULT_NAME = "Passkey"
MAX_CREDENTIAL_ID = 1400  # base64url of WebAuthn's 1023-byte maximum
TIMEOUT_MS = 300_000


@dataclass(frozen=True, slots=True)
class SignInOptions:
    challenge_id: int
    options: dict[str, Any]


class SignCountRegressed(PasskeyRejected):
    def __init__(self, passkey: PasskeyRecord) -> None:
        super().__init__()
        self.passkey = passkey


# ------------------------------------------------------------------------------------ input checks


def _credential(value: Any) -> dict[str, Any]:
    """The credential as a JSON object with a sane ``id``: anything else is INVALID_PASSKEY."""
    if not isinstance(value, dict):
        raise InvalidPasskey()
    credential_id = value.get("id")
    if not isinstance(credential_id, str) or not 0 < len(credential_id) <= MAX_CREDENTIAL_ID:
        raise InvalidPasskey()
    return value


def _challenge_id(value: Any) -> int:
    try:
        return parse_id(value)
    except ValueError:
        raise InvalidPasskey() from None


def _signed_challenge(credential: dict[str, Any]) -> str:
    """The challenge the browser signed, read from ``response.clientDataJSON``."""
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        challenge = client_data["challenge"]
    except Exception:
        raise InvalidPasskey() from None
    if not isinstance(challenge, str) or not 0 < len(challenge) <= 128:
        raise InvalidPasskey()
    return challenge


def _name(value: str | None) -> str:
    if value is None:
        return DEFAULT_NAME
    try:
        return clean_name(value)
    except ValueError as exc:
        raise ValidationFailed(details={"name": f"Name {exc}"}) from None


def _options(options: Any) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(options_to_json(options))
    return parsed


async def _verified(check: Callable[[], T]) -> T:
    """A py_webauthn check off the event loop; whatever it raises is INVALID_PASSKEY."""
    try:
        return await asyncio.to_thread(check)
    except ApiError:
        raise
    except Exception as exc:  # InvalidRegistrationResponse, InvalidCBORData, binascii.Error, KeyError...
        logger.info("passkey response refused: %s", type(exc).__name__)
        raise InvalidPasskey() from None


# ------------------------------------------------------------------------------------ registration


async def registration_options(state: AuthState, identity: Identity) -> dict[str, Any]:
    assert identity.user_id is not None
    user_id = identity.user_id
    now = utcnow()
    async with state.db.transaction() as db:
        user = await users_repo.get_user(db, user_id)
        primary = await emails_repo.primary_email(db, user_id)
        existing = await repo.passkeys_of(db, user_id)
        options = generate_registration_options(
            rp_id=str(state.settings.auth.webauthn_rp_id),
            rp_name=RP_NAME,
            user_id=str(user_id).encode(),
            user_name=primary.email if primary is not None else str(user_id),
            user_display_name=user.name if user is not None else "",
            timeout=TIMEOUT_MS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id)) for passkey in existing
            ],
        )
        await repo.insert_challenge(
            db,
            challenge_id=new_id(),
            user_id=user_id,
            purpose=REGISTER,
            challenge=bytes_to_base64url(options.challenge),
            now=now,
            expires_at=now + CHALLENGE_TTL,
        )
    return _options(options)


async def register(state: AuthState, identity: Identity, credential_in: Any, name_in: str | None) -> PasskeyRecord:
    assert identity.user_id is not None
    user_id = identity.user_id
    name = _name(name_in)
    credential = _credential(credential_in)
    challenge = _signed_challenge(credential)
    now = utcnow()
    async with state.db.transaction() as db:  # spent first, whatever the outcome
        taken = await repo.spend_challenge_by_value(db, user_id, REGISTER, challenge, now)
    if not taken:
        raise InvalidPasskey()
    verified: VerifiedRegistration = await _verified(
        lambda: verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=str(state.settings.auth.webauthn_rp_id),
            expected_origin=list(state.settings.auth.webauthn_origins or []),
            require_user_verification=False,
        )
    )
    passkey = PasskeyRecord(
        id=new_id(),
        user_id=user_id,
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        created_at=now,
        last_used_at=None,
        flagged_at=None,
    )
    async with state.db.transaction() as db:
        if await repo.passkey_by_credential(db, passkey.credential_id) is not None:
            raise InvalidPasskey()
        await repo.insert_passkey(db, passkey)
        await notify(state, db, user_id, "passkey_added")
        await state.outbox.record(
            db, PasskeyAdded(passkey_id=passkey.id, name=name), actor=actor_of(identity), resource_id=user_id
        )
    return passkey


async def list_passkeys(state: AuthState, user_id: int) -> list[PasskeyRecord]:
    async with state.db.read() as db:
        return await repo.passkeys_of(db, user_id)


async def remove(state: AuthState, identity: Identity, passkey_id: int) -> None:
    assert identity.user_id is not None
    async with state.db.transaction() as db:
        if not await repo.delete_passkey(db, identity.user_id, passkey_id):
            raise PasskeyNotFound()
        await state.outbox.record(
            db, PasskeyRemoved(passkey_id=passkey_id), actor=actor_of(identity), resource_id=identity.user_id
        )


# ----------------------------------------------------------------------------------------- sign-in


def _decoy(state: AuthState, address: str) -> PublicKeyCredentialDescriptor:
    key = derive_key(state.settings.key_encryption_secret, "passkey-decoy-v1")
    return PublicKeyCredentialDescriptor(id=hmac.new(key, address.encode(), hashlib.sha256).digest())


async def sign_in_options(state: AuthState, address: str | None) -> SignInOptions:
    now = utcnow()
    async with state.db.transaction() as db:
        allowed: list[PublicKeyCredentialDescriptor] = []
        if address is not None:
            email = await emails_repo.sign_in_address(db, address, now)
            owned = await repo.passkeys_of(db, email.user_id) if email is not None else []
            allowed = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in owned]
            allowed = allowed or [_decoy(state, address)]
        options = generate_authentication_options(
            rp_id=str(state.settings.auth.webauthn_rp_id),
            timeout=TIMEOUT_MS,
            allow_credentials=allowed,
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        challenge_id = new_id()
        await repo.insert_challenge(
            db,
            challenge_id=challenge_id,
            user_id=None,
            purpose=SIGN_IN,
            challenge=bytes_to_base64url(options.challenge),
            now=now,
            expires_at=now + CHALLENGE_TTL,
        )
    return SignInOptions(challenge_id=challenge_id, options=_options(options))


async def authenticate(state: AuthState, identity: Identity, challenge_id_in: Any, credential_in: Any) -> PasskeyRecord:
    """The passkey that signed this sign-in challenge (spent by this call), its counter moved on."""
    challenge_id = _challenge_id(challenge_id_in)
    credential = _credential(credential_in)
    now = utcnow()
    async with state.db.transaction() as db:  # spent first, whatever the outcome
        challenge = await repo.spend_challenge(db, challenge_id, SIGN_IN, now)
    if challenge is None:
        raise InvalidPasskey()
    async with state.db.read() as db:
        passkey = await repo.passkey_by_credential(db, credential["id"])
    if passkey is None:
        raise InvalidPasskey()
    if passkey.flagged_at is not None:
        raise PasskeyRejected()
    public_key, rp_id = passkey.public_key, str(state.settings.auth.webauthn_rp_id)
    verified: VerifiedAuthentication = await _verified(
        lambda: verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge.challenge),
            expected_rp_id=rp_id,
            expected_origin=list(state.settings.auth.webauthn_origins or []),
            credential_public_key=public_key,
            credential_current_sign_count=0,  # our own rule below, so a regression is told from a bad response
            require_user_verification=False,
        )
    )
    if (verified.new_sign_count > 0 or passkey.sign_count > 0) and verified.new_sign_count <= passkey.sign_count:
        async with state.db.transaction() as db:
            await repo.flag(db, passkey.id, now)
            await state.outbox.record(
                db,
                PasskeyFlagged(passkey_id=passkey.id),
                actor=actor_of(identity, passkey.user_id),
                resource_id=passkey.user_id,
            )
        logger.warning("passkey %s flagged: its signature counter went backwards", passkey.id)
        raise SignCountRegressed(passkey)
    async with state.db.transaction() as db:
        if not await repo.record_use(db, passkey.id, passkey.sign_count, verified.new_sign_count, now):
            raise PasskeyRejected()
    return passkey


async def sign_in(
    state: AuthState, identity: Identity, challenge_id: Any, credential: Any, session_type: str
) -> SignedIn:
    """A sign-in complete by itself (the passkey is possession and, with user verification, more)."""
    try:
        passkey = await authenticate(state, identity, challenge_id, credential)
    except ApiError:
        AUTH_ATTEMPTS.labels(result="failure").inc()
        raise
    now = utcnow()
    async with state.db.transaction() as db:
        # As for a password: an account without a verified address may not sign in (when required).
        if state.settings.features.require_email_verification and not await emails_repo.has_verified_email(
            db, passkey.user_id
        ):
            AUTH_ATTEMPTS.labels(result="unverified").inc()
            raise EmailNotVerified()
        issued = await create_session(
            state,
            db,
            passkey.user_id,
            session_type,
            now,
            ip_address=identity.ip_address,
            user_agent=identity.user_agent,
        )
        await state.outbox.record(
            db,
            UserLogin(session_type=session_type, method="passkey"),
            actor=actor_of(identity, passkey.user_id),
            resource_id=issued.session.id,
        )
        signed_in = SignedIn(issued=issued, user=await profile(db, passkey.user_id))
    AUTH_ATTEMPTS.labels(result="success").inc()
    return signed_in
