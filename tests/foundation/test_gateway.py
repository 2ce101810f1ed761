"""The gateway: health, error mapping for absent and slow services, request ids, CORS, proxies, metrics."""

from __future__ import annotations

import json

import httpx

from inferadb_testing.nats import NatsServer
from inferadb_testing.pytest_plugin import StackFactory
from inferadb_testing.stack import Stack
from inferadb_testing.waiting import eventually

from .conftest import FAST_HASHING, register


def test_health_reports_every_dependency(stack: Stack) -> None:
    response = httpx.get(f"{stack.gateway_url}/v1/health", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"] == {
        "nats": "ok",
        "storage": "ok",
        "auth": "ok",
        "orgs": "ok",
        "audit": "ok",
        "mailer": "ok",
    }
    assert body["version"] == "0.1.0" and body["uptime_seconds"] >= 0
    for path in ("/health", "/v1/health/live", "/v1/health/ready", "/v1/health/startup"):
        assert httpx.get(f"{stack.gateway_url}{path}", timeout=10).status_code == 200
    for name in ("auth", "orgs", "audit", "mailer"):
        service = httpx.get(f"{stack.url(name)}/v1/health", timeout=10).json()
        assert service["status"] == "healthy" and service["checks"] == {"nats": "ok", "storage": "ok"}


def test_a_stopped_service_is_503_and_a_critical_one_makes_health_unhealthy(stack: Stack) -> None:
    stack.process("auth").stop()
    response = httpx.post(
        f"{stack.gateway_url}/v1/auth/login/password", json={"email": "a@b.co", "password": "x" * 12}, timeout=10
    )
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json()["code"] == "UNAVAILABLE" and response.json()["error"] == "Service unavailable"
    # Session routes need auth to check the cookie: also 503, never 401 or 500.
    me = httpx.get(f"{stack.gateway_url}/v1/users/me", cookies={"infera_session": "sess_" + "a" * 43}, timeout=10)
    assert me.status_code == 503
    health = httpx.get(f"{stack.gateway_url}/v1/health", timeout=10)
    assert health.status_code == 503
    assert health.json()["status"] == "unhealthy" and health.json()["checks"]["auth"] == "down"
    stack.process("audit").stop()
    stack.process("auth").start().wait_ready()
    degraded = httpx.get(f"{stack.gateway_url}/v1/health", timeout=10)
    assert degraded.status_code == 200 and degraded.json()["status"] == "degraded"
    assert degraded.json()["checks"]["audit"] == "down"


def test_a_slow_service_is_504(stack_factory: StackFactory, isolated_nats_server: NatsServer) -> None:
    slow = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env=FAST_HASHING | {"INFERADB_MGMT__SERVER__REQUEST_TIMEOUT_SECONDS": "0.001"},
        services=("auth", "orgs", "audit", "mailer", "gateway"),
    )
    response = httpx.post(
        f"{slow.gateway_url}/v1/auth/register",
        json={"name": "Slow", "email": "slow@example.com", "password": "a sturdy passphrase 42"},
        timeout=10,
    )
    assert response.status_code == 504
    assert response.json()["code"] == "GATEWAY_TIMEOUT"


def test_request_id_is_echoed_and_reaches_the_service_log(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.gateway_url}/v1/auth/login/password",
        json={"email": "nobody@example.com", "password": "whatever whatever"},
        headers={"x-request-id": "trace-me-123"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "trace-me-123"
    assert response.json()["request_id"] == "trace-me-123"

    def logged() -> bool:
        lines = [json.loads(line) for line in stack.process("auth").log_text().splitlines() if line.startswith("{")]
        return any(line.get("request_id") == "trace-me-123" for line in lines)

    eventually(logged, timeout=5)
    insane = httpx.get(f"{stack.gateway_url}/v1/nowhere", headers={"x-request-id": "bad id with spaces"}, timeout=10)
    assert insane.status_code == 404 and insane.headers["x-request-id"] != "bad id with spaces"


def test_edge_errors_are_json(stack: Stack) -> None:
    base = stack.gateway_url
    cases = [
        (httpx.get(f"{base}/v1/unknown", timeout=10), 404, "NOT_FOUND", "Not found"),
        (httpx.put(f"{base}/v1/users/me", timeout=10), 405, "METHOD_NOT_ALLOWED", "Method not allowed"),
        (
            httpx.post(f"{base}/v1/auth/register", content=b"name=x", headers={"content-type": "text/plain"}),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            None,
        ),
        (
            httpx.post(
                f"{base}/v1/auth/register",
                content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                headers={"content-type": "application/json"},
                timeout=30,
            ),
            413,
            "PAYLOAD_TOO_LARGE",
            None,
        ),
        (
            httpx.post(f"{base}/v1/auth/register", content=b"{oops", headers={"content-type": "application/json"}),
            400,
            "INVALID_JSON",
            "Failed to parse JSON",
        ),
        (
            httpx.post(f"{base}/v1/auth/register", json={"name": "x"}, timeout=10),
            400,
            "VALIDATION_FAILED",
            "Validation failed",
        ),
    ]
    for response, status, code, message in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body["code"] == code and body["request_id"] == response.headers["x-request-id"]
        if message:
            assert body["error"] == message
    details = cases[-1][0].json()["details"]
    assert set(details) == {"email", "password"}


def test_token_routes_answer_every_error_in_rfc6749_form(stack: Stack) -> None:
    """api.md §6: /v1/token's errors are RFC 6749 bodies only, also those the gateway's edge, the
    orgs service's edge or the gateway's proxy produce (the refresh route's too)."""
    base = stack.gateway_url
    form = {"content-type": "application/x-www-form-urlencoded"}
    cases = [
        (httpx.post(f"{base}/v1/token", content=b"a=b", headers={"content-type": "text/plain"}), 415),
        (httpx.post(f"{base}/v1/token", content=b"a=" + b"x" * (2 * 1024 * 1024), headers=form, timeout=30), 413),
        (httpx.get(f"{base}/v1/token", timeout=10), 405),
        (httpx.post(f"{base}/v1/tokens/refresh", content=b"{oops", headers={"content-type": "application/json"}), 400),
        (httpx.post(f"{base}/v1/tokens/refresh", content=b"x", headers={"content-type": "text/plain"}), 415),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"] == "invalid_request", response.text
        assert set(response.json()) == {"error", "error_description"}
        assert response.headers["cache-control"] == "no-store" and response.headers["x-request-id"]
    stack.process("orgs").stop()
    away = httpx.post(f"{base}/v1/token", data={"grant_type": "client_credentials"}, timeout=10)
    assert away.status_code == 503 and away.headers["retry-after"]
    assert away.json() == {"error": "temporarily_unavailable", "error_description": "Service unavailable"}
    other = httpx.post(f"{base}/v1/organizations/1/vaults", json={}, cookies={"infera_session": "x"}, timeout=10)
    assert "code" in other.json()  # every other route keeps the §1.1 body


def test_percent_encoded_control_characters_in_the_path_are_a_400_not_a_500(stack: Stack) -> None:
    """Found by the fuzzer (R5): the gateway decoded the path and could not forward it (500)."""
    user = register(stack.gateway_url, "control-characters@example.com")
    org = user.default_org
    cookies = {"infera_session": user.session}
    with httpx.Client(base_url=stack.gateway_url, timeout=30, cookies=cookies) as http:
        for method, path in (
            ("GET", f"/v1/organizations/{org}/teams/~t%C3%91%0E%F0%91%87%B8%1A"),
            ("DELETE", f"/v1/organizations/{org}/members/%7F%05"),
            ("GET", "/v1/organizations/%13%C3%B2dJ/jwks.json"),  # no session needed
            ("POST", "/v1/tokens/revoke/vault/%C2%91%03"),
        ):
            response = http.request(method, path)
            assert response.status_code == 400, (path, response.text)
            assert response.json()["code"] == "VALIDATION_FAILED"


def test_bearer_and_other_cookie_names_are_not_sessions(stack: Stack) -> None:
    user = register(stack.gateway_url, "bearer@example.com")
    token = user.session
    assert token.startswith("sess_") and len(token) == 5 + 43
    bearer = httpx.get(f"{stack.gateway_url}/v1/users/me", headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert bearer.status_code == 401 and bearer.json()["error"] == "Invalid session"
    other = httpx.get(f"{stack.gateway_url}/v1/users/me", cookies={"session": token}, timeout=10)
    assert other.status_code == 401


def test_cors_is_closed_unless_origins_are_listed(
    stack_factory: StackFactory, isolated_nats_server: NatsServer, stack: Stack
) -> None:
    preflight = {"origin": "https://app.example.com", "access-control-request-method": "POST"}
    closed = httpx.options(f"{stack.gateway_url}/v1/auth/login/password", headers=preflight, timeout=10)
    assert "access-control-allow-origin" not in closed.headers
    open_stack = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env=FAST_HASHING | {"INFERADB_MGMT__SERVER__CORS_ALLOWED_ORIGINS": "https://app.example.com"},
    )
    allowed = httpx.options(f"{open_stack.gateway_url}/v1/auth/login/password", headers=preflight, timeout=10)
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    evil = httpx.options(
        f"{open_stack.gateway_url}/v1/auth/login/password",
        headers=preflight | {"origin": "https://evil.example.com"},
        timeout=10,
    )
    assert "access-control-allow-origin" not in evil.headers


def test_forwarded_for_is_believed_only_from_trusted_proxies(
    stack_factory: StackFactory, isolated_nats_server: NatsServer, stack: Stack
) -> None:
    spoof = {"x-forwarded-for": "203.0.113.9"}
    untrusted = _session_ip(stack.gateway_url, "spoof@example.com", spoof)
    assert untrusted == "127.0.0.1"
    behind_proxy = stack_factory(
        nats_url=isolated_nats_server.url,
        extra_env=FAST_HASHING | {"INFERADB_MGMT__SERVER__TRUSTED_PROXIES": "127.0.0.0/8"},
    )
    chain = {"x-forwarded-for": "198.51.100.1, 203.0.113.9, 127.0.0.5"}
    assert _session_ip(behind_proxy.gateway_url, "proxied@example.com", chain) == "203.0.113.9"


def _session_ip(base: str, email: str, headers: dict[str, str]) -> str:
    response = httpx.post(
        f"{base}/v1/auth/register",
        json={"name": "Proxy", "email": email, "password": "a sturdy passphrase 42"},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["session"]["ip_address"])


def test_metrics_are_labelled_by_route_template(stack: Stack) -> None:
    httpx.get(f"{stack.gateway_url}/v1/organizations/123/vaults/456", timeout=10)
    httpx.get(f"{stack.gateway_url}/v1/no/such/path", timeout=10)  # other paths are the console's
    text = httpx.get(f"{stack.gateway_url}/metrics", timeout=10).text
    assert 'route="/v1/organizations/{org}/vaults/{vault}"' in text
    assert 'route="unmatched"' in text and "/v1/no/such/path" not in text
    assert "process_resident_memory_bytes" in text
    for name in ("auth", "orgs", "audit", "mailer"):
        service_metrics = httpx.get(f"{stack.url(name)}/metrics", timeout=10)
        assert service_metrics.status_code == 200 and "http_requests_total" in service_metrics.text
