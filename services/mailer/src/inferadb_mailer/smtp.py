"""Sending one message over SMTP (aiosmtplib) and sorting failures into transient and permanent.

Exceptions::

    SmtpError                 reason: a short line with the SMTP code, never the message or address
    ├── TransientSmtpError    connection refused/lost, timeouts, TLS trouble, 4xx replies: try later
    └── PermanentSmtpError    5xx replies: this mail will never be accepted

Neither derives from ``OSError``/``TimeoutError``, on purpose: the consumer treats those as "a
dependency is away" and retries them forever, whereas SMTP failures get ``email.max_attempts``.
"""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

import aiosmtplib

from inferadb_common.config import EmailConfig

__all__ = ["PermanentSmtpError", "SmtpError", "SmtpSender", "TransientSmtpError"]

_REASON_LIMIT = 200
# Operations in one conversation (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA) each get
# smtp_timeout_seconds; the whole conversation gets this many times that, so a server that answers
# slowly but steadily cannot hold a message beyond the consumer's ack wait.
CONVERSATION_TIMEOUTS = 3


class SmtpError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientSmtpError(SmtpError):
    pass


class PermanentSmtpError(SmtpError):
    pass


def _scrub(text: str, recipient: str) -> str:
    """One short line of a server reply, without the recipient (servers like to echo it)."""
    line = " ".join(text.split())
    if recipient:
        line = re.sub(re.escape(recipient), "[recipient]", line, flags=re.IGNORECASE)
    return line[:_REASON_LIMIT]


def _reply_error(code: int, text: str, recipient: str) -> SmtpError:
    reason = f"SMTP {code} {_scrub(text, recipient)}".rstrip()
    return PermanentSmtpError(reason) if 500 <= code <= 599 else TransientSmtpError(reason)


def classify(exc: BaseException, recipient: str) -> SmtpError:
    """The delivery verdict on an exception raised while talking to the SMTP server."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # One recipient per mail, so this is its refusal; a 4xx among several would still be worth a retry.
        codes = [refused.code for refused in exc.recipients] or [450]
        text = exc.recipients[0].message if exc.recipients else "recipient refused"
        return _reply_error(min(codes), text, recipient)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _reply_error(exc.code, exc.message, recipient)
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return TransientSmtpError("SMTP timeout")
    if isinstance(exc, aiosmtplib.SMTPException):
        return TransientSmtpError(f"SMTP {type(exc).__name__}: {_scrub(exc.message, recipient)}")
    if isinstance(exc, OSError):
        return TransientSmtpError(f"SMTP connection failed: {type(exc).__name__}")
    return TransientSmtpError(f"SMTP {type(exc).__name__}")


class SmtpSender:
    """One connection per message: mails are few and a fresh connection has no stale state to fail on."""

    def __init__(self, config: EmailConfig) -> None:
        self.config = config
        implicit_tls = config.smtp_port == 465
        self.use_tls = implicit_tls
        # start_tls=False (not None) on plain connections: aiosmtplib would otherwise upgrade
        # opportunistically and fail on servers whose certificate it cannot verify.
        self.start_tls = config.smtp_use_tls and not implicit_tls
        self.conversation_timeout = config.smtp_timeout_seconds * CONVERSATION_TIMEOUTS

    async def send(self, message: EmailMessage, recipient: str) -> None:
        """Deliver ``message`` (its headers name sender and recipient); raises a :class:`SmtpError`.

        ``recipient`` is only used to keep the address out of error reasons.
        """
        config = self.config
        login = bool(config.smtp_username)
        try:
            async with asyncio.timeout(self.conversation_timeout):
                await aiosmtplib.send(
                    message,
                    hostname=config.smtp_host,
                    port=config.smtp_port,
                    username=config.smtp_username if login else None,
                    password=(config.smtp_password or "") if login else None,
                    timeout=config.smtp_timeout_seconds,
                    use_tls=self.use_tls,
                    start_tls=self.start_tls,
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise classify(exc, recipient) from exc
