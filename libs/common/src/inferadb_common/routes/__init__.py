"""The public routes: what a route is (:mod:`.route`) and the one list of them (:mod:`.manifest`)."""

from inferadb_common.routes.manifest import ROUTES, routes_of
from inferadb_common.routes.route import ORGANIZATION_PATH, AuthMode, Body, RateLimit, Route, Service

__all__ = ["ORGANIZATION_PATH", "ROUTES", "AuthMode", "Body", "RateLimit", "Route", "Service", "routes_of"]
