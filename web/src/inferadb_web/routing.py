"""Every console route answers its own failures with a page: the API unreachable → the 503 page,
anything unexpected → the 500 page (logged with its traceback; the page shows none of it).

Done in the route, not in an app-level handler: the edge middleware sits between the app and
Starlette's last-resort handler and would answer an escaped exception with a JSON body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from inferadb_web.api import ApiUnavailable

logger = logging.getLogger("inferadb.web")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (StarletteHTTPException, RequestValidationError):
                raise
            except ApiUnavailable as exc:
                logger.warning("%s %s: the API did not answer (%s)", request.method, request.url.path, exc)
                return request.app.state.console.unavailable(request)  # type: ignore[no-any-return]
            except Exception:
                logger.exception("unhandled error on %s %s", request.method, request.url.path)
                return request.app.state.console.error(  # type: ignore[no-any-return]
                    request,
                    500,
                    "Something went wrong",
                    "The console failed to show this page. Try again; if it keeps happening, tell your administrator.",
                )

        return guarded
