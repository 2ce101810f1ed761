"""``POST /v1/auth/register``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from inferadb_auth.errors import EmailTaken
from inferadb_auth.limits import REGISTRATION_LIMIT
from inferadb_auth.registration import service
from inferadb_auth.registration.schemas import RegisterIn, RegisterOut, RegisterWithSessionOut
from inferadb_auth.sessions.schemas import SessionOut
from inferadb_auth.state import AuthDep
from inferadb_auth.users.schemas import UserOut
from inferadb_common.internal_auth import IdentityDep

router = APIRouter()


@router.post(
    "/v1/auth/register",
    status_code=201,
    dependencies=[REGISTRATION_LIMIT],
    responses={409: {"description": EmailTaken.default_message}},  # the gateway adds the error body schema
)
async def register(
    body: RegisterIn, state: AuthDep, identity: IdentityDep, response: Response
) -> RegisterOut | RegisterWithSessionOut:
    registration = await service.register(state, identity, body.name, body.email, body.password)
    user = UserOut.of(registration.user)
    if registration.session is None:
        return RegisterOut(
            user=user,
            default_organization_id=registration.default_organization_id,
            email_verification_required=registration.email_verification_required,
        )
    state.set_session_cookie(response, registration.session.token, state.session_ttl("web"))
    return RegisterWithSessionOut(
        user=user,
        default_organization_id=registration.default_organization_id,
        email_verification_required=registration.email_verification_required,
        session=SessionOut.of(registration.session.session, current=True),
    )
