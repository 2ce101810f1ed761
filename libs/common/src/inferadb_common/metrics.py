"""Prometheus metrics shared by every service, and the ``/metrics`` endpoint.

Process metrics (``process_resident_memory_bytes`` …) come from prometheus-client's default
collectors; HTTP metrics are labelled by route template so cardinality stays bounded.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests served", ["method", "route", "status"])
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVENTS_PUBLISHED = Counter("events_published_total", "Outbox messages published to NATS", ["stream"])
EVENTS_CONSUMED = Counter("events_consumed_total", "Messages handled by a consumer", ["consumer", "result"])
DEAD_LETTERS = Counter("dead_letters_total", "Messages given up on and dead-lettered", ["consumer"])
OUTBOX_PENDING = Gauge("outbox_pending", "Outbox rows not yet published")
AUTH_ATTEMPTS = Counter("auth_attempts_total", "Password login attempts", ["result"])
RATE_LIMITS_EXCEEDED = Counter("rate_limits_exceeded_total", "Requests refused by a rate limit", ["category"])
EMAILS_SENT = Counter("emails_sent_total", "Mail delivery outcomes", ["template", "result"])
ACTIVE_SESSIONS = Gauge("active_sessions", "Sessions alive at the last count")
ENGINE_WEBHOOKS = Counter(
    "engine_webhooks_total",
    "Invalidation webhook attempts by outcome (delivered, retried, dead_lettered)",
    ["kind", "result"],
)
ENGINE_WEBHOOK_DURATION = Histogram(
    "engine_webhook_duration_seconds",
    "Time for an engine to answer an invalidation webhook (or to fail)",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ENGINE_WEBHOOK_PENDING = Gauge("engine_webhook_pending", "Invalidation webhooks waiting for delivery or a retry")


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
