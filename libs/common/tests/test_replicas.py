"""Which replica of a service a request goes to: round robin, ejection after a failure (longer after
each consecutive one), back at the first success; every replica still tried when all are ejected."""

from __future__ import annotations

import pytest

from inferadb_common.config import ConfigError, ServicesConfig, load_settings
from inferadb_common.replicas import EJECT_MAX_SECONDS, ReplicaSet, retry_allowed

A, B, C = "http://a:1", "http://b:1", "http://c:1"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_requests_go_round_robin_each_trying_every_replica_once() -> None:
    replicas = ReplicaSet([A, B, C])
    assert [list(replicas.attempts()) for _ in range(4)] == [[A, B, C], [B, C, A], [C, A, B], [A, B, C]]


def test_a_failed_replica_is_tried_last_until_its_pause_ends() -> None:
    clock = Clock()
    replicas = ReplicaSet([A, B, C], clock=clock)
    replicas.failed(A)
    assert not replicas.in_service(A)
    assert [list(replicas.attempts())[-1] for _ in range(3)] == [A, A, A]
    clock.now += 1.01
    assert replicas.in_service(A) and next(iter(replicas.attempts())) == A


def test_consecutive_failures_double_the_pause_up_to_a_bound_and_a_success_ends_it() -> None:
    clock = Clock()
    replicas = ReplicaSet([A, B], clock=clock)
    pauses = []
    for _ in range(8):
        replicas.failed(A)
        start = clock.now
        while not replicas.in_service(A):
            clock.now += 0.25
        pauses.append(clock.now - start)
        clock.now = start
    assert pauses == [1.0, 2.0, 4.0, 8.0, 16.0, EJECT_MAX_SECONDS, EJECT_MAX_SECONDS, EJECT_MAX_SECONDS]
    replicas.succeeded(A)
    assert replicas.in_service(A)
    replicas.failed(A)
    clock.now += 1.01
    assert replicas.in_service(A)  # the count started again


def test_all_ejected_are_still_tried_the_one_back_soonest_first() -> None:
    clock = Clock()
    replicas = ReplicaSet([A, B, C], clock=clock)
    replicas.failed(B)
    replicas.failed(B)  # 2 s
    replicas.failed(A)  # 1 s
    replicas.failed(C)
    replicas.failed(C)
    replicas.failed(C)  # 4 s
    assert list(replicas.attempts()) == [A, B, C]


def test_one_replica_is_always_the_one() -> None:
    replicas = ReplicaSet.parse(" http://auth:3101/ ")
    replicas.failed("http://auth:3101")
    assert list(replicas.attempts()) == ["http://auth:3101"] and len(replicas) == 1


def test_only_requests_that_never_arrived_or_change_nothing_go_to_a_second_replica() -> None:
    assert retry_allowed("POST", reached=False) and retry_allowed("DELETE", reached=False)
    assert retry_allowed("GET", reached=True) and retry_allowed("head", reached=True)
    assert not retry_allowed("POST", reached=True) and not retry_allowed("PATCH", reached=True)
    assert not retry_allowed("DELETE", reached=True)


def test_service_urls_take_the_replicas_separated_by_commas() -> None:
    services = ServicesConfig(auth_url="http://auth-0:3101, http://auth-1:3101/")
    assert services.replicas_of("auth") == ["http://auth-0:3101", "http://auth-1:3101"]
    assert services.replicas_of("orgs") == ["http://127.0.0.1:3102"]


def test_a_service_url_that_is_not_http_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"services\.orgs_url.*'orgs:3102' is not an http\(s\) URL"):
        load_settings(environ={"INFERADB_MGMT__SERVICES__ORGS_URL": "http://orgs-0:3102,orgs:3102"})
