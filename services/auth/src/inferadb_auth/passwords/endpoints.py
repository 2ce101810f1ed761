"""Password reset (request, confirm) and change (api.md §2)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks

from inferadb_auth.after_answer import after_answer
from inferadb_auth.limits import PASSWORD_CHANGE_LIMIT, address_allowed
from inferadb_auth.passwords import service
from inferadb_auth.passwords.schemas import ChangePasswordIn, ResetConfirmIn, ResetRequestIn
from inferadb_auth.schemas import MessageOut
from inferadb_auth.state import AuthDep
from inferadb_common.internal_auth import AuthenticatedDep, IdentityDep

router = APIRouter()

RESET_REQUESTED_MESSAGE = "If the email exists, a reset link has been sent"


@router.post("/v1/auth/password-reset/request", status_code=202)
async def request_reset(
    body: ResetRequestIn, state: AuthDep, identity: IdentityDep, background: BackgroundTasks
) -> MessageOut:
    """Always the same answer in the same time; a mail only for a verified address of a live user.

    The rate limit is all the request waits for: the address is looked up after the answer.
    """
    address = body.email.strip().lower()
    limit = state.settings.rate_limiting.password_reset_tokens_per_hour
    if await address_allowed(state, "password_reset", limit, address, identity):
        after_answer(background, "password reset request", lambda: service.issue_reset(state, identity, address))
    return MessageOut(message=RESET_REQUESTED_MESSAGE)


@router.post("/v1/auth/password-reset/confirm")
async def confirm_reset(body: ResetConfirmIn, state: AuthDep, identity: IdentityDep) -> MessageOut:
    await service.confirm_reset(state, identity, body.token, body.new_password)
    return MessageOut(message="Password reset successfully")


@router.post("/v1/users/me/password", dependencies=[PASSWORD_CHANGE_LIMIT])
async def change_password(body: ChangePasswordIn, state: AuthDep, identity: AuthenticatedDep) -> MessageOut:
    await service.change_password(state, identity, body.current_password, body.new_password)
    return MessageOut(message="Password changed successfully")
