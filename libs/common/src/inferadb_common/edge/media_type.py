"""Request bodies are JSON (``application/json`` or ``application/*+json``); the form paths also take
``application/x-www-form-urlencoded``. Anything else is refused with 415 before the app runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from inferadb_common.edge.body_limit import BODY_METHODS
from inferadb_common.edge.layer import HttpMiddleware
from inferadb_common.edge.responses import send_error
from inferadb_common.edge.scope import header

_FORM_TYPE = "application/x-www-form-urlencoded"


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _has_body(scope: Scope) -> bool:
    """A body is declared (a non-zero ``Content-Length``) or streamed (chunked). An unparseable
    length never gets here: :class:`BodyLimitMiddleware` answers it first."""
    chunked = (header(scope, b"transfer-encoding") or "").lower() == "chunked"
    length = header(scope, b"content-length")
    if length is None:
        return chunked
    return chunked or int(length) != 0


class MediaTypeMiddleware(HttpMiddleware):
    def __init__(
        self, app: ASGIApp, *, form_paths: Iterable[str] = (), form_path: Callable[[str], bool] | None = None
    ) -> None:
        """``form_paths``, and any path ``form_path`` accepts (the console's pages), also take form bodies."""
        super().__init__(app)
        self.form_paths = frozenset(form_paths)
        self.form_path = form_path

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in BODY_METHODS and _has_body(scope):
            media = _media(header(scope, b"content-type") or "")
            if not (_is_json(media) or (media == _FORM_TYPE and self._takes_form(scope["path"]))):
                await send_error(send, 415, "Unsupported media type: use application/json", "UNSUPPORTED_MEDIA_TYPE")
                return
        await self.app(scope, receive, send)

    def _takes_form(self, path: str) -> bool:
        return path in self.form_paths or (self.form_path is not None and self.form_path(path))
