"""Each process's NATS user and what it may publish and subscribe to: the one source of the shipped
``deploy/nats/authorization.conf`` (a test keeps them equal) and of the configuration ``make run``
writes for its embedded server.

A service publishes only its own subjects: ``inferadb.events.<service>.>`` (auth and orgs), the mail
work queue (auth and orgs, whose mails carry links), its core-NATS notices, dead letters of its own
consumers, acks and consumer calls on the streams it reads, its KV buckets. Replies arrive on the
user's own inbox prefix ``_INBOX_<user>`` (see :func:`inferadb_common.bus.inbox_prefix`), so no
user can read another's replies, the mailer's fetched mail requests among them. The gateway, which
faces the internet, manages no stream, reads no stream and publishes nothing but its presence key;
it answers revocation notices through ``allow_responses``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from inferadb_common.events.catalog import EVENTS_SUBJECT_PREFIX
from inferadb_common.events.streams import (
    DEADLETTER_PREFIX,
    DEADLETTER_STREAM,
    EVENTS_STREAM,
    MAIL_STREAM,
    MAIL_SUBJECT,
    SESSION_REVOKED_SUBJECT,
)
from inferadb_common.ids import LEASE_BUCKET
from inferadb_common.revocation import PRESENCE_BUCKET

PROCESSES: tuple[str, ...] = ("auth", "orgs", "audit", "mailer", "gateway")
ORGS_NOTICES = "inferadb.orgs.>"  # signing key rotations, credential cache invalidations
_MANAGED_STREAMS = (EVENTS_STREAM, MAIL_STREAM, DEADLETTER_STREAM)


def password_variable(process: str) -> str:
    """The environment variable of the NATS server that holds the process's password."""
    return f"INFERADB_NATS_{process.upper()}_PASSWORD"


def _stream_admin(stream: str) -> list[str]:
    return [f"$JS.API.STREAM.{verb}.{stream}" for verb in ("INFO", "CREATE", "UPDATE")]


def _consume(stream: str) -> list[str]:
    """A durable pull consumer on the stream: create/look up, fetch, ack/nak/term."""
    api = "$JS.API.CONSUMER"
    subjects = [f"{api}.{verb}.{stream}.>" for verb in ("CREATE", "DURABLE.CREATE", "INFO", "MSG.NEXT")]
    return [f"{api}.CREATE.{stream}", *subjects, f"$JS.ACK.{stream}.>"]


def _kv_bucket(bucket: str, *, write: bool, watch: bool = False) -> list[str]:
    stream = f"KV_{bucket}"
    subjects = [f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.CREATE.{stream}"]
    if write:
        subjects += [
            f"$KV.{bucket}.>",
            f"$JS.API.DIRECT.GET.{stream}.>",
            f"$JS.API.STREAM.MSG.GET.{stream}",
        ]
    if watch:  # KV keys(): an ephemeral ordered consumer, deleted afterwards
        api = "$JS.API.CONSUMER"
        verbs = ("CREATE", "INFO", "DELETE")
        subjects += [f"{api}.CREATE.{stream}", *(f"{api}.{verb}.{stream}.>" for verb in verbs)]
        subjects += [f"$JS.FC.{stream}.>"]
    return subjects


@dataclass(frozen=True, slots=True)
class Permissions:
    publish: Sequence[str]
    subscribe: Sequence[str]
    allow_responses: bool = False


def permissions(process: str) -> Permissions:
    inbox = f"_INBOX_{process}.>"
    base = ["$JS.API.INFO"]
    streams = [subject for stream in _MANAGED_STREAMS for subject in _stream_admin(stream)]
    lease = _kv_bucket(LEASE_BUCKET, write=True)
    dead_letters = [f"{DEADLETTER_PREFIX}.>"]
    if process == "auth":
        publish = [
            f"{EVENTS_SUBJECT_PREFIX}.auth.>",
            MAIL_SUBJECT,
            SESSION_REVOKED_SUBJECT,
            *base,
            *streams,
            *lease,
            *_kv_bucket(PRESENCE_BUCKET, write=False, watch=True),
        ]
        return Permissions(publish, [inbox])
    if process == "orgs":
        publish = [
            f"{EVENTS_SUBJECT_PREFIX}.orgs.>",
            MAIL_SUBJECT,
            ORGS_NOTICES,
            *base,
            *streams,
            *lease,
            *_consume(EVENTS_STREAM),
            *dead_letters,
        ]
        return Permissions(publish, [inbox, ORGS_NOTICES])
    if process == "audit":
        return Permissions([*base, *streams, *lease, *_consume(EVENTS_STREAM), *dead_letters], [inbox])
    if process == "mailer":
        return Permissions([*base, *streams, *_consume(MAIL_STREAM), *dead_letters], [inbox])
    if process == "gateway":
        publish = [*base, *_kv_bucket(PRESENCE_BUCKET, write=True)]
        return Permissions(publish, [inbox, SESSION_REVOKED_SUBJECT], allow_responses=True)
    raise ValueError(f"unknown process {process!r}; known: {list(PROCESSES)}")


def _allow(direction: str, values: Sequence[str]) -> list[str]:
    indent = " " * 12
    return [f"        {direction}: {{ allow: [", *(f'{indent}"{value}",' for value in values), "        ] }"]


def authorization_block(passwords: Mapping[str, str] | None = None, nkeys: Mapping[str, str] | None = None) -> str:
    """The ``authorization { users = [...] }`` block. Without ``passwords`` each password is the
    server's environment variable :func:`password_variable` (the shipped file); with them, the
    values themselves (``make run``'s private server, tests). A process named in ``nkeys`` signs in
    with that public NKey (``U…``) instead of a password, with the same permissions."""
    lines = ["authorization {", "  users = ["]
    for process in PROCESSES:
        grant = permissions(process)
        if nkeys is not None and process in nkeys:
            identity = [f'      nkey: "{nkeys[process]}"']
        else:
            password = f'"{passwords[process]}"' if passwords is not None else f"${password_variable(process)}"
            identity = [f'      user: "{process}"', f"      password: {password}"]
        lines += [
            "    {",
            *identity,
            "      permissions: {",
            *_allow("publish", grant.publish),
            *_allow("subscribe", grant.subscribe),
        ]
        if grant.allow_responses:
            lines.append("        allow_responses: true")
        lines += ["      }", "    }"]
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


SHIPPED_HEADER = """\
# NATS users of the InferaDB Management API, one per process, and what each may publish and subscribe
# to. Generated from libs/common/src/inferadb_common/nats_permissions.py (a test keeps them equal):
# change that module, then `python -m inferadb_common.nats_permissions > deploy/nats/authorization.conf`.
#
# Include it in the NATS server configuration (`include ./authorization.conf`). Each password is read
# from the NATS server's environment (INFERADB_NATS_<PROCESS>_PASSWORD); give each process its user
# and the same password as INFERADB_MGMT__NATS__USER / INFERADB_MGMT__NATS__PASSWORD. Replies go to
# the user's own inbox prefix _INBOX_<user>, which the processes use when nats.user is set.
"""


def shipped_authorization() -> str:
    return SHIPPED_HEADER + authorization_block()


if __name__ == "__main__":
    print(shipped_authorization(), end="")
