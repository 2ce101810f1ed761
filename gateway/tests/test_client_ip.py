"""Client IP (api.md §1.4): the socket peer, or the right-most untrusted X-Forwarded-For hop behind a trusted proxy;
for the console's API calls, the browser IP the gateway signed (ConsoleClientIp)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest

from inferadb_common.identity import derive_key
from inferadb_gateway.client_ip import (
    CONSOLE_CLIENT_IP_HEADER,
    CONSOLE_CLIENT_IP_TTL_SECONDS,
    ConsoleClientIp,
    _b64,
    client_ip,
    parse_networks,
)
from inferadb_gateway.console import console_headers

PROXIES = parse_networks(["10.0.0.0/8", "192.168.1.1", "fd00::/8"])


def test_parse_networks_accepts_cidrs_single_addresses_and_host_bits() -> None:
    networks = parse_networks([" 10.0.0.0/8 ", "192.168.1.1", "172.16.5.4/12", "", "  ", "::1"])
    assert networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.1.1/32"),
        ipaddress.ip_network("172.16.0.0/12"),
        ipaddress.ip_network("::1/128"),
    )


def test_parse_networks_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        parse_networks(["not-a-network"])


def test_untrusted_peer_ignores_forwarded_for() -> None:
    assert client_ip("203.0.113.7", "1.2.3.4", PROXIES) == "203.0.113.7"


def test_no_trusted_proxies_means_the_peer() -> None:
    assert client_ip("10.0.0.1", "1.2.3.4", ()) == "10.0.0.1"


def test_trusted_peer_without_header_is_the_peer() -> None:
    assert client_ip("10.0.0.1", None, PROXIES) == "10.0.0.1"
    assert client_ip("10.0.0.1", "", PROXIES) == "10.0.0.1"
    assert client_ip("10.0.0.1", " , ,", PROXIES) == "10.0.0.1"


def test_trusted_peer_takes_the_forwarded_client() -> None:
    assert client_ip("10.0.0.1", "198.51.100.20", PROXIES) == "198.51.100.20"


def test_trusted_peer_takes_the_right_most_untrusted_hop() -> None:
    # The client may prepend anything; only what our proxies appended counts.
    header = "6.6.6.6, 198.51.100.20, 10.1.2.3, 192.168.1.1"
    assert client_ip("10.0.0.1", header, PROXIES) == "198.51.100.20"


def test_spaces_and_empty_hops_are_tolerated() -> None:
    assert client_ip("10.0.0.1", " 198.51.100.20 ,, 10.9.9.9 ", PROXIES) == "198.51.100.20"


def test_all_hops_trusted_gives_the_left_most() -> None:
    assert client_ip("10.0.0.1", "10.5.5.5, 10.6.6.6, 192.168.1.1", PROXIES) == "10.5.5.5"


@pytest.mark.parametrize("header", ["garbage", "1.2.3.4, not-an-ip", "1.2.3.4:8080", "999.1.1.1", "<script>"])
def test_garbage_right_most_untrusted_hop_falls_back_to_the_peer(header: str) -> None:
    assert client_ip("10.0.0.1", header, PROXIES) == "10.0.0.1"


def test_garbage_left_of_a_real_hop_is_never_reached() -> None:
    assert client_ip("10.0.0.1", "garbage, 198.51.100.20", PROXIES) == "198.51.100.20"


def test_no_peer_is_no_ip() -> None:
    assert client_ip(None, "1.2.3.4", PROXIES) is None


def test_non_ip_peer_is_returned_untrusted() -> None:
    assert client_ip("testclient", "1.2.3.4", PROXIES) == "testclient"


def test_ipv6_trusted_peer_and_ipv6_client() -> None:
    assert client_ip("fd00::1", "2001:db8::7", PROXIES) == "2001:db8::7"


def test_ipv6_hop_is_normalised() -> None:
    assert client_ip("fd00::1", "2001:0db8:0000:0000:0000:0000:0000:0007", PROXIES) == "2001:db8::7"


def test_ipv6_untrusted_peer_ignores_forwarded_for() -> None:
    assert client_ip("2001:db8::1", "198.51.100.20", PROXIES) == "2001:db8::1"


def test_mixed_families_in_the_chain() -> None:
    assert client_ip("fd00::1", "2001:db8::9, 10.0.0.2, fd00::2", PROXIES) == "2001:db8::9"
    assert client_ip("10.0.0.1", "198.51.100.20, fd12::3", PROXIES) == "198.51.100.20"


# ------------------------------------------------------------------ the console's signed client IP
SECRET = b"gateway-unit-test-key-encryption-secret-0123456789"
NOW = 1_700_000_000.0  # in the past: a token signed then has expired
SIGNER = ConsoleClientIp(SECRET)


def test_a_valid_token_gives_the_browser_ip_back() -> None:
    for ip in ("198.51.100.20", "2001:db8::7"):
        assert SIGNER.verify(SIGNER.sign(ip, now=NOW), now=NOW + 1) == ip


def test_the_token_lives_a_short_time() -> None:
    token = SIGNER.sign("198.51.100.20", now=NOW)
    assert SIGNER.verify(token, now=NOW + CONSOLE_CLIENT_IP_TTL_SECONDS) == "198.51.100.20"
    assert SIGNER.verify(token, now=NOW + CONSOLE_CLIENT_IP_TTL_SECONDS + 1) is None
    assert CONSOLE_CLIENT_IP_TTL_SECONDS <= 120


def test_a_token_of_another_secret_is_refused() -> None:
    other = ConsoleClientIp(b"another-key-encryption-secret-of-32-bytes-or-more")
    assert SIGNER.verify(other.sign("198.51.100.20", now=NOW), now=NOW) is None


def test_the_internal_identity_key_does_not_sign_client_ips() -> None:
    """Same secret, other purpose: a token made with the identity header's key is not accepted."""
    signed = f"v1.{_b64(f'198.51.100.20|{int(NOW) + 30}'.encode())}"
    mac = hmac.new(derive_key(SECRET, "internal-identity-v1"), signed.encode(), hashlib.sha256).digest()
    assert SIGNER.verify(f"{signed}.{_b64(mac)}", now=NOW) is None


def test_a_changed_ip_or_expiry_breaks_the_signature() -> None:
    version, _, mac = SIGNER.sign("198.51.100.20", now=NOW).split(".")
    for body in (f"6.6.6.6|{int(NOW) + 60}", f"198.51.100.20|{int(NOW) + 10**6}"):
        assert SIGNER.verify(f"{version}.{_b64(body.encode())}.{mac}", now=NOW) is None


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "198.51.100.20",
        "v1.abc",
        "v2.abc.def",
        "v1.!!!.???",
        "v1.a.b.c",
        "x" * 5000,
    ],
)
def test_malformed_tokens_are_ignored(token: str | None) -> None:
    assert SIGNER.verify(token, now=NOW) is None


def test_a_signed_non_ip_is_refused() -> None:
    assert SIGNER.verify(SIGNER.sign("testclient", now=NOW), now=NOW) is None


def test_an_api_request_with_a_valid_token_takes_its_ip() -> None:
    token = SIGNER.sign("198.51.100.20")
    assert SIGNER.client_ip("10.0.0.1", None, PROXIES, token) == "198.51.100.20"
    assert SIGNER.client_ip("203.0.113.7", "1.2.3.4", (), token) == "198.51.100.20"


def test_an_api_request_with_a_forged_or_expired_token_falls_back_to_the_peer_rule() -> None:
    forged = ConsoleClientIp(b"an-attacker-guessed-key-encryption-secret-0123").sign("198.51.100.20")
    expired = SIGNER.sign("198.51.100.20", now=NOW)
    for token in (forged, expired, "v1.garbage.garbage", None):
        assert SIGNER.client_ip("203.0.113.7", "1.2.3.4", (), token) == "203.0.113.7"
        assert SIGNER.client_ip("10.0.0.1", "198.51.100.9", PROXIES, token) == "198.51.100.9"


def test_the_gateway_adds_the_signed_ip_to_page_requests_only_when_it_has_one() -> None:
    (name, token), *rest = console_headers(SIGNER, "198.51.100.20").items()
    assert not rest and name == CONSOLE_CLIENT_IP_HEADER
    assert SIGNER.verify(token) == "198.51.100.20"
    assert console_headers(SIGNER, None) == {}


def test_the_console_passes_back_the_header_the_gateway_sends() -> None:
    from inferadb_web.api import CLIENT_IP_HEADER

    assert CLIENT_IP_HEADER == CONSOLE_CLIENT_IP_HEADER
    assert CONSOLE_CLIENT_IP_HEADER.startswith("x-infera-")  # dropped by the gateway when a client sends it
