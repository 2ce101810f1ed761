"""The public route manifest: every route of api.md §2-§7 and §10, declared once.

Everything else that needs to know which routes exist is derived from :data:`ROUTES`: the
gateway's route table (routing, metrics labels, 404/405 answers, the session check), the public
OpenAPI document, the routes on which the orgs service accepts forms and answers errors in RFC 6749's
form, and the generated security tests (role matrix, tenant isolation). Tests prove the manifest
equal to the route tables of api.md and to what each service's FastAPI app serves.

**Adding a route is one line here plus its handler** in the owning service's router (under the
same path template, parameter names included). Nothing else lists routes; if a test then fails,
it names what the new route still lacks (a role-matrix case, a line of api.md).

A line names what the defaults do not say: ``auth`` (default: a session), ``body`` (default: none),
the ``rate_limits`` the route counts against, the orgs policy ``action`` its handler authorizes
(the value of ``inferadb_orgs.policy.Action``), ``oauth`` for the RFC 6749 routes and ``recent`` for
the routes that need a recent sign-in or re-authentication (api.md §10, enforced by the gateway).
"""

from __future__ import annotations

from inferadb_common.routes.route import ORGANIZATION_PATH as ORG
from inferadb_common.routes.route import AuthMode, Body, RateLimit, Route, Service

AUTH, ORGS, AUDIT = Service.AUTH, Service.ORGS, Service.AUDIT
PUBLIC, OPTIONAL = AuthMode.NONE, AuthMode.OPTIONAL
JSON, FORM = Body.JSON, Body.FORM
_L = RateLimit

ROUTES: tuple[Route, ...] = (
    # auth (api.md §2)
    Route("POST", "/v1/auth/register", AUTH, PUBLIC, JSON, (_L.REGISTRATION, _L.EMAIL_VERIFICATION)),
    Route("POST", "/v1/auth/login/password", AUTH, PUBLIC, JSON, (_L.LOGIN,)),
    Route("POST", "/v1/auth/logout", AUTH, OPTIONAL),
    Route("POST", "/v1/auth/verify-email", AUTH, PUBLIC, JSON),
    Route("POST", "/v1/auth/email-verification/resend", AUTH, PUBLIC, JSON, (_L.EMAIL_VERIFICATION,)),
    Route("POST", "/v1/auth/password-reset/request", AUTH, PUBLIC, JSON, (_L.PASSWORD_RESET,)),
    Route("POST", "/v1/auth/password-reset/confirm", AUTH, PUBLIC, JSON),
    Route("GET", "/v1/auth/me", AUTH),
    Route("GET", "/v1/users/me", AUTH),
    Route("PATCH", "/v1/users/me", AUTH, body=JSON),
    Route("DELETE", "/v1/users/me", AUTH, recent=True),
    Route("POST", "/v1/users/me/password", AUTH, body=JSON, rate_limits=(_L.PASSWORD_CHANGE,), recent=True),
    Route("GET", "/v1/users/emails", AUTH),
    Route("POST", "/v1/users/emails", AUTH, body=JSON, rate_limits=(_L.EMAIL_VERIFICATION,), recent=True),
    Route("PATCH", "/v1/users/emails/{email}", AUTH, body=JSON, recent=True),
    Route("DELETE", "/v1/users/emails/{email}", AUTH, recent=True),
    Route(
        "POST", "/v1/users/emails/{email}/resend-verification", AUTH, rate_limits=(_L.EMAIL_VERIFICATION,), recent=True
    ),
    Route("GET", "/v1/users/sessions", AUTH),
    Route("DELETE", "/v1/users/sessions/{session}", AUTH),
    Route("POST", "/v1/auth/sessions/{session}/revoke", AUTH),
    Route("POST", "/v1/users/sessions/revoke-others", AUTH),
    Route("POST", "/v1/auth/sessions/revoke-all", AUTH),
    Route("POST", "/v1/auth/cli/authorize", AUTH, body=JSON),
    Route("POST", "/v1/auth/cli/token", AUTH, PUBLIC, JSON),
    # second factors, passkeys and re-authentication (§10)
    Route("GET", "/v1/users/me/mfa", AUTH),
    Route("POST", "/v1/users/me/mfa/totp", AUTH, recent=True),
    Route("POST", "/v1/users/me/mfa/totp/confirm", AUTH, body=JSON, recent=True),
    Route("DELETE", "/v1/users/me/mfa/totp", AUTH, recent=True),
    Route("POST", "/v1/users/me/mfa/recovery-codes", AUTH, recent=True),
    Route("POST", "/v1/auth/login/mfa", AUTH, PUBLIC, JSON, (_L.LOGIN,)),
    Route("POST", "/v1/users/me/passkeys/register/begin", AUTH, body=JSON, recent=True),
    Route("POST", "/v1/users/me/passkeys/register/finish", AUTH, body=JSON, recent=True),
    Route("GET", "/v1/users/me/passkeys", AUTH),
    Route("DELETE", "/v1/users/me/passkeys/{passkey}", AUTH, recent=True),
    Route("POST", "/v1/auth/passkey/begin", AUTH, PUBLIC, JSON, (_L.LOGIN,)),
    Route("POST", "/v1/auth/passkey/finish", AUTH, PUBLIC, JSON, (_L.LOGIN,)),
    Route("POST", "/v1/auth/reauthenticate", AUTH, body=JSON, rate_limits=(_L.LOGIN,)),
    # organizations, members, invitations (§3)
    Route("POST", "/v1/organizations", ORGS, body=JSON),
    Route("GET", "/v1/organizations", ORGS),
    Route("GET", ORG, ORGS, action="organization.read"),
    Route("PATCH", ORG, ORGS, body=JSON, action="organization.update"),
    Route("DELETE", ORG, ORGS, action="organization.delete", recent=True),
    Route("POST", f"{ORG}/suspend", ORGS, action="organization.suspend"),
    Route("POST", f"{ORG}/resume", ORGS, action="organization.resume"),
    Route("POST", f"{ORG}/transfer-ownership", ORGS, body=JSON, action="organization.transfer_ownership", recent=True),
    Route("GET", f"{ORG}/members", ORGS, action="member.read"),
    Route("PATCH", f"{ORG}/members/{{member}}", ORGS, body=JSON, action="member.update"),
    Route("DELETE", f"{ORG}/members/{{member}}", ORGS, action="member.remove"),
    Route("POST", f"{ORG}/leave", ORGS, action="member.leave"),
    Route("POST", f"{ORG}/invitations", ORGS, body=JSON, action="invitation.create"),
    Route("GET", f"{ORG}/invitations", ORGS, action="invitation.read"),
    Route("DELETE", f"{ORG}/invitations/{{invitation}}", ORGS, action="invitation.revoke"),
    Route("POST", "/v1/organizations/invitations/accept", ORGS, body=JSON),
    Route("GET", "/v1/users/me/invitations", ORGS),
    Route("POST", "/v1/users/me/invitations/{invitation}/accept", ORGS),
    Route("POST", "/v1/users/me/invitations/{invitation}/decline", ORGS),
    # teams (§4)
    Route("POST", f"{ORG}/teams", ORGS, body=JSON, action="team.create"),
    Route("GET", f"{ORG}/teams", ORGS, action="team.read"),
    Route("GET", f"{ORG}/teams/{{team}}", ORGS, action="team.read"),
    Route("PATCH", f"{ORG}/teams/{{team}}", ORGS, body=JSON, action="team.update"),
    Route("DELETE", f"{ORG}/teams/{{team}}", ORGS, action="team.delete"),
    Route("POST", f"{ORG}/teams/{{team}}/members", ORGS, body=JSON, action="team.manage_members"),
    Route("GET", f"{ORG}/teams/{{team}}/members", ORGS, action="team.read"),
    Route("PATCH", f"{ORG}/teams/{{team}}/members/{{member}}", ORGS, body=JSON, action="team.manage_members"),
    Route("DELETE", f"{ORG}/teams/{{team}}/members/{{member}}", ORGS, action="team.manage_members"),
    Route("POST", f"{ORG}/teams/{{team}}/permissions", ORGS, body=JSON, action="team_permission.manage"),
    Route("GET", f"{ORG}/teams/{{team}}/permissions", ORGS, action="team_permission.read"),
    Route("DELETE", f"{ORG}/teams/{{team}}/permissions/{{permission}}", ORGS, action="team_permission.manage"),
    # vaults and grants (§5)
    Route("POST", f"{ORG}/vaults", ORGS, body=JSON, action="vault.create"),
    Route("GET", f"{ORG}/vaults", ORGS, action="vault.read"),
    Route("GET", f"{ORG}/vaults/{{vault}}", ORGS, action="vault.read"),
    Route("GET", "/v1/vaults/{vault}", ORGS, action="vault.read"),
    Route("PATCH", f"{ORG}/vaults/{{vault}}", ORGS, body=JSON, action="vault.update"),
    Route("DELETE", f"{ORG}/vaults/{{vault}}", ORGS, action="vault.delete"),
    Route("POST", f"{ORG}/vaults/{{vault}}/sync", ORGS, action="vault.sync"),  # engine.md E4
    Route("POST", f"{ORG}/vaults/{{vault}}/user-grants", ORGS, body=JSON, action="vault_grant.manage"),
    Route("GET", f"{ORG}/vaults/{{vault}}/user-grants", ORGS, action="vault_grant.read"),
    Route("PATCH", f"{ORG}/vaults/{{vault}}/user-grants/{{grant}}", ORGS, body=JSON, action="vault_grant.manage"),
    Route("DELETE", f"{ORG}/vaults/{{vault}}/user-grants/{{grant}}", ORGS, action="vault_grant.manage"),
    Route("POST", f"{ORG}/vaults/{{vault}}/team-grants", ORGS, body=JSON, action="vault_grant.manage"),
    Route("GET", f"{ORG}/vaults/{{vault}}/team-grants", ORGS, action="vault_grant.read"),
    Route("PATCH", f"{ORG}/vaults/{{vault}}/team-grants/{{grant}}", ORGS, body=JSON, action="vault_grant.manage"),
    Route("DELETE", f"{ORG}/vaults/{{vault}}/team-grants/{{grant}}", ORGS, action="vault_grant.manage"),
    # clients, certificates, tokens, JWKS (§6)
    Route("POST", f"{ORG}/clients", ORGS, body=JSON, action="client.create"),
    Route("GET", f"{ORG}/clients", ORGS, action="client.read"),
    Route("GET", f"{ORG}/clients/{{client}}", ORGS, action="client.read"),
    Route("PATCH", f"{ORG}/clients/{{client}}", ORGS, body=JSON, action="client.update"),
    Route("DELETE", f"{ORG}/clients/{{client}}", ORGS, action="client.delete"),
    Route("POST", f"{ORG}/clients/{{client}}/deactivate", ORGS, action="client.update"),
    Route("POST", f"{ORG}/clients/{{client}}/certificates", ORGS, body=JSON, action="certificate.create"),
    Route("GET", f"{ORG}/clients/{{client}}/certificates", ORGS, action="certificate.read"),
    Route("GET", f"{ORG}/clients/{{client}}/certificates/{{certificate}}", ORGS, action="certificate.read"),
    Route("POST", f"{ORG}/clients/{{client}}/certificates/{{certificate}}/revoke", ORGS, action="certificate.revoke"),
    Route("DELETE", f"{ORG}/clients/{{client}}/certificates/{{certificate}}", ORGS, action="certificate.delete"),
    Route("POST", f"{ORG}/vaults/{{vault}}/tokens", ORGS, body=JSON, action="vault.read"),
    Route("POST", "/v1/token", ORGS, PUBLIC, FORM, (_L.TOKEN,), oauth=True),
    Route("POST", "/v1/tokens/refresh", ORGS, PUBLIC, JSON, oauth=True),
    Route("POST", "/v1/tokens/revoke/vault/{vault}", ORGS),
    Route("GET", "/.well-known/jwks.json", ORGS, PUBLIC),
    Route("GET", f"{ORG}/jwks.json", ORGS, PUBLIC),
    Route("GET", f"{ORG}/.well-known/jwks.json", ORGS, PUBLIC),
    # audit (§7)
    Route("GET", f"{ORG}/audit-logs", AUDIT),
    Route("GET", f"{ORG}/audit-logs/export", AUDIT),
    Route("GET", "/v1/users/me/audit-logs", AUDIT),
)


def routes_of(service: Service) -> tuple[Route, ...]:
    return tuple(route for route in ROUTES if route.service is service)
