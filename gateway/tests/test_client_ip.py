"""Client IP (api.md §1.4): the socket peer, or the right-most untrusted X-Forwarded-For hop behind a trusted proxy."""

from __future__ import annotations

import ipaddress

import pytest

from inferadb_gateway.client_ip import client_ip, parse_networks

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
