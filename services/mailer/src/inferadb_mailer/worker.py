"""The mail worker: the durable consumer of the mail work queue that renders and sends each request.

decode → dedupe by request id → render → SMTP → record ``sent`` → commit → ack, one message per
transaction: the consumer retries a failed batch message by message, which would send again
every mail of the batch that had already gone out.

The worker is the common idempotent consumer, given the mail's handler (:class:`MailDelivery`, which
also hears which delivery of the message it has in hand) and its dead-letter policy
(:class:`MailAbandonment`); the two share what is known of the mail in hand (:class:`MailInHand`).

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

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.bus import Bus
from inferadb_common.config import EmailConfig
from inferadb_common.db import Database
from inferadb_common.events.consumer import IdempotentConsumer, PoisonMessage, RetryPolicy, Subscription
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

__all__ = ["DURABLE", "MailAbandonment", "MailDelivery", "MailInHand", "mail_worker"]

logger = logging.getLogger("inferadb.mailer")

DURABLE = "mailer"
# Beyond the longest SMTP conversation, so a slow send is not redelivered while it is still going.
_ACK_WAIT_MARGIN_SECONDS = 15.0


def _template_label(template: str | None) -> str:
    """Only known templates get their own metric series; junk from a bad request cannot add more."""
    return template if template is not None and template in TEMPLATES else "unknown"


@dataclass
class MailInHand:
    """About the one message in hand (the worker takes one at a time): its delivery number, why it
    last failed, and its dev-inbox entry (``email.dev_inbox``), kept after its attempt."""

    attempt: int = 1
    last_error: str | None = None
    inbox_entry: InboxEntry | None = None


class MailDelivery:
    """The handler: renders and sends each request, records it ``sent``; told of each delivery."""

    def __init__(self, email: EmailConfig, sender: SmtpSender, in_hand: MailInHand, dev_inbox: DevInbox | None) -> None:
        self.sender = sender
        self.max_attempts = email.max_attempts
        self.from_address = sender_address(email)
        self.in_hand = in_hand
        self.dev_inbox = dev_inbox

    def begin(self, num_delivered: int) -> None:
        self.in_hand.attempt = num_delivered
        self.in_hand.last_error = None

    async def end(self) -> None:
        await self._keep_in_inbox()
        set_request_id(None)

    async def _keep_in_inbox(self) -> None:
        """After the attempt's transaction (SQLite has one writer): the dev inbox gets the mail and its status."""
        entry, self.in_hand.inbox_entry = self.in_hand.inbox_entry, None
        if entry is not None and self.dev_inbox is not None:
            await self.dev_inbox.keep(entry)

    async def __call__(self, session: AsyncSession, requests: Sequence[MailRequest]) -> None:
        for request in requests:
            await self._deliver(session, request)

    async def _deliver(self, session: AsyncSession, request: MailRequest) -> None:
        in_hand = self.in_hand
        set_request_id(request.request_id)
        try:
            rendered = render(request.template, request.variables)
            message = compose(request, rendered, self.from_address)
        except (TemplateError, InvalidMessage) as exc:
            in_hand.last_error = f"invalid mail request: {exc}"
            raise PoisonMessage(in_hand.last_error) from exc
        if self.dev_inbox is not None:
            in_hand.inbox_entry = InboxEntry(request.id, request.to, rendered.subject, rendered.text)
        try:
            await self.sender.send(message, request.to)
        except PermanentSmtpError as exc:
            in_hand.last_error = exc.reason
            raise PoisonMessage(exc.reason) from exc
        except TransientSmtpError as exc:
            in_hand.last_error = exc.reason
            if in_hand.attempt < self.max_attempts:  # the last failure is counted as a dead letter instead
                EMAILS_SENT.labels(template=request.template, result="retry").inc()
            raise
        await record_outcome(
            session,
            request_id=request.id,
            template=request.template,
            recipient_hash=recipient_hash(request.to),
            status="sent",
            attempts=in_hand.attempt,
        )
        if in_hand.inbox_entry is not None:
            in_hand.inbox_entry.status = "sent"
        EMAILS_SENT.labels(template=request.template, result="sent").inc()
        logger.info("mail sent: template=%s id=%s attempt=%s", request.template, request.id, in_hand.attempt)


class MailAbandonment:
    """The dead-letter policy: the copy keeps ids and a hash of the address, never the link, and the
    mail is recorded ``abandoned``. Every way of giving up passes through here."""

    def __init__(self, db: Database, in_hand: MailInHand) -> None:
        self.db = db
        self.in_hand = in_hand

    def redact(self, data: bytes) -> bytes:
        return redact_mail_request(data)

    async def abandoned(self, data: bytes, reason: str) -> None:
        await self._abandon(summarise(data), self.in_hand.last_error or reason)

    async def _abandon(self, summary: MailSummary, reason: str) -> None:
        attempt = self.in_hand.attempt
        EMAILS_SENT.labels(template=_template_label(summary.template), result="dead_letter").inc()
        logger.error(
            "mail abandoned: template=%s id=%s request_id=%s attempts=%s reason=%s",
            summary.template,
            summary.id,
            summary.request_id,
            attempt,
            reason,
        )
        if summary.id is None:  # nothing to key a row on; the dead-letter copy and the log line remain
            return
        entry = self.in_hand.inbox_entry
        if entry is not None and entry.request_id == summary.id:
            entry.status = "abandoned"
        try:
            async with self.db.transaction() as session:
                await record_outcome(
                    session,
                    request_id=summary.id,
                    template=summary.template or "unknown",
                    recipient_hash=summary.recipient_hash,
                    status="abandoned",
                    attempts=attempt,
                    last_error=reason,
                )
        except Exception as exc:
            logger.error("mail %s: could not record it as abandoned: %s", summary.id, exc)


def mail_worker(
    *, bus: Bus, db: Database, email: EmailConfig, dev_inbox: DevInbox | None = None
) -> IdempotentConsumer[MailRequest]:
    """The mail queue's consumer, one mail at a time; stopping lets the mail in hand finish first
    (one cut off after the server took it would go out twice)."""
    sender = SmtpSender(email)
    in_hand = MailInHand()
    delivery = MailDelivery(email, sender, in_hand, dev_inbox)
    return IdempotentConsumer(
        bus=bus,
        db=db,
        subscription=Subscription(
            stream=MAIL_STREAM,
            durable=DURABLE,
            filter_subject=MAIL_SUBJECT,
            batch_size=1,
            ack_wait_seconds=sender.conversation_timeout + _ACK_WAIT_MARGIN_SECONDS,
        ),
        consumed=consumed_messages,
        model=MailRequest,
        handler=delivery,
        message_id=lambda request: request.id,
        retry=RetryPolicy(
            max_attempts=email.max_attempts,
            backoff_base_seconds=email.retry_base_seconds,
            backoff_cap_seconds=email.retry_max_seconds,
        ),
        dead_letters=MailAbandonment(db, in_hand),
        hooks=delivery,
        drain_seconds=sender.conversation_timeout,
    )
