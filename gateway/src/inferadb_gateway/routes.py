"""The gateway's route table: the route manifest (``inferadb_common.routes``) compiled for matching.

Which routes exist, which service owns each and what auth it needs is declared once, in the
manifest; this module only finds the route of a request (routing, metrics labels, 404/405 answers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from inferadb_common.routes import ROUTES, Route

_PARAM = re.compile(r"\{([a-z_]+)\}")


def path_pattern(template: str) -> re.Pattern[str]:
    """``/v1/vaults/{vault}`` → a regex capturing ``vault``; a parameter is one non-empty segment."""
    regex = ""
    last = 0
    for match in _PARAM.finditer(template):
        regex += re.escape(template[last : match.start()]) + f"(?P<{match.group(1)}>[^/]+)"
        last = match.end()
    return re.compile("^" + regex + re.escape(template[last:]) + "$")


@dataclass(frozen=True, slots=True)
class Match:
    route: Route | None
    method_allowed: bool


class RouteTable:
    """Finds the route for a method and path; literal segments win over parameters.

    The patterns are compiled once, when the table is built (the gateway builds one at start-up).
    """

    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        # Literal-first order: '/v1/organizations/invitations/accept' beats '/v1/organizations/{org}/…'.
        self._routes = tuple(sorted(routes, key=lambda r: (r.path.count("{"), -len(r.path))))
        self._compiled = [(route, path_pattern(route.path)) for route in self._routes]

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
        return self._routes
