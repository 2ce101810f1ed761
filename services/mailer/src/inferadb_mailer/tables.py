"""The mailer service's schema: consumed request ids and the outcome of every mail."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text

from inferadb_common.events.tables import consumed_messages_table

metadata = MetaData()

consumed_messages = consumed_messages_table(metadata)

mail_deliveries = Table(
    "mail_deliveries",
    metadata,
    # The mail request's id: one row per request however often it is delivered.
    Column("id", String(64), primary_key=True),
    Column("template", String(64), nullable=False),
    # SHA-256 of the lower-cased address: enough to answer "did user X get a mail?" without
    # keeping addresses in clear; the link and its token are never stored.
    Column("recipient_hash", String(64), nullable=True),  # unknown for a malformed request
    Column("status", String(16), nullable=False),  # sent | abandoned
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_mail_deliveries_status_updated_at", "status", "updated_at"),
)

# email.dev_inbox only (development): the last DEV_INBOX_SIZE mails as rendered, links and tokens
# included, for /dev/mail. Empty and unused when the option is off; the option is refused with
# auth.cookie_secure, so no production deployment keeps mail text here.
dev_inbox = Table(
    "dev_inbox",
    metadata,
    Column("id", String(64), primary_key=True),  # the mail request's id
    Column("recipient", String(320), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("body", Text, nullable=False),  # the text part
    Column("status", String(16), nullable=False),  # pending | sent | abandoned
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_dev_inbox_created_at", "created_at"),
)
