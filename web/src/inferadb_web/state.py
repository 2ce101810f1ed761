"""What the console process holds besides the common context: its clients of the API and the mailer."""

from __future__ import annotations

from dataclasses import dataclass

from inferadb_web.api import ApiClient, MailerClient


@dataclass(frozen=True, slots=True)
class WebState:
    api: ApiClient
    mailer: MailerClient | None = None  # only with email.dev_inbox: the console's /dev/mail page
