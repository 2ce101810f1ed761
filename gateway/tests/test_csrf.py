"""The cross-site check of cookie-authenticated, state-changing requests (issue 13 item 7)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from inferadb_common.config import Settings
from inferadb_gateway.csrf import CrossSiteCheck, origin_of

CHECK = CrossSiteCheck(["https://api.example.com/", "http://console.example.com:8080/app", "https://app.example.com"])


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://API.Example.com", "https://api.example.com"),
        ("https://api.example.com:443/v1/x?y=1", "https://api.example.com"),
        ("http://api.example.com:80", "http://api.example.com"),
        ("http://localhost:3000/", "http://localhost:3000"),
        ("https://api.example.com:8443", "https://api.example.com:8443"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("null", None),
        ("", None),
        ("file:///etc/passwd", None),
        ("chrome-extension://abc", None),
        ("https://", None),
        ("http://host:99999", None),
    ],
)
def test_origin_of(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "origin",
    [
        "https://api.example.com",
        "https://API.example.com:443",
        "http://console.example.com:8080",
        "https://app.example.com",
    ],
)
def test_a_trusted_origin_passes(origin: str) -> None:
    assert not CHECK.refuses(origin, None)
    assert not CHECK.refuses(origin, "cross-site")  # e.g. the listed front-end on another site


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://api.example.com",  # another scheme is another origin
        "https://api.example.com:8443",
        "https://sub.api.example.com",
        "http://console.example.com",  # the port is part of the origin
        "null",
        "",
    ],
)
def test_an_untrusted_origin_is_refused_unless_the_browser_says_same_origin(origin: str) -> None:
    for site in (None, "cross-site", "same-site", "none"):
        assert CHECK.refuses(origin, site), (origin, site)
    # The page is the gateway's own (e.g. /docs served at an address other than public_url).
    assert not CHECK.refuses(origin, "same-origin")


@pytest.mark.parametrize(
    ("site", "refused"),
    [
        (None, False),  # no browser headers at all: a CLI, an SDK, curl
        ("", False),
        ("same-origin", False),
        ("none", False),  # typed or bookmarked by the user
        ("Same-Origin", False),
        ("cross-site", True),
        ("same-site", True),  # a sibling subdomain is not a trusted front-end
        ("something-new", True),
    ],
)
def test_without_an_origin_sec_fetch_site_decides(site: str | None, refused: bool) -> None:
    assert CHECK.refuses(None, site) is refused


def test_trusted_origins_come_from_public_url_frontend_and_cors_list() -> None:
    settings = Settings.model_validate(
        {
            "frontend_base_url": "https://console.example.com/app/",
            "server": {"public_url": "https://api.example.com", "cors_allowed_origins": ["https://spa.example.com"]},
        }
    )
    check = CrossSiteCheck.from_settings(settings)
    assert check.trusted == {"https://api.example.com", "https://console.example.com", "https://spa.example.com"}


def _request(method: str, headers: dict[str, str]) -> Request:
    raw = [(name.encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": method, "path": "/v1/auth/logout", "headers": raw})


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_state_changing_requests_with_the_session_cookie_are_checked(method: str) -> None:
    cookie = {"cookie": "infera_session=sess_x", "origin": "https://evil.example"}
    assert CHECK.refuses_request(_request(method, cookie))
    assert not CHECK.refuses_request(_request(method, {**cookie, "origin": "https://app.example.com"}))


def test_reads_and_requests_without_the_session_cookie_are_not_checked() -> None:
    evil = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    assert not CHECK.refuses_request(_request("GET", {**evil, "cookie": "infera_session=sess_x"}))
    assert not CHECK.refuses_request(_request("OPTIONS", {**evil, "cookie": "infera_session=sess_x"}))
    assert not CHECK.refuses_request(_request("POST", evil))
    assert not CHECK.refuses_request(_request("POST", {**evil, "cookie": "session=sess_x"}))
