"""Templates, the MIME message, the dead-letter redaction and the SMTP failure verdicts, without a network."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import aiosmtplib
import orjson
import pytest

from inferadb_common.config import ConfigError, EmailConfig
from inferadb_common.events.envelope import MailRequest
from inferadb_mailer.message import InvalidMessage, compose, sender_address
from inferadb_mailer.redaction import recipient_hash, redact_mail_request
from inferadb_mailer.smtp import PermanentSmtpError, TransientSmtpError, classify
from inferadb_mailer.templates import TEMPLATES, TemplateError, render
from inferadb_testing import html_body, text_body

LINK = "http://front.test/verify-email?token=tok_SECRET123&x=1"
SUBJECTS = {
    "verify_email": "Verify your email address",
    "reset_password": "Reset your password",
    "password_changed": "Your password was changed",
    "invitation": "You've been invited to join Acme & Co",
    "mfa_enabled": "Two-factor authentication was turned on",
    "mfa_disabled": "Two-factor authentication was turned off",
    "passkey_added": "A passkey was added",
}
VARIABLES = {
    "verify_email": {"name": "Ann", "link": LINK},
    "reset_password": {"name": "Ann", "link": LINK},
    "password_changed": {"name": "Ann"},
    "invitation": {"org_name": "Acme & Co", "inviter_name": "Bo", "role": "admin", "link": LINK},
    "mfa_enabled": {"name": "Ann"},
    "mfa_disabled": {"name": "Ann"},
    "passkey_added": {"name": "Ann"},
}


def _request(template: str = "verify_email", **changes: object) -> MailRequest:
    fields: dict[str, object] = {
        "id": "7312",
        "template": template,
        "to": "ann@example.com",
        "time": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "request_id": "req-1",
        "variables": VARIABLES[template],
    }
    fields.update(changes)
    return MailRequest.model_validate(fields)


def test_the_templates_are_the_producers_contract() -> None:
    assert set(TEMPLATES) == set(SUBJECTS)
    assert TEMPLATES["verify_email"].variables == {"name", "link"}
    assert TEMPLATES["reset_password"].variables == {"name", "link"}
    assert TEMPLATES["password_changed"].variables == {"name"}
    assert TEMPLATES["invitation"].variables == {"org_name", "inviter_name", "role", "link"}
    for notice in ("mfa_enabled", "mfa_disabled", "passkey_added"):  # api.md §10's notices: no link
        assert TEMPLATES[notice].variables == {"name"}


@pytest.mark.parametrize("template", sorted(SUBJECTS))
def test_each_template_renders_its_subject_and_puts_the_link_alone_on_a_text_line(template: str) -> None:
    rendered = render(template, VARIABLES[template])
    assert rendered.subject == SUBJECTS[template]
    if "link" in VARIABLES[template]:
        assert LINK in rendered.text.splitlines()
        assert 'href="http://front.test/verify-email?token=tok_SECRET123&amp;x=1"' in rendered.html
    else:
        assert "http" not in rendered.text
        assert "href" not in rendered.html
    assert rendered.html.startswith("<!DOCTYPE html>")


def test_variables_are_html_escaped_in_the_html_part_only() -> None:
    rendered = render("verify_email", {"name": '<script>alert("x")</script> & Bo', "link": LINK})
    assert '<script>alert("x")</script> & Bo' in rendered.text
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Bo" in rendered.html


def test_unknown_templates_missing_variables_and_odd_links_are_refused_without_echoing_values() -> None:
    with pytest.raises(TemplateError, match="unknown template 'welcome'"):
        render("welcome", {})
    with pytest.raises(TemplateError, match="needs variable\\(s\\) link"):
        render("verify_email", {"name": "Ann"})
    for link in ("javascript:alert(1)", "http://a.test/x\nBcc: y", "ftp://a.test/tok_SECRET123"):
        with pytest.raises(TemplateError) as raised:
            render("reset_password", {"name": "Ann", "link": link})
        assert "SECRET" not in str(raised.value)
        assert "alert" not in str(raised.value)


def test_the_message_is_multipart_alternative_with_sender_id_and_date_from_the_request() -> None:
    config = EmailConfig(from_email="noreply@inferadb.test", from_name="InferaDB Team")
    request = _request()
    message = compose(request, render(request.template, request.variables), sender_address(config))
    raw = message.as_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["From"] == "InferaDB Team <noreply@inferadb.test>"
    assert parsed["To"] == "ann@example.com"
    assert parsed["Subject"] == "Verify your email address"
    assert parsed["Message-ID"] == "<inferadb-mail-7312@inferadb.test>"
    assert parsed["Date"].datetime == request.time
    assert LINK in text_body(parsed).splitlines()
    assert "&amp;x=1" in html_body(parsed)
    # The raw text part shows the link as sent, not quoted-printable encoded.
    assert LINK.encode() in raw
    # The same request always makes the same mail, so a resent one is recognisable.
    again = compose(request, render(request.template, request.variables), sender_address(config))
    for header in ("Subject", "From", "To", "Date", "Message-ID"):
        assert again[header] == message[header]
    assert [part.get_content() for part in again.iter_parts()] == [part.get_content() for part in message.iter_parts()]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"to": "ann@example.com, eve@example.com"}, "single email address"),
        ({"to": "Ann <ann@example.com>"}, "single email address"),
        ({"to": "ann@example.com\r\nBcc: eve@example.com"}, "single email address"),
        ({"to": ""}, "single email address"),
        ({"id": "7312>\r\nBcc: eve@example.com"}, "request id"),
        ({"id": "x" * 65}, "request id"),
    ],
)
def test_requests_that_cannot_become_a_valid_mail_are_refused(changes: dict[str, str], problem: str) -> None:
    request = _request(**changes)
    with pytest.raises(InvalidMessage, match=problem):
        compose(request, render(request.template, request.variables), sender_address(EmailConfig()))


def test_a_line_break_in_an_organization_name_cannot_inject_headers() -> None:
    variables = {**VARIABLES["invitation"], "org_name": "Acme\r\nBcc: eve@example.com"}
    request = _request("invitation", variables=variables)
    with pytest.raises(InvalidMessage, match="invalid header"):
        compose(request, render(request.template, request.variables), sender_address(EmailConfig()))


def test_an_unusable_from_address_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"email\.from_email"):
        sender_address(EmailConfig(from_email="not-an-address"))


def test_the_dead_letter_copy_keeps_ids_and_a_recipient_hash_but_never_the_link_or_address() -> None:
    request = _request("invitation", to="Ann@Example.com")
    copy = orjson.loads(redact_mail_request(request.model_dump_json().encode()))
    assert copy["id"] == "7312"
    assert copy["template"] == "invitation"
    assert copy["request_id"] == "req-1"
    assert copy["time"].startswith("2026-01-02T03:04:05")
    assert copy["recipient_sha256"] == recipient_hash("ann@example.com")
    assert "variables" not in copy
    assert "to" not in copy
    text = orjson.dumps(copy).decode()
    assert "SECRET" not in text
    assert "example.com" not in text.lower()


def test_an_undecodable_payload_is_never_copied_to_the_dead_letter_stream() -> None:
    for payload in (b"not json http://x/?token=tok_SECRET", b'["tok_SECRET"]', b'{"variables": "tok_SECRET"}'):
        copy = redact_mail_request(payload)
        assert b"SECRET" not in copy
        assert orjson.loads(copy)["id"] is None


@pytest.mark.parametrize(
    ("error", "verdict", "reason"),
    [
        (aiosmtplib.SMTPDataError(451, "try later"), TransientSmtpError, "SMTP 451 try later"),
        (aiosmtplib.SMTPDataError(554, "rejected"), PermanentSmtpError, "SMTP 554 rejected"),
        (aiosmtplib.SMTPSenderRefused(550, "no", "noreply@x"), PermanentSmtpError, "SMTP 550 no"),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "<ann@example.com> unknown", "ann@example.com")]
            ),
            PermanentSmtpError,
            "SMTP 550 <[recipient]> unknown",
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(452, "mailbox full", "ann@example.com")]),
            TransientSmtpError,
            "SMTP 452 mailbox full",
        ),
        (aiosmtplib.SMTPConnectError("refused"), TransientSmtpError, "SMTP SMTPConnectError: refused"),
        (aiosmtplib.SMTPServerDisconnected("gone"), TransientSmtpError, "SMTP SMTPServerDisconnected: gone"),
        (aiosmtplib.SMTPReadTimeoutError("slow"), TransientSmtpError, "SMTP timeout"),
        (TimeoutError(), TransientSmtpError, "SMTP timeout"),
        (ConnectionRefusedError(111, "refused"), TransientSmtpError, "connection failed"),
    ],
)
def test_smtp_failures_are_sorted_into_transient_and_permanent(
    error: BaseException, verdict: type[Exception], reason: str
) -> None:
    result = classify(error, "ann@example.com")
    assert type(result) is verdict
    assert reason in result.reason
    assert "ann@example.com" not in result.reason
    # Not an OSError/TimeoutError: the consumer would retry those forever instead of max_attempts times.
    assert not isinstance(result, OSError | TimeoutError)
