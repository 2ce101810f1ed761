"""``POST /v1/token``: checking a client's signed assertion.

:func:`verify` finds what the assertion is checked against — the certificate named by ``kid``, its
client, the organization's status and the vault, in one statement or from the short-lived
:mod:`~inferadb_orgs.tokens.subject_cache` — and checks the signature and the claims. The ``jti``
is consumed and the token written by :mod:`~inferadb_orgs.tokens.issuance`. Every refusal of an
assertion is a :class:`RejectedAssertion`; one whose ``kid`` names a known client is counted in
:mod:`~inferadb_orgs.tokens.rejections` (one ``client_assertion.rejected`` event per client, reason
and minute, with the count; never the assertion). Refusals that name no known client (malformed,
unknown ``kid``) write nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inferadb_common.events.envelope import Actor
from inferadb_orgs.certificates import repository as certificates_repo
from inferadb_orgs.certificates.records import AssertionSubject
from inferadb_orgs.policy import SUSPENDED
from inferadb_orgs.state import OrgsState
from inferadb_orgs.tokens import assertion as assertions
from inferadb_orgs.tokens.errors import InvalidClient, InvalidGrant, OAuthError, UnauthorizedClient
from inferadb_orgs.tokens.rejections import Rejection
from inferadb_orgs.tokens.request import ClientTokenRequest

logger = logging.getLogger("inferadb.orgs.tokens")


class RejectedAssertion(Exception):
    """A refused token request, with what the event may say about it."""

    def __init__(
        self,
        error: OAuthError,
        reason: str,
        *,
        kid: str | None = None,
        client_id: int | None = None,
        organization_id: int | None = None,
    ) -> None:
        super().__init__(error.description)
        self.error = error
        self.reason = reason
        self.kid = kid
        self.client_id = client_id
        self.organization_id = organization_id
        self.recorded = False

    def counted(self, actor: Actor, request_id: str | None, now: datetime) -> Rejection | None:
        """What is counted of this refusal: nothing unless the ``kid`` named a known client."""
        logger.debug("client assertion rejected: %s (kid %r, client %s)", self.reason, self.kid, self.client_id)
        if self.client_id is None or self.organization_id is None:
            return None
        return Rejection(
            client_id=self.client_id,
            organization_id=self.organization_id,
            reason=self.reason,
            error=self.error.error,
            kid=self.kid,
            actor=actor,
            request_id=request_id,
            at=now,
        )


@dataclass(frozen=True, slots=True)
class VerifiedAssertion:
    client_id: int
    certificate_id: int
    organization_id: int
    vault_id: int
    kid: str
    jti: str
    expires_at: datetime


def _rules(state: OrgsState) -> assertions.AssertionRules:
    auth = state.settings.auth
    assert auth.token_endpoint_audience is not None
    return assertions.AssertionRules(
        audience=auth.token_endpoint_audience,
        max_lifetime=auth.client_assertion_max_lifetime,
        clock_skew=state.settings.id_generation.max_clock_skew_ms / 1000,
    )


async def _subject(state: OrgsState, kid: str, vault_id: int) -> AssertionSubject | None:
    async def load() -> AssertionSubject | None:
        async with state.db.read() as db:
            return await certificates_repo.assertion_subject(db, kid, vault_id)

    return await state.subject_cache.fetch(kid, vault_id, load)


def parse(request: ClientTokenRequest) -> assertions.UnverifiedAssertion:
    """The assertion's header and claims, not yet trusted; :class:`RejectedAssertion` if malformed."""
    try:
        return assertions.parse(request.assertion)
    except assertions.AssertionRejected as exc:
        raise RejectedAssertion(InvalidClient(exc.description), exc.reason) from None


async def verify(
    state: OrgsState, request: ClientTokenRequest, parsed: assertions.UnverifiedAssertion, now: datetime
) -> VerifiedAssertion:
    kid = parsed.kid
    subject = await _subject(state, kid, request.vault_id)
    if subject is None:
        raise RejectedAssertion(InvalidClient("Unknown certificate (kid)"), "unknown_kid", kid=kid)
    client_id, organization_id = int(subject.client_id), int(subject.organization_id)

    def rejected(error: OAuthError, reason: str) -> RejectedAssertion:
        return RejectedAssertion(error, reason, kid=kid, client_id=client_id, organization_id=organization_id)

    if not subject.is_active:
        raise rejected(InvalidClient("The certificate is revoked"), "certificate_revoked")
    if not subject.client_is_active:
        raise rejected(InvalidClient("The client is deactivated"), "client_inactive")
    try:
        assertions.verify_signature(parsed, bytes(subject.public_key))
        jti, expires = assertions.check_claims(parsed.claims, client_id, _rules(state), now.timestamp())
    except assertions.AssertionRejected as exc:
        raise rejected(InvalidClient(exc.description), exc.reason) from None
    if request.client_id is not None and request.client_id != str(client_id):
        raise rejected(InvalidClient("client_id does not match the assertion's issuer"), "client_id")
    if subject.organization_status == SUSPENDED:
        raise rejected(UnauthorizedClient("The client's organization is suspended"), "organization_suspended")
    if subject.live_vault_id is None:
        raise InvalidGrant("Vault not found")
    skew = timedelta(milliseconds=state.settings.id_generation.max_clock_skew_ms)
    return VerifiedAssertion(
        client_id=client_id,
        certificate_id=int(subject.id),
        organization_id=organization_id,
        vault_id=request.vault_id,
        kid=kid,
        jti=jti,
        # The jti stays taken as long as the assertion could pass the exp check (clock skew included).
        expires_at=datetime.fromtimestamp(expires, UTC) + skew,
    )


async def record_rejection(
    state: OrgsState, rejection: RejectedAssertion, actor: Actor, request_id: str | None, now: datetime
) -> None:
    """Count a refusal in its (client, reason, minute) window; a refusal of no known client writes nothing."""
    counted = rejection.counted(actor, request_id, now)
    if counted is None:
        return
    await state.rejections.add(counted)
