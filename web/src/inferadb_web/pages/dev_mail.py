"""/dev/mail: the development inbox (console.md C3), only when ``email.dev_inbox`` is on."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from markupsafe import Markup, escape
from starlette.responses import Response

from inferadb_web.api import ApiUnavailable
from inferadb_web.pages.common import console_of, not_found
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

_LINK = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """The mail's text, escaped, with every http(s) address made a link."""
    escaped = str(escape(text))
    return Markup(_LINK.sub(lambda match: f'<a href="{match.group(0)}">{match.group(0)}</a>', escaped))  # noqa: S704


@router.get("/dev/mail")
async def dev_mail(request: Request) -> Response:
    console = console_of(request)
    if console.mailer is None:
        return not_found(request)
    try:
        mails = await console.mailer.mails()
    except ApiUnavailable:
        return console.unavailable(request)
    for mail in mails:
        mail["html"] = linkify(str(mail.get("body", "")))
    return console.render(request, "dev_mail.html", mails=mails)
