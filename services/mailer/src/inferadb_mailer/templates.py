"""The mail templates (subject, text part, HTML part) and rendering a request's variables into them.

Templates are ``string.Template`` strings: a template's variables are exactly the identifiers it
uses, all of them required. Values are inserted verbatim in the subject and the text part (the
link on a line of its own, so any mail client makes it clickable) and HTML-escaped in the HTML part.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from string import Template

__all__ = ["TEMPLATES", "MailTemplate", "RenderedMail", "TemplateError", "render"]

# No whitespace or control characters: the text part must show the link whole on its own line.
_LINK = re.compile(r"^https?://[^\s\x00-\x1f\x7f]+$")

_HTML_LAYOUT = Template(
    """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>$title</title></head>
<body style="font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1f2328;">
$content
<p style="color: #6e7781; font-size: 12px;">InferaDB</p>
</body>
</html>
"""
)


class TemplateError(Exception):
    """The request names no template, or lacks what its template needs; it can never be sent.

    Messages name the template and the variable, never a variable's value (links carry tokens).
    """


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class MailTemplate:
    name: str
    subject: Template
    text: Template
    html: Template

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(self.subject.get_identifiers() + self.text.get_identifiers() + self.html.get_identifiers())

    def render(self, variables: Mapping[str, str]) -> RenderedMail:
        missing = sorted(self.variables - variables.keys())
        if missing:
            raise TemplateError(f"template {self.name!r} needs variable(s) {', '.join(missing)}")
        if "link" in self.variables and not _LINK.match(variables["link"]):
            raise TemplateError(f"template {self.name!r}: variable 'link' is not an http(s) URL")
        escaped = {key: html.escape(value, quote=True) for key, value in variables.items()}
        subject = self.subject.substitute(variables)
        content = self.html.substitute(escaped)
        return RenderedMail(
            subject=subject,
            text=self.text.substitute(variables),
            html=_HTML_LAYOUT.substitute(title=html.escape(subject), content=content),
        )


def _template(name: str, subject: str, text: str, html_content: str) -> MailTemplate:
    return MailTemplate(name, Template(subject), Template(text), Template(html_content))


_FOOTER_TEXT = "\n-- \nInferaDB\n"
_NOTICE_WARNING = "If it was not you, reset your password at once and review your sessions and security settings."


def _notice(name: str, subject: str, what: str) -> MailTemplate:
    """A security notice without a link (api.md §10): what changed, and what to do if it was not you."""
    return _template(
        name,
        subject,
        f"Hello $name,\n\n{what}\n\n{_NOTICE_WARNING}\n" + _FOOTER_TEXT,
        f"<p>Hello $name,</p>\n<p>{what}</p>\n<p>{_NOTICE_WARNING}</p>",
    )


TEMPLATES: Mapping[str, MailTemplate] = {
    template.name: template
    for template in (
        _template(
            "verify_email",
            "Verify your email address",
            """\
Hello $name,

Please confirm your email address for InferaDB by opening this link:

$link

If you did not add this address to an InferaDB account, you can ignore this mail.
"""
            + _FOOTER_TEXT,
            """\
<p>Hello $name,</p>
<p>Please confirm your email address for InferaDB:</p>
<p><a href="$link">Verify email address</a></p>
<p>Or copy this link into your browser:<br>$link</p>
<p>If you did not add this address to an InferaDB account, you can ignore this mail.</p>""",
        ),
        _template(
            "reset_password",
            "Reset your password",
            """\
Hello $name,

Someone asked to reset the password of your InferaDB account. To choose a new password, open this link:

$link

If it was not you, ignore this mail: your password stays as it is.
"""
            + _FOOTER_TEXT,
            """\
<p>Hello $name,</p>
<p>Someone asked to reset the password of your InferaDB account.</p>
<p><a href="$link">Choose a new password</a></p>
<p>Or copy this link into your browser:<br>$link</p>
<p>If it was not you, ignore this mail: your password stays as it is.</p>""",
        ),
        _template(
            "password_changed",
            "Your password was changed",
            """\
Hello $name,

The password of your InferaDB account was just changed.

If you did not change it, reset your password at once and review your active sessions.
"""
            + _FOOTER_TEXT,
            """\
<p>Hello $name,</p>
<p>The password of your InferaDB account was just changed.</p>
<p>If you did not change it, reset your password at once and review your active sessions.</p>""",
        ),
        _template(
            "invitation",
            "You've been invited to join $org_name",
            """\
Hello,

$inviter_name invited you to join the organization $org_name on InferaDB as $role.
To accept the invitation, open this link:

$link

If you do not know $inviter_name, you can ignore this mail.
"""
            + _FOOTER_TEXT,
            """\
<p>Hello,</p>
<p>$inviter_name invited you to join the organization <strong>$org_name</strong> on InferaDB
as <strong>$role</strong>.</p>
<p><a href="$link">Accept the invitation</a></p>
<p>Or copy this link into your browser:<br>$link</p>
<p>If you do not know $inviter_name, you can ignore this mail.</p>""",
        ),
        _notice(
            "mfa_enabled",
            "Two-factor authentication was turned on",
            "Two-factor authentication was just turned on for your InferaDB account. Signing in now asks for "
            "a code from your authenticator app (or a recovery code) after your password.",
        ),
        _notice(
            "mfa_disabled",
            "Two-factor authentication was turned off",
            "Two-factor authentication was just turned off for your InferaDB account, and its recovery codes "
            "no longer work. Signing in now needs only your password (or a passkey).",
        ),
        _notice(
            "passkey_added",
            "A passkey was added",
            "A passkey was just added to your InferaDB account. It can sign in to the account without a password.",
        ),
    )
}


def render(template: str, variables: Mapping[str, str]) -> RenderedMail:
    """The subject, text and HTML of ``template`` with ``variables``; ``TemplateError`` if it cannot be."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise TemplateError(f"unknown template {template[:64]!r}")
    return spec.render(variables)
