"""Findings of a review of the console, in process against a stand-in API: where ``?next=`` may lead,
ids in page addresses, a token lifetime in non-ASCII digits, where a session that ends mid-form sends
the browser back to."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from inferadb_common.bus import Bus
from inferadb_common.config import Settings
from inferadb_common.identity import IdentitySigner
from inferadb_common.runtime import ServiceContext
from inferadb_web.api import ApiClient
from inferadb_web.app import build_app
from inferadb_web.console import safe_next
from inferadb_web.state import WebState

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
ORG = {"id": "1", "name": "Acme", "role": "OWNER", "status": "active"}


class StandInApi:
    """Answers the console's API calls from ``answers`` (method and path → status and body) and records them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.answers: dict[tuple[str, str], list[tuple[int, dict[str, object]]]] = {}

    def answer(self, method: str, path: str, *answers: tuple[int, dict[str, object]]) -> None:
        self.answers[(method, path)] = list(answers)

    async def handle(self, request: web.Request) -> web.Response:
        key = (request.method, request.path)
        self.calls.append(key)
        queued = self.answers.get(key)
        if queued:
            status, body = queued.pop(0) if len(queued) > 1 else queued[0]
            return web.json_response(body, status=status)
        if key == ("GET", "/v1/organizations/1"):
            return web.json_response({"organization": ORG})
        if key == ("GET", "/v1/organizations/1/vaults/2"):
            return web.json_response({"vault": {"id": "2", "name": "Main", "sync_status": "SYNCED"}})
        if key == ("GET", "/v1/auth/me"):
            return web.json_response({"user": {"id": "9"}})
        return web.json_response({})


@pytest.fixture
async def console() -> AsyncIterator[tuple[httpx.AsyncClient, StandInApi]]:
    settings = Settings.model_validate({"auth": {"key_encryption_secret": "s" * 40}})
    ctx = ServiceContext("web", settings, Bus(settings.nats, name="web-test"), IdentitySigner(b"s" * 40))
    stand_in = StandInApi()
    server = web.Application()
    server.router.add_route("*", "/{path:.*}", stand_in.handle)
    async with TestServer(server, host="127.0.0.1") as api_server:
        api = ApiClient(str(api_server.make_url("")), 1.0)
        transport = httpx.ASGITransport(app=build_app(ctx, WebState(api=api)))
        async with httpx.AsyncClient(transport=transport, base_url="https://console.test") as client:
            yield client, stand_in
        await api.close()


async def _token(client: httpx.AsyncClient) -> str:
    match = CSRF_INPUT.search((await client.get("/login")).text)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    "value",
    ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\x00x", "/\x7f", "//evil.example", "/\\evil"],
)
def test_next_with_a_control_character_or_a_second_slash_is_not_a_local_path(value: str) -> None:
    assert safe_next(value) == "/orgs"


def test_next_keeps_a_local_path_with_its_query() -> None:
    assert safe_next("/orgs/1/audit?actor=2&from=2026-01-01") == "/orgs/1/audit?actor=2&from=2026-01-01"


async def test_an_id_in_non_ascii_digits_is_not_found_without_asking_the_api(
    console: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    client, api = console
    token = await _token(client)
    for path in ("/orgs/\u0661/vaults", "/orgs/1/vaults/\u0662/tokens", "/orgs/1/clients/\u00b2/delete"):
        answer = await client.post(path, data={"csrf_token": token})
        assert answer.status_code == 404 and "<h1>Page not found</h1>" in answer.text, path
    assert api.calls == []


async def test_a_token_lifetime_in_non_ascii_digits_is_a_field_error_not_a_500(
    console: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    client, api = console
    token = await _token(client)
    data = {"csrf_token": token, "requested_role": "read", "access_token_ttl": "\u00b2"}
    answer = await client.post("/orgs/1/vaults/2/tokens", data=data)
    assert answer.status_code == 400
    assert "Enter a whole number of seconds" in answer.text
    assert ("POST", "/v1/organizations/1/vaults/2/tokens") not in api.calls


async def test_a_session_ending_while_a_refused_form_is_shown_again_comes_back_to_a_page(
    console: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    """The grant is refused, then the session is gone when the vault page is loaded again: sign in and come
    back to the organization, never to the address the form posted to (a GET there is a 405)."""
    client, api = console
    token = await _token(client)
    api.answer("POST", "/v1/organizations/1/vaults/2/user-grants", (422, {"error": "Unknown user"}))
    api.answer("GET", "/v1/organizations/1", (401, {"error": "Not signed in"}))
    answer = await client.post("/orgs/1/vaults/2/grants/user", data={"csrf_token": token, "user_id": "5"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/orgs/1"


async def test_a_session_ending_before_the_vault_is_loaded_again_comes_back_to_the_vault(
    console: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    client, api = console
    token = await _token(client)
    api.answer("PATCH", "/v1/organizations/1/vaults/2/user-grants/7", (422, {"error": "Unknown role"}))
    api.answer("GET", "/v1/organizations/1/vaults/2", (401, {"error": "Not signed in"}))
    data = {"csrf_token": token, "role": "OWNER", "action": "update"}
    answer = await client.post("/orgs/1/vaults/2/grants/user/7", data=data)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/orgs/1/vaults/2"


async def test_a_refused_form_is_shown_again_with_the_apis_field_message(
    console: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    client, api = console
    token = await _token(client)
    details = {"error": "Invalid request", "details": {"name": "Name is taken"}}
    api.answer("POST", "/v1/organizations/1/vaults", (409, details))
    answer = await client.post("/orgs/1/vaults", data={"csrf_token": token, "name": "Main", "description": " "})
    assert answer.status_code == 409
    assert "Name is taken" in answer.text
    sent = [call for call in api.calls if call == ("POST", "/v1/organizations/1/vaults")]
    assert len(sent) == 1


async def test_a_form_whose_session_has_ended_goes_to_sign_in_and_back(
    console: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    client, api = console
    token = await _token(client)
    api.answer("DELETE", "/v1/organizations/1/clients/3", (401, {"error": "Not signed in"}))
    answer = await client.post("/orgs/1/clients/3/delete", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/orgs/1/clients/3"
    assert "infera_flash=session_expired" in answer.headers["set-cookie"]


async def test_a_post_without_its_csrf_token_changes_nothing(console: tuple[httpx.AsyncClient, StandInApi]) -> None:
    client, api = console
    await _token(client)
    for path in ("/orgs/1/vaults", "/orgs/1/members/4/remove", "/account/delete", "/orgs/1/delete"):
        answer = await client.post(path, data={"name": "x"})
        assert answer.status_code == 403 and "<h1>Request refused</h1>" in answer.text, path
    assert api.calls == []


async def test_the_callers_id_is_asked_once_per_session_while_every_page_still_asks_the_api(
    console: tuple[httpx.AsyncClient, StandInApi],
) -> None:
    client, api = console
    client.cookies.set("infera_session", "sess_review")
    me = {"id": "5", "user_id": "9", "name": "Ann", "email": "ann@example.com", "role": "OWNER"}
    api.answer("GET", "/v1/organizations/1/members", (200, {"members": [me]}))
    for _ in range(2):
        page = await client.get("/orgs/1/members")
        assert page.status_code == 200
        assert "Ann (you)" in page.text
    assert api.calls.count(("GET", "/v1/auth/me")) == 1
    assert api.calls.count(("GET", "/v1/organizations/1")) == 2
    api.answer("GET", "/v1/organizations/1", (401, {"error": "Not signed in"}))
    ended = await client.get("/orgs/1/members")
    assert ended.status_code == 303
    assert ended.headers["location"] == "/login?next=/orgs/1/members"
