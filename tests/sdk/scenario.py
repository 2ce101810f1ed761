"""One walk through every route of the API with the SDK, written once for ``Client`` and ``AsyncClient``.

``Harness.value`` awaits what the async client returns and passes the sync client's answers through;
``Harness.items`` collects an iterator of either kind. Every transport records the routes it called,
so the tests can compare them with the route manifest.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest

from inferadb_cli.login import pkce_pair
from inferadb_management import (
    AsyncClient,
    AuditFilters,
    AuthenticationError,
    Client,
    ClientCredentials,
    ConflictError,
    NotFoundError,
    ReauthenticationRequiredError,
    generate_key_pair,
)
from inferadb_management.models import (
    CertificateEnvelope,
    GeneratedCertificateEnvelope,
    LoginOut,
    MfaRequiredOut,
    RegisterOut,
)
from inferadb_management.transport import AsyncTransport, SyncTransport
from inferadb_testing.authenticator import SoftPasskey
from inferadb_testing.sdk import PASSWORD, SdkStack, age_session, mailed_token
from inferadb_testing.totp import TotpCodes
from inferadb_testing.users import FRONTEND, unique_email

Called = set[tuple[str, str]]


class RecordingSync(SyncTransport):
    def __init__(self, called: Called, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.called = called

    def send(self, method: str, route: str, call: Any) -> Any:
        self.called.add((method, route))
        return super().send(method, route, call)

    def paginate(self, method: str, route: str, page_call: Any) -> Any:
        self.called.add((method, route))
        return super().paginate(method, route, page_call)

    def stream(self, method: str, route: str, call: Any) -> Any:
        self.called.add((method, route))
        return super().stream(method, route, call)


class RecordingAsync(AsyncTransport):
    def __init__(self, called: Called, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.called = called

    async def send(self, method: str, route: str, call: Any) -> Any:
        self.called.add((method, route))
        return await super().send(method, route, call)

    def paginate(self, method: str, route: str, page_call: Any) -> Any:
        self.called.add((method, route))
        return super().paginate(method, route, page_call)

    def stream(self, method: str, route: str, call: Any) -> Any:
        self.called.add((method, route))
        return super().stream(method, route, call)


@dataclass
class Person:
    id: str
    email: str
    client: Any


@dataclass
class Harness:
    env: SdkStack
    asynchronous: bool
    called: Called = field(default_factory=set)
    clients: list[Any] = field(default_factory=list)

    def client(self, credentials: ClientCredentials | None = None) -> Any:
        url = self.env.url
        made: Any
        if self.asynchronous:
            made = AsyncClient(url, credentials=credentials, transport=RecordingAsync(self.called, url))
        else:
            made = Client(url, credentials=credentials, transport=RecordingSync(self.called, url))
        self.clients.append(made)
        return made

    async def value(self, result: Any) -> Any:
        return await result if inspect.isawaitable(result) else result

    async def items(self, iterator: Any) -> list[Any]:
        if hasattr(iterator, "__aiter__"):
            return [item async for item in iterator]
        return list(iterator)

    async def raises(self, kind: type[Exception], call: Callable[[], Any]) -> Exception:
        with pytest.raises(kind) as caught:
            await self.value(call())
        return caught.value

    async def close(self) -> None:
        for made in self.clients:
            if isinstance(made, AsyncClient):
                await made.aclose()
            else:
                made.close()

    async def signup(self, label: str) -> Person:
        client = self.client()
        email = unique_email(label)
        registered = await self.value(client.auth.register(label.title(), email, PASSWORD))
        await self.value(client.auth.verify_email(mailed_token(self.env.sink, email, "/verify-email")))
        await self.value(client.auth.login(email, PASSWORD))
        return Person(registered.user.id, email, client)

    async def eventually(self, check: Callable[[], Any], what: str, within: float = 15.0) -> Any:
        deadline = time.monotonic() + within
        while True:
            found = await check()
            if found:
                return found
            assert time.monotonic() < deadline, f"never: {what}"
            await asyncio.sleep(0.2)


async def second_factors(h: Harness) -> None:
    """api.md §10 for one user: TOTP on, the two-step sign-in with a code and with a recovery code, new
    recovery codes, a stale session refused until it re-authenticates (code, password, passkey), a passkey
    registered, signed in with, listed and removed, TOTP off and a one-step sign-in again."""
    v = h.value
    eve = await h.signup("sdk-eve")
    e = eve.client
    status = await v(e.users.mfa_status())
    assert (status.totp_enabled, status.passkeys, status.recovery_codes_left) == (False, 0, 0)
    enrolment = await v(e.users.start_totp())
    assert enrolment.otpauth_uri.startswith("otpauth://totp/InferaDB") and "<svg" in enrolment.qr_svg
    totp = TotpCodes(enrolment.secret)
    recovery = (await v(e.users.confirm_totp(totp.code()))).recovery_codes
    assert len(recovery) == 10 and len(set(recovery)) == 10
    status = await v(e.users.mfa_status())
    assert (status.totp_enabled, status.passkeys, status.recovery_codes_left) == (True, 0, 10)

    # The password alone answers a typed "second step needed", without a session; login_mfa completes it.
    phone = h.client()
    step = await v(phone.auth.login(eve.email, PASSWORD))
    assert isinstance(step, MfaRequiredOut) and step.methods == ["totp", "recovery_code"]
    assert phone.session_token is None
    wrong = await h.raises(AuthenticationError, lambda: phone.auth.login_mfa(step.mfa_token, code=totp.wrong_code()))
    assert (wrong.status, wrong.code) == (401, "INVALID_MFA_CODE") and phone.session_token is None
    signed_in = await v(phone.auth.login_mfa(step.mfa_token, code=totp.code()))
    assert isinstance(signed_in, LoginOut) and signed_in.user.id == eve.id and phone.session_token
    assert (await v(phone.auth.me())).id == eve.id
    await h.raises(AuthenticationError, lambda: phone.auth.login_mfa(step.mfa_token, code=totp.wrong_code()))

    tablet = h.client()
    step = await v(tablet.auth.login(eve.email, PASSWORD))
    assert isinstance(step, MfaRequiredOut)
    assert (await v(tablet.auth.login_mfa(step.mfa_token, recovery_code=recovery[0]))).user.id == eve.id
    assert (await v(e.users.mfa_status())).recovery_codes_left == 9
    renewed = (await v(e.users.regenerate_recovery_codes())).recovery_codes
    assert len(renewed) == 10 and not set(renewed) & set(recovery)

    # A session older than the re-authentication window: the typed error, then each factor proves presence.
    age_session(h.env, tablet.session_token)
    stale = await h.raises(ReauthenticationRequiredError, tablet.users.regenerate_recovery_codes)
    assert (stale.status, stale.code) == (403, "REAUTHENTICATION_REQUIRED")
    assert (await v(tablet.auth.reauthenticate(code=totp.code()))).reauthenticated_until
    assert len((await v(tablet.users.regenerate_recovery_codes())).recovery_codes) == 10
    await h.raises(AuthenticationError, lambda: tablet.auth.reauthenticate(password=PASSWORD + " wrong"))
    assert (await v(tablet.auth.reauthenticate(password=PASSWORD))).reauthenticated_until

    # A passkey from a software authenticator: registered, listed, signed in with, re-authenticates, removed.
    options = (await v(e.users.begin_passkey_registration("Laptop"))).options
    host = urlsplit(FRONTEND).hostname
    assert host is not None and options["rp"]["id"] == host
    key = SoftPasskey(host, base64.urlsafe_b64decode(options["user"]["id"] + "=="))
    passkey = await v(e.users.finish_passkey_registration(key.registration(options, FRONTEND), "Laptop"))
    assert passkey.name == "Laptop" and passkey.last_used_at is None
    assert [p.id for p in await v(e.users.list_passkeys())] == [passkey.id]
    assert (await v(e.users.mfa_status())).passkeys == 1
    laptop = h.client()
    challenge = await v(laptop.auth.passkey_begin(eve.email))
    by_passkey = await v(laptop.auth.passkey_finish(challenge.challenge_id, key.assertion(challenge.options, FRONTEND)))
    assert by_passkey.user.id == eve.id and by_passkey.session.session_type == "sdk" and laptop.session_token
    assert (await v(laptop.users.list_passkeys()))[0].last_used_at is not None
    challenge = await v(laptop.auth.passkey_begin())  # discoverable: no address
    credential = key.assertion(challenge.options, FRONTEND)
    assert await v(tablet.auth.reauthenticate(challenge_id=challenge.challenge_id, credential=credential))
    await v(tablet.users.delete_passkey(passkey.id))
    assert await v(e.users.list_passkeys()) == []
    await h.raises(NotFoundError, lambda: e.users.delete_passkey(passkey.id))

    await v(e.users.disable_totp())
    status = await v(e.users.mfa_status())
    assert (status.totp_enabled, status.passkeys, status.recovery_codes_left) == (False, 0, 0)
    assert isinstance(await v(h.client().auth.login(eve.email, PASSWORD)), LoginOut)


async def walk(h: Harness) -> None:
    """One story, in the order a user lives it."""
    v, items = h.value, h.items
    sink = h.env.sink

    # -- §2: register, verify, sign in, profile
    c = h.client()
    email = unique_email("sdk-ada")
    registered = await v(c.auth.register("Ada", email, PASSWORD))
    assert isinstance(registered, RegisterOut) and registered.email_verification_required
    assert c.session_token is None
    await v(c.auth.resend_verification(email))
    verified = await v(c.auth.verify_email(mailed_token(sink, email, "/verify-email")))
    assert verified.email == email
    signed_in = await v(c.auth.login(email, PASSWORD))
    assert isinstance(signed_in, LoginOut) and signed_in.session.session_type == "sdk" and c.session_token
    me = await v(c.auth.me())
    assert me.email == email and (await v(c.users.me())).id == me.id
    assert (await v(c.users.update_me(name="Ada L", accept_tos=True))).tos_accepted_at is not None

    # -- addresses
    first = (await v(c.users.list_emails()))[0]
    second_address = unique_email("sdk-ada2")
    second = await v(c.users.add_email(second_address))
    await v(c.users.resend_email_verification(second.id))
    await v(c.auth.verify_email(mailed_token(sink, second_address, "/verify-email")))
    assert (await v(c.users.make_primary_email(second.id))).is_primary
    assert (await v(c.users.make_primary_email(first.id))).is_primary
    await v(c.users.delete_email(second.id))
    assert [e.email for e in await v(c.users.list_emails())] == [email]

    # -- sessions: delete one, revoke one, revoke the others
    other = h.client()
    for revoke in ("delete", "revoke", "others"):
        await v(other.auth.login(email, PASSWORD))
        sessions = await v(c.users.list_sessions())
        others = [s for s in sessions if not s.current]
        assert len(others) == 1 and sum(s.current for s in sessions) == 1
        if revoke == "delete":
            await v(c.users.delete_session(others[0].id))
        elif revoke == "revoke":
            await v(c.auth.revoke_session(others[0].id))
        else:
            assert (await v(c.users.revoke_other_sessions())).revoked == 1
        error = await h.raises(AuthenticationError, other.auth.me)
        assert error.status == 401 and error.code == "INVALID_SESSION" and error.request_id

    # -- password reset (revokes every session), password change
    await v(c.auth.request_password_reset(email))
    new_password = PASSWORD + " renewed"
    await v(c.auth.confirm_password_reset(mailed_token(sink, email, "/reset-password"), new_password))
    await h.raises(AuthenticationError, c.auth.me)
    await v(c.auth.login(email, new_password))
    await v(c.users.change_password(new_password, PASSWORD))

    # -- CLI login (PKCE): this session authorizes, another client redeems
    verifier, challenge = pkce_pair()
    code = (await v(c.auth.cli_authorize(challenge))).code
    cli = h.client()
    redeemed = await v(cli.auth.cli_token(code, verifier))
    assert cli.session_token == redeemed.session_token and redeemed.session.session_type == "cli"
    assert (await v(cli.auth.me())).id == me.id
    await h.raises(AuthenticationError, lambda: cli.auth.cli_token(code, verifier))  # single use

    # -- §10: second factors, passkeys, re-authentication
    await second_factors(h)

    # -- §3: organizations, pagination
    org = await v(c.organizations.create("SDK walk"))
    page = await v(c.organizations.list(limit=1))
    assert len(page.organizations) == 1 and page.pagination.has_more
    walked = [o.id for o in await items(c.organizations.iter(limit=1))]
    assert set(walked) == {registered.default_organization_id, org.id} and len(walked) == 2
    assert (await v(c.organizations.get(org.id))).role == "OWNER"
    assert (await v(c.organizations.update(org.id, "SDK walk renamed"))).name == "SDK walk renamed"
    missing = await h.raises(NotFoundError, lambda: c.organizations.get("1"))
    assert (missing.status, missing.code, missing.message) == (404, "NOT_FOUND", "Organization not found")

    # -- members and invitations
    bob, carol, dave = await h.signup("sdk-bob"), await h.signup("sdk-carol"), await h.signup("sdk-dave")
    invitation = await v(c.invitations.create(org.id, bob.email, "MEMBER"))
    assert invitation.id in [i.id for i in (await v(c.invitations.list(org.id))).invitations]
    assert invitation.id in [i.id for i in await items(c.invitations.iter(org.id))]
    assert invitation.id in [i.id for i in (await v(bob.client.users.list_invitations())).invitations]
    assert invitation.id in [i.id for i in await items(bob.client.users.iter_invitations())]
    assert (await v(bob.client.users.accept_invitation(invitation.id))).id == org.id
    declined = await v(c.invitations.create(org.id, carol.email))
    await v(carol.client.users.decline_invitation(declined.id))
    await v(c.invitations.create(org.id, dave.email))
    await v(dave.client.organizations.accept_invitation(mailed_token(sink, dave.email, "/accept-invitation")))
    dropped = await v(c.invitations.create(org.id, unique_email("sdk-nobody")))
    await v(c.invitations.delete(org.id, dropped.id))
    members = {m.user_id: m for m in await items(c.members.iter(org.id, limit=1))}
    assert set(members) == {me.id, bob.id, dave.id}
    assert len((await v(c.members.list(org.id))).members) == 3
    assert (await v(c.members.set_role(org.id, members[bob.id].id, "admin"))).role == "ADMIN"
    await v(c.members.remove(org.id, members[dave.id].id))
    await v(c.organizations.transfer_ownership(org.id, bob.id))
    await v(bob.client.organizations.transfer_ownership(org.id, me.id))
    assert (await v(c.organizations.get(org.id))).role == "OWNER"

    # -- §4: teams
    team = await v(c.teams.create(org.id, "Platform", "runs the platform"))
    assert team.id in [t.id for t in (await v(c.teams.list(org.id))).teams]
    assert team.id in [t.id for t in await items(c.teams.iter(org.id))]
    assert (await v(c.teams.get(org.id, team.id))).name == "Platform"
    assert (await v(c.teams.update(org.id, team.id, description="builds it"))).description == "builds it"
    team_member = await v(c.teams.add_member(org.id, team.id, bob.id))
    assert [m.user_id for m in (await v(c.teams.list_members(org.id, team.id))).members] == [bob.id]
    assert [m.user_id for m in await items(c.teams.iter_members(org.id, team.id))] == [bob.id]
    assert (await v(c.teams.update_member(org.id, team.id, team_member.id, True))).is_manager
    permission = await v(c.teams.grant_permission(org.id, team.id, "ORG_PERM_VAULT_CREATE"))
    listed = (await v(c.teams.list_permissions(org.id, team.id))).permissions
    assert [p.permission for p in listed] == ["ORG_PERM_VAULT_CREATE"]
    await v(c.teams.revoke_permission(org.id, team.id, permission.id))

    # -- §5: vaults and grants
    vault = await v(c.vaults.create(org.id, "production", "policies"))
    duplicate = await h.raises(ConflictError, lambda: c.vaults.create(org.id, "Production"))
    assert duplicate.status == 409 and duplicate.code == "CONFLICT"
    assert vault.id in [x.id for x in (await v(c.vaults.list(org.id))).vaults]
    assert vault.id in [x.id for x in await items(c.vaults.iter(org.id))]
    assert (await v(c.vaults.get(org.id, vault.id))).name == "production"
    assert (await v(c.vaults.get_by_id(vault.id))).organization_id == org.id
    assert (await v(c.vaults.update(org.id, vault.id, description="all of them"))).description == "all of them"
    assert (await v(c.vaults.sync(org.id, vault.id))).id == vault.id
    grant = await v(c.vaults.grant_user(org.id, vault.id, bob.id, "reader"))
    assert bob.id in [g.user_id for g in (await v(c.vaults.list_user_grants(org.id, vault.id))).grants]
    assert bob.id in [g.user_id for g in await items(c.vaults.iter_user_grants(org.id, vault.id))]
    assert (await v(c.vaults.update_user_grant(org.id, vault.id, grant.id, "WRITER"))).role == "WRITER"
    await v(c.vaults.revoke_user_grant(org.id, vault.id, grant.id))
    team_grant = await v(c.vaults.grant_team(org.id, vault.id, team.id, "READER"))
    assert [g.team_id for g in (await v(c.vaults.list_team_grants(org.id, vault.id))).grants] == [team.id]
    assert [g.team_id for g in await items(c.vaults.iter_team_grants(org.id, vault.id))] == [team.id]
    assert (await v(c.vaults.update_team_grant(org.id, vault.id, team_grant.id, "manager"))).role == "MANAGER"
    await v(c.vaults.revoke_team_grant(org.id, vault.id, team_grant.id))
    await v(c.teams.remove_member(org.id, team.id, team_member.id))

    # -- §6: a client, a certificate whose key stays here, tokens
    backend = await v(c.clients.create(org.id, "billing"))
    assert backend.id in [x.id for x in (await v(c.clients.list(org.id))).clients]
    assert backend.id in [x.id for x in await items(c.clients.iter(org.id))]
    assert (await v(c.clients.get(org.id, backend.id))).is_active
    assert (await v(c.clients.update(org.id, backend.id, description="invoices"))).description == "invoices"
    pair = generate_key_pair()
    created = await v(c.certificates.create(org.id, backend.id, "key-1", public_key=pair.public_key_pem))
    assert isinstance(created, CertificateEnvelope) and not isinstance(created, GeneratedCertificateEnvelope)
    certificate = created.certificate
    assert certificate.public_key == pair.public_key_raw
    assert certificate.id in [x.id for x in (await v(c.certificates.list(org.id, backend.id))).certificates]
    assert certificate.id in [x.id for x in await items(c.certificates.iter(org.id, backend.id))]
    assert (await v(c.certificates.get(org.id, backend.id, certificate.id))).kid == certificate.kid
    for jwks in (
        await v(c.tokens.organization_jwks(org.id)),
        await v(c.tokens.organization_well_known_jwks(org.id)),
    ):
        assert certificate.kid in [key.kid for key in jwks.keys]
    service = h.client(ClientCredentials(backend.id, pair.private_key_pem, certificate.kid))
    token = await v(service.vault_token(vault.id, "write"))
    assert await v(service.vault_token(vault.id, "write")) is token  # cached until shortly before expiry
    signing_keys = (await v(service.tokens.jwks())).model_dump()
    header = jwt.get_unverified_header(token.access_token)
    key = jwt.PyJWKSet.from_dict(signing_keys)[header["kid"]]
    claims = jwt.decode(token.access_token, key, algorithms=["EdDSA"], options={"verify_aud": False})
    assert claims["sub"] == f"client:{backend.id}" and claims["vault_id"] == vault.id
    assert claims["vault_role"] == token.vault_role
    refreshed = await v(service.tokens.refresh(token.refresh_token))
    assert refreshed.refresh_token != token.refresh_token
    mine = await v(c.tokens.for_session(org.id, vault.id, requested_role="admin"))
    assert mine.vault_role.lower() == "admin"
    assert (await v(c.tokens.revoke_vault(vault.id))).revoked_count >= 2
    assert (await v(c.certificates.revoke(org.id, backend.id, certificate.id))).revoked_at is not None
    await v(c.certificates.delete(org.id, backend.id, certificate.id))
    assert not (await v(c.clients.deactivate(org.id, backend.id))).is_active
    await v(c.clients.delete(org.id, backend.id))

    # -- §7: audit log (filled from events: wait for them)
    async def vault_events() -> list[Any]:
        return await items(c.audit.iter(org.id, AuditFilters(event_types=["vault_created", "vault_updated"]), limit=1))

    events = await h.eventually(lambda: vault_events(), "vault events in the audit log")
    assert {e.event_type for e in events} <= {"vault_created", "vault_updated"}
    assert len((await v(c.audit.list(org.id, limit=2))).audit_logs) == 2
    exported = b"".join(await items(c.audit.export(org.id, "ndjson")))
    lines = [json.loads(line) for line in exported.decode().splitlines()]
    assert "vault_created" in {line["event_type"] for line in lines}
    csv_text = b"".join(await items(c.audit.export(org.id, "csv", AuditFilters(event_types=["team_created"])))).decode()
    assert "team_created" in csv_text and "vault_created" not in csv_text
    assert (await v(c.users.audit_logs(limit=5))).audit_logs
    assert {e.event_type for e in await items(c.users.iter_audit_logs(limit=2))} >= {"user_login"}

    # -- organization lifecycle
    assert (await v(c.organizations.suspend(org.id))).status == "suspended"
    assert (await v(c.organizations.resume(org.id))).status == "active"
    await v(bob.client.organizations.leave(org.id))
    await v(c.vaults.delete(org.id, vault.id))
    await v(c.teams.delete(org.id, team.id))
    await v(c.organizations.delete(org.id))
    await h.raises(NotFoundError, lambda: c.organizations.get(org.id))

    # -- §8 health
    assert (await v(c.health.ping()))["status"] == "ok"
    assert (await v(c.health.status()))["status"] == "healthy"
    await v(c.health.ready())

    # -- the end of sessions and accounts
    assert (await v(carol.client.auth.revoke_all_sessions())).revoked == 1 and carol.client.session_token is None
    await v(dave.client.users.delete_me())
    await h.raises(AuthenticationError, lambda: dave.client.auth.login(dave.email, PASSWORD))
    await v(c.auth.logout())
    assert c.session_token is None
    await h.raises(AuthenticationError, c.auth.me)
