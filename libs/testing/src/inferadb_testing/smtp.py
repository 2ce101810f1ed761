"""An in-process SMTP sink (aiosmtpd) that records every mail and can be told to refuse them.

Messages are parsed with ``email.policy.default`` so tests read headers, text and HTML parts the
way a mail client would. ``fail_with(451, ...)`` / ``fail_with(550, ...)`` inject transient or
permanent failures at DATA (or RCPT); ``stop()`` makes the port refuse connections (SMTP down).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from inferadb_testing.free_port import free_port
from inferadb_testing.process_guard import refuse_unless_integration

__all__ = [
    "ReceivedMail",
    "SmtpSink",
    "extract_link",
    "html_body",
    "text_body",
    "token_from_link",
]

FailureStage = Literal["data", "rcpt"]
MailPredicate = Callable[["ReceivedMail"], bool]


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted mail: the SMTP envelope and the parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    login: str | None = None
    received_at: float = field(default_factory=time.time)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def text(self) -> str:
        return text_body(self.message)

    @property
    def html(self) -> str:
        return html_body(self.message)

    def __str__(self) -> str:
        return f"<mail from={self.mail_from} to={','.join(self.rcpt_tos)} subject={self.subject!r}>"


def _message_of(mail: ReceivedMail | EmailMessage) -> EmailMessage:
    return mail.message if isinstance(mail, ReceivedMail) else mail


def _body(mail: ReceivedMail | EmailMessage, subtype: str) -> str:
    part = _message_of(mail).get_body(preferencelist=(subtype,))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else content.decode("utf-8", errors="replace")


def text_body(mail: ReceivedMail | EmailMessage) -> str:
    """The ``text/plain`` part (empty when there is none)."""
    return _body(mail, "plain")


def html_body(mail: ReceivedMail | EmailMessage) -> str:
    """The ``text/html`` part (empty when there is none)."""
    return _body(mail, "html")


def extract_link(mail: ReceivedMail | EmailMessage, prefix: str) -> str:
    """The first URL in the text part that starts with ``prefix`` (e.g. ``http://x/verify-email?token=``).

    The URL ends at whitespace or at a closing bracket/quote; raises ``AssertionError`` showing the
    text when no such link is there.
    """
    text = text_body(mail)
    start = text.find(prefix)
    if start < 0:
        raise AssertionError(f"no link starting with {prefix!r} in the text part:\n{text}")
    end = start + len(prefix)
    while end < len(text) and not text[end].isspace() and text[end] not in "<>\"')]":
        end += 1
    return text[start:end]


def token_from_link(link: str, parameter: str = "token") -> str:
    """The value of a query parameter of a link (``token`` by default)."""
    values = parse_qs(urlsplit(link).query).get(parameter)
    if not values:
        raise AssertionError(f"no {parameter!r} query parameter in {link!r}")
    return values[0]


class _Handler:
    """aiosmtpd hooks (``handle_<VERB>``); they run on the controller's thread and share the sink's state."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:
        if self._sink.credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        self._sink._count_attempt()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        failure = self._sink._failure_for("rcpt")
        if failure is not None:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self._sink._failure_for("data")
        if failure is not None:
            return failure
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode("utf-8")
        message = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self._sink._record(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message, login))
        return "250 Message accepted for delivery"


class SmtpSink:
    """A plain-SMTP server on 127.0.0.1 that keeps what it receives; the port is kept across restarts.

    With ``credentials=(login, password)`` it advertises AUTH PLAIN/LOGIN without TLS, requires it,
    and refuses other credentials with 535; each mail then records the ``login`` it was sent with.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        host: str = "127.0.0.1",
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.credentials = credentials
        self._condition = threading.Condition()
        self._messages: list[ReceivedMail] = []
        self._attempts = 0
        self._failure: tuple[FailureStage, str] | None = None
        self._controller: Controller | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> Self:
        if self._controller is None:
            refuse_unless_integration("an SMTP sink")
            auth: dict[str, Any] = {}
            if self.credentials is not None:
                # AUTH without TLS is what a test sink wants; "required" is enforced at MAIL (see
                # _Handler) because aiosmtpd warns on every connection when asked to require it.
                auth = {"authenticator": self._authenticate, "auth_require_tls": False}
            controller = Controller(_Handler(self), hostname=self.host, port=self.port, **auth)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        """Close the listener: clients now get "connection refused", as when the mail server is down."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- fault injection -------------------------------------------------------------------------

    def fail_with(self, code: int, text: str, *, stage: FailureStage = "data") -> None:
        """Answer every DATA (or every RCPT with ``stage="rcpt"``) with ``code text``.

        4xx codes are transient (the client should retry), 5xx permanent. Transactions still count
        in ``attempts``.
        """
        if not 400 <= code <= 599:
            raise ValueError(f"an SMTP failure reply needs a 4xx or 5xx code, not {code}")
        with self._condition:
            self._failure = (stage, f"{code} {text}")

    def succeed(self) -> None:
        """Accept mail again after ``fail_with``."""
        with self._condition:
            self._failure = None

    @property
    def attempts(self) -> int:
        """Mail transactions started (one per ``MAIL FROM``), accepted or refused."""
        with self._condition:
            return self._attempts

    def reset_attempts(self) -> None:
        with self._condition:
            self._attempts = 0

    # -- received mail ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMail]:
        """A copy of every accepted mail, oldest first."""
        with self._condition:
            return list(self._messages)

    def messages_to(self, address: str) -> list[ReceivedMail]:
        wanted = address.lower()
        return [mail for mail in self.messages if wanted in (rcpt.lower() for rcpt in mail.rcpt_tos)]

    def clear(self) -> None:
        with self._condition:
            self._messages.clear()

    def wait_for(self, predicate: MailPredicate | None = None, timeout: float = 10.0) -> ReceivedMail:
        """Block until a received mail matches ``predicate`` (any mail when None) and return the first.

        Raises ``AssertionError`` listing what did arrive when nothing matches in ``timeout`` seconds.
        """
        found: list[ReceivedMail] = []

        def match() -> bool:
            found[:] = [mail for mail in self._messages if predicate is None or predicate(mail)][:1]
            return bool(found)

        with self._condition:
            if self._condition.wait_for(match, timeout=timeout):
                return found[0]
        raise self._timeout_error(timeout)

    async def async_wait_for(
        self,
        predicate: MailPredicate | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the same call shape as wait_for, on purpose
        *,
        poll_interval: float = 0.02,
    ) -> ReceivedMail:
        """``wait_for`` for async tests: polls without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while True:
            for mail in self.messages:
                if predicate is None or predicate(mail):
                    return mail
            if time.monotonic() >= deadline:
                raise self._timeout_error(timeout)
            await asyncio.sleep(poll_interval)

    def _timeout_error(self, timeout: float) -> AssertionError:
        received = self.messages
        listing = "\n".join(f"  {mail}" for mail in received) or "  (nothing)"
        return AssertionError(
            f"no matching mail within {timeout} s; {len(received)} received, {self.attempts} attempts:\n{listing}"
        )

    # -- called by the handler on the controller thread ------------------------------------------

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        expected = self.credentials
        ok = (
            expected is not None
            and isinstance(auth_data, LoginPassword)
            and (auth_data.login, auth_data.password) == (expected[0].encode(), expected[1].encode())
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def _count_attempt(self) -> None:
        with self._condition:
            self._attempts += 1

    def _failure_for(self, stage: FailureStage) -> str | None:
        with self._condition:
            if self._failure is not None and self._failure[0] == stage:
                return self._failure[1]
            return None

    def _record(self, mail: ReceivedMail) -> None:
        with self._condition:
            self._messages.append(mail)
            self._condition.notify_all()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"SmtpSink({self.host}:{self.port}, {state}, {len(self.messages)} messages)"
