"""Passkeys of the signed-in user and sign-in with a passkey (api.md §10).

Registration and removal need a recent session (the gateway's rule, ``recent=True`` in the manifest);
the sign-in ceremony counts against the login rate limit.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_auth.limits import LOGIN_LIMIT
from inferadb_auth.login.endpoints import signed_in_answer
from inferadb_auth.login.schemas import LoginOut
from inferadb_auth.passkeys import service
from inferadb_auth.passkeys.schemas import (
    OptionsOut,
    PasskeyEnvelope,
    PasskeyOut,
    PasskeysOut,
    RegisterBeginIn,
    RegisterFinishIn,
    SignInBeginIn,
    SignInFinishIn,
    SignInOptionsOut,
)
from inferadb_auth.schemas import MessageOut
from inferadb_auth.state import AuthDep
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep
from inferadb_common.wire import IdIn

router = APIRouter()


@router.post("/v1/users/me/passkeys/register/begin")
async def register_begin(body: RegisterBeginIn, state: AuthDep, identity: AuthenticatedDep) -> OptionsOut:
    return OptionsOut(options=await service.registration_options(state, identity))


@router.post("/v1/users/me/passkeys/register/finish", status_code=201)
async def register_finish(body: RegisterFinishIn, state: AuthDep, identity: AuthenticatedDep) -> PasskeyEnvelope:
    passkey = await service.register(state, identity, body.credential, body.name)
    return PasskeyEnvelope(passkey=PasskeyOut.of(passkey))


@router.get("/v1/users/me/passkeys")
async def list_passkeys(state: AuthDep, identity: AuthenticatedDep) -> PasskeysOut:
    assert identity.user_id is not None
    return PasskeysOut(passkeys=[PasskeyOut.of(p) for p in await service.list_passkeys(state, identity.user_id)])


@router.delete("/v1/users/me/passkeys/{passkey}")
async def remove_passkey(passkey: IdIn, state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    await service.remove(state, identity, passkey)
    return MessageOut(message="Passkey removed")


@router.post("/v1/auth/passkey/begin", dependencies=[LOGIN_LIMIT])
async def sign_in_begin(body: SignInBeginIn, state: AuthDep) -> SignInOptionsOut:
    address = body.email.strip().lower() if body.email is not None else None
    found = await service.sign_in_options(state, address or None)
    return SignInOptionsOut(options=found.options, challenge_id=found.challenge_id)


@router.post("/v1/auth/passkey/finish", dependencies=[LOGIN_LIMIT])
async def sign_in_finish(body: SignInFinishIn, state: AuthDep, identity: IdentityDep, response: Response) -> LoginOut:
    signed_in = await service.sign_in(state, identity, body.challenge_id, body.credential, body.session_type)
    return signed_in_answer(state, signed_in, response)
