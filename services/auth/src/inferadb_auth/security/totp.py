"""TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s) with pyotp, and its enrolment QR code with segno.

A code is checked against the current time step and one step either side (clock drift). The caller
stores the step a code was accepted for and passes it back as ``after``: a code is then good once,
and never for a step older than the last accepted one (no replay, no rollback).
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno

ISSUER = "InferaDB"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits, base32 (RFC 4226 §4 recommends at least 128; 160 is SHA-1's block of choice)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, label: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=label, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no XML declaration, ready for HTML)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="TOTP enrolment QR code"))


def step_at(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step within the drift window whose code is ``code`` and which is later than ``after``."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = step_at(now)
    found: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Every candidate is compared (constant time each), so timing does not say which step matched.
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()) and (after is None or step > after):
            found = step if found is None else found
    return found
