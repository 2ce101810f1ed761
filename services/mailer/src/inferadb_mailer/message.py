"""Turning a rendered mail request into the MIME message that goes out (multipart/alternative).

A retried or duplicated request produces the same mail, recognisable as such: ``Message-ID`` comes
from the request id and ``Date`` from the request's time (only the MIME boundary is random).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from inferadb_common.config import ConfigError, EmailConfig
from inferadb_common.events.envelope import MailRequest
from inferadb_mailer.templates import RenderedMail

__all__ = ["InvalidMessage", "compose", "message_id", "parse_address", "sender_address"]

# RFC 5322's hard limit; 78 is only a recommendation, and links with tokens are longer than that.
_MAX_LINE = 998
# Snowflake ids in practice; anything else would not make a valid Message-ID or table key.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class InvalidMessage(Exception):
    """The request cannot become a valid mail (bad id, address or header); it can never be sent."""


def parse_address(value: str) -> Address:
    """Exactly one plain address (``a@example.com``): never a list, a display name or a header break."""
    try:
        address = Address(addr_spec=value.strip())
    except (ValueError, IndexError) as exc:  # the parser's defects are ValueErrors; "" is an IndexError
        raise InvalidMessage(f"not a single email address: {type(exc).__name__}") from None
    if not address.username or not address.domain:
        raise InvalidMessage("not a single email address: missing local part or domain")
    return address


def sender_address(email: EmailConfig) -> Address:
    """The From address; checked at start-up so a typo in the config stops the mailer, not each mail."""
    try:
        address = parse_address(email.from_email)
    except InvalidMessage:
        raise ConfigError(
            f"Invalid configuration: email.from_email: {email.from_email!r} is not a single email address"
        ) from None
    return Address(display_name=email.from_name, username=address.username, domain=address.domain)


def message_id(request_id: str, domain: str) -> str:
    return f"<inferadb-mail-{request_id}@{domain}>"


def _date(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return format_datetime(aware, usegmt=True)


def _text_encoding(text: str) -> str:
    """7bit when the text allows it, so the raw message shows the link exactly as sent (quoted-printable,
    which the library picks for lines over 78 characters, would turn ``token=`` into ``token=3D``)."""
    if text.isascii() and all(len(line) <= _MAX_LINE for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def compose(request: MailRequest, rendered: RenderedMail, sender: Address) -> EmailMessage:
    """A text part and an HTML part of the same content, addressed to the request's one recipient."""
    if not _REQUEST_ID.match(request.id):
        raise InvalidMessage("request id is not 1-64 characters of [A-Za-z0-9._-]")
    message = EmailMessage()
    try:
        message["Subject"] = rendered.subject
        message["From"] = sender
        message["To"] = parse_address(request.to)
        message["Date"] = _date(request.time)
        message["Message-ID"] = message_id(request.id, sender.domain)
    except ValueError as exc:  # a CR or LF in the subject (e.g. from an organization name)
        raise InvalidMessage(f"invalid header: {type(exc).__name__}") from None
    message.set_content(rendered.text, cte=_text_encoding(rendered.text))
    message.add_alternative(rendered.html, subtype="html")
    return message
