"""CSRF at the gateway (issue 13 item 7): a bodiless POST needs no content type and no CORS preflight,
so a cookie-authenticated, state-changing request that a browser sent from another site is refused
with 403 ``CSRF_REJECTED`` before it reaches a service. Same-origin, listed front-ends and clients
that send neither ``Origin`` nor ``Sec-Fetch-Site`` (CLI, SDK) pass."""

from __future__ import annotations

import httpx

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory

from .conftest import FAST_HASHING, register

FRONT_END = "https://app.example.com"  # server.cors_allowed_origins
CROSS_SITE = [
    {"origin": "https://evil.example"},
    {"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    {"origin": "null"},
    {"sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "same-site"},
]


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == {
        "error": "Cross-site request refused",
        "code": "CSRF_REJECTED",
        "request_id": response.headers["x-request-id"],
    }


def test_cross_site_state_changes_with_the_session_cookie_are_refused(
    stack_factory: StackFactory, isolated_nats_server: NatsServer
) -> None:
    stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env=FAST_HASHING | {"INFERADB_MGMT__SERVER__CORS_ALLOWED_ORIGINS": FRONT_END},
    )
    base = stack.gateway_url
    victim = register(base, "csrf-victim@example.com")
    refused_ids: list[str] = []
    with httpx.Client(base_url=base, timeout=30, cookies={"infera_session": victim.session}) as http:
        sessions = http.get("/v1/users/sessions").json()["sessions"]
        assert len(sessions) == 1
        for headers in CROSS_SITE:
            # Empty-body POSTs (no content type at all): the hole SameSite=Lax alone left open.
            for path in ("/v1/auth/logout", "/v1/auth/sessions/revoke-all", "/v1/users/sessions/revoke-others"):
                response = http.post(path, headers=headers)
                _assert_refused(response)
                refused_ids.append(response.headers["x-request-id"])
            _assert_refused(http.delete(f"/v1/users/sessions/{sessions[0]['id']}", headers=headers))
            _assert_refused(http.patch("/v1/users/me", json={"name": "Mallory"}, headers=headers))
            _assert_refused(http.delete(f"/v1/organizations/{victim.default_org}", headers=headers))
        # Nothing happened: the session lives, the name is unchanged, and auth never saw the requests.
        me = http.get("/v1/users/me", headers={"origin": "https://evil.example"})  # reads are not checked
        assert me.status_code == 200 and me.json()["user"]["name"] == "Pat Doe"
        assert [s["id"] for s in http.get("/v1/users/sessions").json()["sessions"]] == [sessions[0]["id"]]
        auth_log = stack.process("auth").log_text()
        assert not [request_id for request_id in refused_ids if request_id in auth_log]

        # Same origin (server.public_url), the listed front-end, frontend_base_url, and what the
        # browser itself calls same-origin or user-initiated, all pass.
        for number, headers in enumerate(
            [
                {"origin": base},
                {"origin": FRONT_END},
                {"origin": "http://frontend.test"},  # the stack's frontend_base_url
                {"sec-fetch-site": "same-origin"},
                {"sec-fetch-site": "none"},
                {"origin": "https://elsewhere.example", "sec-fetch-site": "same-origin"},
                {},  # no browser headers: a CLI or SDK
            ]
        ):
            renamed = http.patch("/v1/users/me", json={"name": f"Pat {number}"}, headers=headers)
            assert renamed.status_code == 200, (headers, renamed.text)
        # Routes that take no session do not look at the cookie, so they are not checked either.
        login = http.post(
            "/v1/auth/login/password",
            json={"email": "csrf-victim@example.com", "password": "wrong password here"},
            headers={"origin": "https://evil.example"},
        )
        assert login.status_code == 401 and login.json()["code"] == "INVALID_CREDENTIALS"

        # The listed front-end logs out cross-origin, with CORS headers on the answer.
        logout = http.post("/v1/auth/logout", headers={"origin": FRONT_END, "sec-fetch-site": "cross-site"})
        assert logout.status_code == 200, logout.text
        assert logout.headers["access-control-allow-origin"] == FRONT_END
        assert http.get("/v1/users/me").status_code == 401

    # A client without Origin or Sec-Fetch-Site (curl, the CLI) logs out with an empty POST.
    cli = register(base, "csrf-cli@example.com")
    with httpx.Client(base_url=base, timeout=30, cookies={"infera_session": cli.session}) as http:
        assert http.post("/v1/auth/logout").status_code == 200
        assert http.get("/v1/users/me").status_code == 401
