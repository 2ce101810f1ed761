"""The public route table: every path the gateway serves, which service owns it, what auth it needs.

This table is the single source for routing, metrics labels, 404/405 answers, the OpenAPI
document and the generated security tests (isolation and role matrix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class AuthMode(StrEnum):
    NONE = "none"  # no session needed (a cookie, if any, is ignored)
    OPTIONAL = "optional"  # a valid session is passed on when present
    SESSION = "session"  # 401 Invalid session at the gateway without one


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    service: str
    auth: AuthMode
    org_scoped: bool = False
    form: bool = False  # accepts application/x-www-form-urlencoded
    oauth: bool = False  # every error in RFC 6749's form (api.md §6)

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.path)


_PARAM = re.compile(r"\{([a-z_]+)\}")


def _compile(template: str) -> re.Pattern[str]:
    regex = ""
    last = 0
    for match in _PARAM.finditer(template):
        regex += re.escape(template[last : match.start()]) + f"(?P<{match.group(1)}>[^/]+)"
        last = match.end()
    return re.compile("^" + regex + re.escape(template[last:]) + "$")


S, N, OPT = AuthMode.SESSION, AuthMode.NONE, AuthMode.OPTIONAL
ORG = "/v1/organizations/{org}"


def _r(method: str, path: str, service: str, auth: AuthMode = S, *, form: bool = False, oauth: bool = False) -> Route:
    return Route(method, path, service, auth, org_scoped=path.startswith(ORG), form=form, oauth=oauth)


ROUTES: tuple[Route, ...] = (
    # auth (api.md §2)
    _r("POST", "/v1/auth/register", "auth", N),
    _r("POST", "/v1/auth/login/password", "auth", N),
    _r("POST", "/v1/auth/logout", "auth", OPT),
    _r("POST", "/v1/auth/verify-email", "auth", N),
    _r("POST", "/v1/auth/email-verification/resend", "auth", N),
    _r("POST", "/v1/auth/password-reset/request", "auth", N),
    _r("POST", "/v1/auth/password-reset/confirm", "auth", N),
    _r("GET", "/v1/auth/me", "auth"),
    _r("GET", "/v1/users/me", "auth"),
    _r("PATCH", "/v1/users/me", "auth"),
    _r("DELETE", "/v1/users/me", "auth"),
    _r("POST", "/v1/users/me/password", "auth"),
    _r("GET", "/v1/users/emails", "auth"),
    _r("POST", "/v1/users/emails", "auth"),
    _r("PATCH", "/v1/users/emails/{email}", "auth"),
    _r("DELETE", "/v1/users/emails/{email}", "auth"),
    _r("POST", "/v1/users/emails/{email}/resend-verification", "auth"),
    _r("GET", "/v1/users/sessions", "auth"),
    _r("DELETE", "/v1/users/sessions/{session}", "auth"),
    _r("POST", "/v1/auth/sessions/{session}/revoke", "auth"),
    _r("POST", "/v1/users/sessions/revoke-others", "auth"),
    _r("POST", "/v1/auth/sessions/revoke-all", "auth"),
    _r("POST", "/v1/auth/cli/authorize", "auth"),
    _r("POST", "/v1/auth/cli/token", "auth", N),
    # organizations, members, invitations (§3)
    _r("POST", "/v1/organizations", "orgs"),
    _r("GET", "/v1/organizations", "orgs"),
    _r("GET", ORG, "orgs"),
    _r("PATCH", ORG, "orgs"),
    _r("DELETE", ORG, "orgs"),
    _r("POST", f"{ORG}/suspend", "orgs"),
    _r("POST", f"{ORG}/resume", "orgs"),
    _r("POST", f"{ORG}/transfer-ownership", "orgs"),
    _r("GET", f"{ORG}/members", "orgs"),
    _r("PATCH", f"{ORG}/members/{{member}}", "orgs"),
    _r("DELETE", f"{ORG}/members/{{member}}", "orgs"),
    _r("POST", f"{ORG}/leave", "orgs"),
    _r("POST", f"{ORG}/invitations", "orgs"),
    _r("GET", f"{ORG}/invitations", "orgs"),
    _r("DELETE", f"{ORG}/invitations/{{invitation}}", "orgs"),
    _r("POST", "/v1/organizations/invitations/accept", "orgs"),
    _r("GET", "/v1/users/me/invitations", "orgs"),
    _r("POST", "/v1/users/me/invitations/{invitation}/accept", "orgs"),
    _r("POST", "/v1/users/me/invitations/{invitation}/decline", "orgs"),
    # teams (§4)
    _r("POST", f"{ORG}/teams", "orgs"),
    _r("GET", f"{ORG}/teams", "orgs"),
    _r("GET", f"{ORG}/teams/{{team}}", "orgs"),
    _r("PATCH", f"{ORG}/teams/{{team}}", "orgs"),
    _r("DELETE", f"{ORG}/teams/{{team}}", "orgs"),
    _r("POST", f"{ORG}/teams/{{team}}/members", "orgs"),
    _r("GET", f"{ORG}/teams/{{team}}/members", "orgs"),
    _r("PATCH", f"{ORG}/teams/{{team}}/members/{{member}}", "orgs"),
    _r("DELETE", f"{ORG}/teams/{{team}}/members/{{member}}", "orgs"),
    _r("POST", f"{ORG}/teams/{{team}}/permissions", "orgs"),
    _r("GET", f"{ORG}/teams/{{team}}/permissions", "orgs"),
    _r("DELETE", f"{ORG}/teams/{{team}}/permissions/{{permission}}", "orgs"),
    # vaults and grants (§5)
    _r("POST", f"{ORG}/vaults", "orgs"),
    _r("GET", f"{ORG}/vaults", "orgs"),
    _r("GET", f"{ORG}/vaults/{{vault}}", "orgs"),
    _r("GET", "/v1/vaults/{vault}", "orgs"),
    _r("PATCH", f"{ORG}/vaults/{{vault}}", "orgs"),
    _r("DELETE", f"{ORG}/vaults/{{vault}}", "orgs"),
    _r("POST", f"{ORG}/vaults/{{vault}}/user-grants", "orgs"),
    _r("GET", f"{ORG}/vaults/{{vault}}/user-grants", "orgs"),
    _r("PATCH", f"{ORG}/vaults/{{vault}}/user-grants/{{grant}}", "orgs"),
    _r("DELETE", f"{ORG}/vaults/{{vault}}/user-grants/{{grant}}", "orgs"),
    _r("POST", f"{ORG}/vaults/{{vault}}/team-grants", "orgs"),
    _r("GET", f"{ORG}/vaults/{{vault}}/team-grants", "orgs"),
    _r("PATCH", f"{ORG}/vaults/{{vault}}/team-grants/{{grant}}", "orgs"),
    _r("DELETE", f"{ORG}/vaults/{{vault}}/team-grants/{{grant}}", "orgs"),
    # clients, certificates, tokens, JWKS (§6)
    _r("POST", f"{ORG}/clients", "orgs"),
    _r("GET", f"{ORG}/clients", "orgs"),
    _r("GET", f"{ORG}/clients/{{client}}", "orgs"),
    _r("PATCH", f"{ORG}/clients/{{client}}", "orgs"),
    _r("DELETE", f"{ORG}/clients/{{client}}", "orgs"),
    _r("POST", f"{ORG}/clients/{{client}}/deactivate", "orgs"),
    _r("POST", f"{ORG}/clients/{{client}}/certificates", "orgs"),
    _r("GET", f"{ORG}/clients/{{client}}/certificates", "orgs"),
    _r("GET", f"{ORG}/clients/{{client}}/certificates/{{certificate}}", "orgs"),
    _r("POST", f"{ORG}/clients/{{client}}/certificates/{{certificate}}/revoke", "orgs"),
    _r("DELETE", f"{ORG}/clients/{{client}}/certificates/{{certificate}}", "orgs"),
    _r("POST", f"{ORG}/vaults/{{vault}}/tokens", "orgs"),
    _r("POST", "/v1/token", "orgs", N, form=True, oauth=True),
    _r("POST", "/v1/tokens/refresh", "orgs", N, oauth=True),
    _r("POST", "/v1/tokens/revoke/vault/{vault}", "orgs"),
    _r("GET", "/.well-known/jwks.json", "orgs", N),
    _r("GET", f"{ORG}/jwks.json", "orgs", N),
    _r("GET", f"{ORG}/.well-known/jwks.json", "orgs", N),
    # audit (§7)
    _r("GET", f"{ORG}/audit-logs", "audit"),
    _r("GET", f"{ORG}/audit-logs/export", "audit"),
    _r("GET", "/v1/users/me/audit-logs", "audit"),
)


@dataclass(frozen=True, slots=True)
class Match:
    route: Route | None
    method_allowed: bool


class RouteTable:
    """Finds the route for a method and path; literal segments win over parameters."""

    def __init__(self, routes: tuple[Route, ...] = ROUTES) -> None:
        # Literal-first order: '/v1/organizations/invitations/accept' beats '/v1/organizations/{org}/…'.
        self._routes = sorted(routes, key=lambda r: (r.path.count("{"), -len(r.path)))
        self._compiled = [(route, route.pattern) for route in self._routes]

    def match(self, method: str, path: str) -> Match:
        path_matched = False
        for route, pattern in self._compiled:
            if pattern.match(path):
                if route.method == method:
                    return Match(route, True)
                path_matched = True
        return Match(None, not path_matched)

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)
