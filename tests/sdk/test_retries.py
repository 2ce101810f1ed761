"""Errors and retries: 429 and 503 are tried again as ``Retry-After`` says, within bounds; every error
carries status, code, message and request id."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from inferadb_management import Client, RateLimitedError, RetryPolicy, ServiceUnavailableError, TransportError
from inferadb_testing.free_port import free_port
from inferadb_testing.sdk import PASSWORD, SdkStack, SdkUser


def response(status: int, retry_after: str | None = None) -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(status, headers=headers)


def test_retry_policy_reads_retry_after_and_stays_within_bounds() -> None:
    policy = RetryPolicy(attempts=3, max_wait=30.0, backoff=0.5)
    assert policy.delay(response(429, "2"), 1) == 2.0
    assert policy.delay(response(503, "5"), 2) == 5.0
    assert policy.delay(response(503, "5"), 3) is None  # the third attempt was the last
    assert policy.delay(response(429, "31"), 1) is None  # longer than max_wait: raise at once
    assert policy.delay(response(503), 1) == 0.5 and policy.delay(response(503), 2) == 1.0  # backoff, doubling
    assert policy.delay(response(500, "1"), 1) is None and policy.delay(response(404), 1) is None
    moment = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    wait = policy.delay(response(429, moment), 1)
    assert wait is not None and 8.0 <= wait <= 10.0
    assert RetryPolicy(attempts=1).delay(response(429, "1"), 1) is None


def test_a_rate_limit_longer_than_max_wait_is_raised_at_once(sdk_env: SdkStack, owner: SdkUser) -> None:
    """``password_changes_per_user_per_hour`` (10): the answer after it is a 429 with an hour-scale
    Retry-After, raised on the first attempt with everything the API said."""
    answers: list[int] = []
    http = httpx.Client(base_url=sdk_env.url, event_hooks={"response": [lambda r: answers.append(r.status_code)]})
    client = Client(sdk_env.url, session_token=owner.client.session_token, http=http)
    passwords = [PASSWORD, PASSWORD + " b"]
    with pytest.raises(RateLimitedError) as caught:
        for attempt in range(12):
            client.users.change_password(passwords[attempt % 2], passwords[(attempt + 1) % 2])
    error = caught.value
    assert (error.status, error.code, error.message) == (429, "RATE_LIMITED", "Rate limit exceeded")
    assert error.request_id and error.retry_after is not None and error.retry_after > 30
    assert answers.count(429) == 1  # not retried: the wait asked for is beyond max_wait
    client.close()


def test_503_is_retried_after_retry_after_until_the_service_is_back(sdk_env: SdkStack, owner: SdkUser) -> None:
    orgs = sdk_env.stack.process("orgs")
    answers: list[tuple[float, int]] = []
    restarted = threading.Event()

    def restart() -> None:
        orgs.start()
        orgs.wait_ready()
        restarted.set()

    def seen(answer: httpx.Response) -> None:
        answers.append((time.monotonic(), answer.status_code))
        if answer.status_code == 503 and len(answers) == 1:
            threading.Thread(target=restart, daemon=True).start()

    http = httpx.Client(base_url=sdk_env.url, event_hooks={"response": [seen]})
    client = Client(sdk_env.url, session_token=owner.client.session_token, http=http, retry=RetryPolicy(attempts=6))
    orgs.stop()
    try:
        page = client.organizations.list()
    finally:
        if not restarted.wait(60):
            orgs.start()
            orgs.wait_ready()
    assert owner.default_org in [organization.id for organization in page.organizations]
    statuses = [status for _, status in answers]
    assert statuses[0] == 503 and statuses[-1] == 200, statuses
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(answers)]
    assert all(gap >= 4.9 for gap in gaps), gaps  # the gateway's Retry-After: 5
    client.close()


def test_503_gives_up_after_the_last_attempt(sdk_env: SdkStack, owner: SdkUser) -> None:
    audit = sdk_env.stack.process("audit")
    answers: list[int] = []
    http = httpx.Client(base_url=sdk_env.url, event_hooks={"response": [lambda r: answers.append(r.status_code)]})
    client = Client(
        sdk_env.url, session_token=owner.client.session_token, http=http, retry=RetryPolicy(attempts=2, max_wait=30)
    )
    audit.stop()
    try:
        with pytest.raises(ServiceUnavailableError) as caught:
            client.audit.list(owner.default_org)
    finally:
        audit.start()
        audit.wait_ready()
    assert answers == [503, 503]
    assert (caught.value.status, caught.value.code) == (503, "UNAVAILABLE") and caught.value.request_id
    client.close()


def test_a_server_that_is_down_is_a_transport_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url) as client, pytest.raises(TransportError) as caught:
        client.health.ping()
    assert url in str(caught.value)
