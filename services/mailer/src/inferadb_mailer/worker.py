"""The mail worker: the durable consumer of the mail work queue that renders and sends each request.

decode → dedupe by request id → render → SMTP → record ``sent`` → commit → ack, one message per
transaction: the base consumer retries a failed batch message by message, which would send again
every mail of the batch that had already gone out.

Verdicts on failure:

* unknown template, missing variable, bad address or id, SMTP 5xx → dead-letter at once;
* connection refused or lost, timeout, SMTP 4xx → nak with a delay of ``email.retry_base_seconds``
  doubling up to ``email.retry_max_seconds``, until ``email.max_attempts`` deliveries, then dead-letter.

A dead-lettered mail is recorded ``abandoned``, counted in ``emails_sent_total{result="dead_letter"}``
(and the consumer's ``dead_letters_total``) and logged at error level; its dead-letter copy keeps the
ids and a hash of the address, never the link. A redelivery of a committed request sends nothing
(consumed-messages check). Only a crash between the server's acceptance and our commit can send a
mail twice; both copies carry the same ``Message-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.config import EmailConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer, PoisonMessage
from inferadb_common.events.envelope import MailRequest
from inferadb_common.events.streams import MAIL_STREAM, MAIL_SUBJECT
from inferadb_common.metrics import EMAILS_SENT
from inferadb_common.request_context import set_request_id
from inferadb_mailer.deliveries import record_outcome
from inferadb_mailer.dev_inbox import DevInbox, InboxEntry
from inferadb_mailer.message import InvalidMessage, compose, sender_address
from inferadb_mailer.redaction import MailSummary, recipient_hash, redact_mail_request, summarise
from inferadb_mailer.smtp import PermanentSmtpError, SmtpSender, TransientSmtpError
from inferadb_mailer.tables import consumed_messages
from inferadb_mailer.templates import TEMPLATES, TemplateError, render

__all__ = ["DURABLE", "MailWorker"]

logger = logging.getLogger("inferadb.mailer")

DURABLE = "mailer"
# Beyond the longest SMTP conversation, so a slow send is not redelivered while it is still going.
_ACK_WAIT_MARGIN_SECONDS = 15.0


def _template_label(template: str | None) -> str:
    """Only known templates get their own metric series; junk from a bad request cannot add more."""
    return template if template is not None and template in TEMPLATES else "unknown"


class MailWorker(IdempotentConsumer[MailRequest]):
    """The idempotent consumer, extended where mail needs more: ``process`` notes the delivery number
    of the message in hand, ``stop`` lets that message finish, ``_dead_letter`` records the abandonment."""

    def __init__(self, *, bus: Bus, db: Database, email: EmailConfig, dev_inbox: DevInbox | None = None) -> None:
        self.sender = SmtpSender(email)
        self.dev_inbox = dev_inbox
        self.from_address = sender_address(email)
        super().__init__(
            bus=bus,
            db=db,
            consumed=consumed_messages,
            stream=MAIL_STREAM,
            durable=DURABLE,
            filter_subject=MAIL_SUBJECT,
            model=MailRequest,
            handler=self._handle,
            message_id=lambda request: request.id,
            batch_size=1,
            max_attempts=email.max_attempts,
            ack_wait_seconds=self.sender.conversation_timeout + _ACK_WAIT_MARGIN_SECONDS,
            redact_for_deadletter=redact_mail_request,
            backoff_base_seconds=email.retry_base_seconds,
            backoff_cap_seconds=email.retry_max_seconds,
        )
        # About the one message in hand (batch_size=1): its delivery number and why it last failed.
        self._attempt = 1
        self._last_error: str | None = None
        self._draining = False
        self._inbox_entry: InboxEntry | None = None  # email.dev_inbox: the mail in hand, kept after its attempt
        self._idle = asyncio.Event()
        self._idle.set()

    async def process(self, messages: Sequence[Msg]) -> None:
        for msg in messages:
            if self._draining:
                # Stopping: hand it back now rather than start a mail we might be cut off in.
                with contextlib.suppress(Exception):
                    await msg.nak()
                continue
            self._attempt = msg.metadata.num_delivered if msg.metadata else 1
            self._last_error = None
            self._idle.clear()
            try:
                await super().process([msg])
            finally:
                await self._keep_in_inbox()
                set_request_id(None)
                self._idle.set()

    async def _keep_in_inbox(self) -> None:
        """After the attempt's transaction (SQLite has one writer): the dev inbox gets the mail and its status."""
        entry, self._inbox_entry = self._inbox_entry, None
        if entry is not None and self.dev_inbox is not None:
            await self.dev_inbox.keep(entry)

    async def stop(self) -> None:
        """Let the mail in hand finish first: one cut off after the server took it would go out twice."""
        self._draining = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=self.sender.conversation_timeout)
        await super().stop()

    async def _handle(self, session: AsyncSession, requests: Sequence[MailRequest]) -> None:
        for request in requests:
            await self._deliver(session, request)

    async def _deliver(self, session: AsyncSession, request: MailRequest) -> None:
        set_request_id(request.request_id)
        try:
            rendered = render(request.template, request.variables)
            message = compose(request, rendered, self.from_address)
        except (TemplateError, InvalidMessage) as exc:
            self._last_error = f"invalid mail request: {exc}"
            raise PoisonMessage(self._last_error) from exc
        if self.dev_inbox is not None:
            self._inbox_entry = InboxEntry(request.id, request.to, rendered.subject, rendered.text)
        try:
            await self.sender.send(message, request.to)
        except PermanentSmtpError as exc:
            self._last_error = exc.reason
            raise PoisonMessage(exc.reason) from exc
        except TransientSmtpError as exc:
            self._last_error = exc.reason
            if self._attempt < self.max_attempts:  # the last failure is counted as a dead letter instead
                EMAILS_SENT.labels(template=request.template, result="retry").inc()
            raise
        await record_outcome(
            session,
            request_id=request.id,
            template=request.template,
            recipient_hash=recipient_hash(request.to),
            status="sent",
            attempts=self._attempt,
        )
        if self._inbox_entry is not None:
            self._inbox_entry.status = "sent"
        EMAILS_SENT.labels(template=request.template, result="sent").inc()
        logger.info("mail sent: template=%s id=%s attempt=%s", request.template, request.id, self._attempt)

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        """Every way of giving up passes through here; the base class publishes the redacted copy."""
        await super()._dead_letter(msg, reason)
        await self._abandon(summarise(msg.data), self._last_error or reason)

    async def _abandon(self, summary: MailSummary, reason: str) -> None:
        EMAILS_SENT.labels(template=_template_label(summary.template), result="dead_letter").inc()
        logger.error(
            "mail abandoned: template=%s id=%s request_id=%s attempts=%s reason=%s",
            summary.template,
            summary.id,
            summary.request_id,
            self._attempt,
            reason,
        )
        if summary.id is None:  # nothing to key a row on; the dead-letter copy and the log line remain
            return
        if self._inbox_entry is not None and self._inbox_entry.request_id == summary.id:
            self._inbox_entry.status = "abandoned"
        try:
            async with self.db.transaction() as session:
                await record_outcome(
                    session,
                    request_id=summary.id,
                    template=summary.template or "unknown",
                    recipient_hash=summary.recipient_hash,
                    status="abandoned",
                    attempts=self._attempt,
                    last_error=reason,
                )
        except Exception as exc:
            logger.error("mail %s: could not record it as abandoned: %s", summary.id, exc)
