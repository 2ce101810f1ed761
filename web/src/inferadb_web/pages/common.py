"""What every page module shares: the console of a request, the 404 page, path id checks, loading a
list from the API, and submitting a form to the API (``submit``): sign in again on 401, 303 back with a
flash on success, else the page again with the API's status and message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from inferadb_web.api import ApiResult
from inferadb_web.console import Console, needs_reauthentication, page_path

LIST_LIMIT = "100"

# The page to answer a refused form with, built from the API's answer.
Rerender = Callable[[ApiResult], Awaitable[Response]]


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def not_found(request: Request) -> HTMLResponse:
    return console_of(request).error(request, 404, "Page not found", "There is no page at this address.")


def is_id(*values: str) -> bool:
    """Every value is an id as the API writes them (ASCII digits, at most 20)."""
    return all(value.isascii() and value.isdigit() and len(value) <= 20 for value in values)


async def posted_form(request: Request, *ids: str) -> dict[str, str] | Response:
    """The checked fields of a post whose path carries ``ids``: the 404 page when one is not an id, the
    403 page when the post is cross-site or its CSRF token is wrong."""
    if not is_id(*ids):
        return not_found(request)
    return await console_of(request).form(request)


def form_status(result: ApiResult) -> int:
    """The status a refused form is shown again with: the API's 4xx, else 400."""
    return result.status if 400 <= result.status < 500 else 400


def field_errors(result: ApiResult, field: str) -> dict[str, str]:
    """The API's per-field messages, else its message next to ``field``."""
    return result.details or {field: result.message}


def failed(request: Request, result: ApiResult, title: str, back: str | None = None) -> Response:
    """The page for an API refusal while loading a page: sign in again and come back to ``back`` (by default
    this address: pass the page's own path when a POST may show it again), or the API's own message."""
    console = console_of(request)
    if result.status == 401:
        return console.to_login(back or page_path(request))
    return console.error(request, result.status if result.status >= 400 else 500, title, result.message)


async def listing(request: Request, path: str, key: str) -> list[dict[str, Any]]:
    """The items of one API list (its first ``LIST_LIMIT``); empty when the API refuses it."""
    result = await console_of(request).api.call(request, "GET", path, params={"limit": LIST_LIMIT})
    items = result.data.get(key, []) if result.ok else []
    return [item for item in items if isinstance(item, dict)]


async def submit(
    request: Request,
    method: str,
    path: str,
    *,
    here: str,
    flash: str,
    refused: Rerender,
    json: dict[str, Any] | None = None,
    to: str | Callable[[ApiResult], str] | None = None,
    relay: bool = False,
) -> Response:
    """One form's call to the API. 401: sign in, then back to ``here``. Success: 303 to ``to`` (a path, or
    one made from the answer; ``here`` by default) with ``flash``, relaying the API's cookies when
    ``relay``. Anything else: ``refused(result)``, the page again with the API's message."""
    console = console_of(request)
    result = await console.api.call(request, method, path, json=json)
    if result.status == 401:
        return console.to_login(here)
    if needs_reauthentication(result):
        return console.reauth_prompt(request)
    if result.ok:
        target = to(result) if callable(to) else to or here
        return console.redirect(target, flash=flash, result=result if relay else None)
    return await refused(result)
