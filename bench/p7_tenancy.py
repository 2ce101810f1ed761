"""P7: tenancy scale. Org-scoped reads through the gateway, with a session cookie, on PostgreSQL holding
1,000 organizations (10,000 users), then again after the database has grown to 100,000 organizations
and 1,000,000 users. Bar, per read: p99 at 100,000 organizations ≤ 1.5 × p99 at 1,000 (the baseline,
measured in the same run, on the same stack, with the same load).

The measured organization is a real one: a user registered through the API (its default
organization), with vaults and teams made through the API and 40 more members. Everything else is
bulk-seeded with set-based SQL (``INSERT … SELECT FROM generate_series``) straight into the
services' tables, as auth and orgs would have written them: ``auth.users`` and their primary,
verified ``auth.user_emails``; in ``orgs`` the directory projection of those users
(``directory_users``, ``directory_verified_emails``), the organizations, one membership per user (ten
per organization, the first an OWNER), two vaults, one team and its manager per organization. Each
load is one transaction that takes the seeded tables' keys, indexes and foreign keys off and puts
them back afterwards (built by sorting and checked once, as a bulk import would: inserting a million
rows into live indexes, with a foreign-key trigger per row, took 2½ minutes here instead of half a
minute); then ``VACUUM (ANALYZE)`` and a checkpoint, so that the tables are as they would be in
steady state and neither autovacuum nor the checkpoint after a million rows runs into the
measurement. Every read's plan at 100,000 organizations was checked with ``auto_explain``
(log_analyze): index scans only, well under a millisecond each.

Load: 16 clients on raw keep-alive connections (:func:`bench.harness.raw_closed_loop`), one read
kind at a time, each kind for 12 s per phase in four slices (so that a burst of noise on this shared
machine does not land on one kind only; with 6 s in three slices, list members read 1.82× in one run
and 1.30× in the one before, at equal p50s). Diagnostic: the gateway's ``GET /health`` under the
same load in both phases, to show how noisy the machine was.

Run alone with ``python -m bench.p7_tenancy`` (writes bench/results/p7_tenancy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
import httpx

from bench.harness import (
    RESULTS,
    Latencies,
    Row,
    http_request,
    owner_with_vault,
    raw_closed_loop,
    running_stack,
    write_table,
)
from inferadb_testing.postgres import fresh_database

SMALL_ORGS = 1_000
LARGE_ORGS = 100_000
LARGE_USERS = 1_000_000
USERS_PER_ORG = 10
# Bulk-seeded ids are small; the services' own (snowflake) ids are far above them.
SEEDED_ORGS = LARGE_ORGS - 1  # the registered user's organization is the last one
SEEDED_USERS = LARGE_USERS - 1  # and the registered user the last user
EXTRA_MEMBERS = 40  # seeded users who are also members of the measured organization
EXTRA_MEMBER_ID = 10_000_000  # membership ids of those
VAULTS = 5
TEAMS = 3
CONCURRENCY = 16
DURATION = float(os.environ.get("BENCH_P7_DURATION", "12"))  # seconds per read kind per phase
SLICES = 4
WARM_UP = 2.0
BAR = 1.5
PASSWORD = "benchmark passphrase 2026"
TIER = "TIER_MAX_V1"
COOKIE = "infera_session"
HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2gtc2VlZGVkLXVzZXI$bulk+seeded+users+never+log+in+AAAAAAAAAAA"
ENV = {
    "INFERADB_MGMT__FEATURES__REQUIRE_EMAIL_VERIFICATION": "false",
    "INFERADB_MGMT__OBSERVABILITY__LOG_LEVEL": "warning",
    "INFERADB_MGMT__ORGANIZATIONS__DEFAULT_TIER": TIER,
}


# ----------------------------------------------------------------------------------------- seeding


def _org_of(user: str) -> str:
    """SQL: the organization a seeded user belongs to (ten a piece; the last one takes the rest)."""
    return f"least(({user} - 1) / {USERS_PER_ORG} + 1, {SEEDED_ORGS})"


def seed_statements(first_org: int, last_org: int) -> list[str]:
    """Organizations ``first_org..last_org`` with their users, memberships, vaults and teams."""
    first_user = (first_org - 1) * USERS_PER_ORG + 1
    last_user = SEEDED_USERS if last_org == SEEDED_ORGS else last_org * USERS_PER_ORG
    users = f"generate_series({first_user}, {last_user}) AS u"
    orgs = f"generate_series({first_org}, {last_org}) AS o"
    email = "'user' || u || '@p7.bench.test'"
    owner = f"(o - 1) * {USERS_PER_ORG} + 1"
    return [
        # auth: the accounts, each with one primary, verified address
        "INSERT INTO auth.users (id, name, password_hash, created_at, updated_at, tos_accepted_at)"
        f" SELECT u, 'User ' || u, '{HASH}', now(), now(), now() FROM {users}",
        "INSERT INTO auth.user_emails (id, user_id, email, is_primary, verified_at, created_at)"
        f" SELECT u, u, {email}, true, now(), now() FROM {users}",
        # orgs: its projection of those users
        "INSERT INTO orgs.directory_users (id, name, email, updated_at)"
        f" SELECT u, 'User ' || u, {email}, now() FROM {users}",
        f"INSERT INTO orgs.directory_verified_emails (email, user_id) SELECT {email}, u FROM {users}",
        # the organizations, every user a member of one (its first user the OWNER)
        "INSERT INTO orgs.organizations (id, name, tier, status, created_at, updated_at)"
        f" SELECT o, 'Organization ' || o, '{TIER}', 'active', now(), now() FROM {orgs}",
        "INSERT INTO orgs.organization_members (id, organization_id, user_id, role, joined_at)"
        f" SELECT u, {_org_of('u')}, u, CASE WHEN (u - 1) % {USERS_PER_ORG} = 0"
        f" AND u <= {SEEDED_ORGS * USERS_PER_ORG} THEN 'OWNER' ELSE 'MEMBER' END, now() FROM {users}",
        # two vaults and a team (managed by the owner) each
        "INSERT INTO orgs.vaults (id, organization_id, name, name_key, description, sync_status, created_at,"
        " updated_at) SELECT 2 * o - k, o, 'Vault ' || k, 'vault ' || k, NULL, 'PENDING', now(), now()"
        f" FROM {orgs}, (VALUES (0), (1)) AS v (k)",
        "INSERT INTO orgs.teams (id, organization_id, name, name_key, description, created_at, updated_at)"
        f" SELECT o, o, 'Engineering', 'engineering', NULL, now(), now() FROM {orgs}",
        "INSERT INTO orgs.team_members (id, team_id, user_id, is_manager, created_at)"
        f" SELECT o, o, {owner}, true, now() FROM {orgs}",
    ]


def extra_members_statement(organization_id: int) -> str:
    return (
        "INSERT INTO orgs.organization_members (id, organization_id, user_id, role, joined_at)"
        f" SELECT {EXTRA_MEMBER_ID} + u, {organization_id}, u, CASE WHEN u <= 3 THEN 'ADMIN' ELSE 'MEMBER' END, now()"
        f" FROM generate_series(1, {EXTRA_MEMBERS}) AS u"
    )


SEEDED_TABLES = [
    "auth.users",
    "auth.user_emails",
    *(
        f"orgs.{table}"
        for table in (
            "directory_users",
            "directory_verified_emails",
            "organizations",
            "organization_members",
            "vaults",
            "teams",
            "team_members",
        )
    ),
]

# Keys and indexes of the seeded tables, and every foreign key from or to them, as PostgreSQL has them.
CONSTRAINTS_SQL = """
SELECT c.conrelid::regclass::text AS rel, quote_ident(c.conname) AS name, pg_get_constraintdef(c.oid) AS def,
       c.contype = 'f' AS foreign
FROM pg_constraint c
WHERE c.contype IN ('p', 'u', 'f')
  AND (c.conrelid = ANY($1::regclass[]) OR (c.contype = 'f' AND c.confrelid = ANY($1::regclass[])))
ORDER BY c.contype = 'f', c.conrelid::regclass::text, c.conname
"""
INDEXES_SQL = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indrelid = ANY($1::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
"""


async def seed(dsn: str, statements: list[str]) -> float:
    """Run the inserts in one transaction with the keys, indexes and foreign keys of the seeded tables
    taken off and put back afterwards (built by sorting, and checked once), as a bulk import would;
    then VACUUM (ANALYZE) and CHECKPOINT. The services see none of it or all of it, every constraint
    checked."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
            constraints = await connection.fetch(CONSTRAINTS_SQL, SEEDED_TABLES)
            indexes = await connection.fetch(INDEXES_SQL, SEEDED_TABLES)
            for constraint in sorted(constraints, key=lambda row: not row["foreign"]):  # foreign keys first
                await connection.execute(f"ALTER TABLE {constraint['rel']} DROP CONSTRAINT {constraint['name']}")
            for index in indexes:
                await connection.execute(f"DROP INDEX {index['name']}")
            for statement in statements:
                await connection.execute(statement)
            for index in indexes:
                await connection.execute(index["def"])
            for constraint in constraints:  # keys first, then the foreign keys that need them
                await connection.execute(
                    f"ALTER TABLE {constraint['rel']} ADD CONSTRAINT {constraint['name']} {constraint['def']}"
                )
        for table in SEEDED_TABLES:
            await connection.execute(f"VACUUM (ANALYZE) {table}")
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await connection.execute("CHECKPOINT")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def counts(dsn: str) -> tuple[int, int]:
    connection = await asyncpg.connect(dsn)
    try:
        organizations: int = await connection.fetchval("SELECT count(*) FROM orgs.organizations")
        users: int = await connection.fetchval("SELECT count(*) FROM auth.users")
        return organizations, users
    finally:
        await connection.close()


# ----------------------------------------------------------------------------------------- the organization


@dataclass
class Tenant:
    organization: str
    vault: str
    team: str
    cookie: str


async def register(base: str) -> Tenant:
    """A registered user's organization with vaults and teams made through the API."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        org, first_vault = await owner_with_vault(http, "Tenant Owner", "p7@example.com", PASSWORD, "vault 0")
        vaults = [first_vault]
        for n in range(1, VAULTS):
            vault = await http.post(f"/v1/organizations/{org}/vaults", json={"name": f"vault {n}"})
            assert vault.status_code == 201, vault.text
            vaults.append(vault.json()["vault"]["id"])
        teams = []
        for n in range(TEAMS):
            team = await http.post(f"/v1/organizations/{org}/teams", json={"name": f"team {n}"})
            assert team.status_code == 201, team.text
            teams.append(team.json()["team"]["id"])
        cookie = http.cookies.get(COOKIE)
        assert cookie, "no session cookie after registration"
        return Tenant(str(org), vaults[len(vaults) // 2], teams[0], cookie)


async def add_team_members(base: str, tenant: Tenant) -> None:
    """Seeded members of the organization join its first team (through the API)."""
    async with httpx.AsyncClient(base_url=base, timeout=60, cookies={COOKIE: tenant.cookie}) as http:
        for user in range(1, 11):
            response = await http.post(
                f"/v1/organizations/{tenant.organization}/teams/{tenant.team}/members",
                json={"user_id": str(user), "is_manager": user == 1},
            )
            assert response.status_code == 201, response.text


def reads(tenant: Tenant) -> dict[str, str]:
    org = f"/v1/organizations/{tenant.organization}"
    return {
        "GET organization": org,
        "list members": f"{org}/members",
        "list vaults": f"{org}/vaults",
        "get vault": f"{org}/vaults/{tenant.vault}",
        "list teams": f"{org}/teams",
        "get team": f"{org}/teams/{tenant.team}",
    }


async def check_reads(base: str, tenant: Tenant) -> None:
    """Every read answers 200 with the organization's own data (and nothing of the seeded ones)."""
    async with httpx.AsyncClient(base_url=base, timeout=30, cookies={COOKIE: tenant.cookie}) as http:
        for name, path in reads(tenant).items():
            response = await http.get(path)
            assert response.status_code == 200, f"{name}: {response.status_code} {response.text}"
        members = (await http.get(reads(tenant)["list members"])).json()
        assert members["pagination"]["total"] == EXTRA_MEMBERS + 1, members["pagination"]
        team = (await http.get(reads(tenant)["get team"])).json()["team"]
        assert team["member_count"] == 10, team


# ----------------------------------------------------------------------------------------- measuring


@dataclass
class Phase:
    organizations: int = 0
    users: int = 0
    seed_seconds: float = 0.0
    latencies: dict[str, Latencies] = field(default_factory=dict)
    rates: dict[str, float] = field(default_factory=dict)


def constant(payload: bytes) -> Callable[[int], bytes]:
    return lambda _: payload


async def measure(base: str, tenant: Tenant, phase: Phase) -> None:
    cookie = {"Cookie": f"{COOKIE}={tenant.cookie}"}
    requests = {name: http_request("GET", path, headers=cookie) for name, path in reads(tenant).items()}
    requests["diagnostic: gateway GET /health"] = http_request("GET", "/health")
    for payload in requests.values():  # warm every path (and the caches after the bulk load)
        await raw_closed_loop(constant(payload), base_url=base, concurrency=CONCURRENCY, duration=WARM_UP / 2)
    for _ in range(SLICES):
        for name, payload in requests.items():
            rate, latencies = await raw_closed_loop(
                constant(payload), base_url=base, concurrency=CONCURRENCY, duration=DURATION / SLICES
            )
            total = phase.latencies.setdefault(name, Latencies())
            total.samples.extend(latencies.samples)
            total.errors += latencies.errors
            phase.rates[name] = phase.rates.get(name, 0.0) + rate / SLICES


def rows_of(small: Phase, large: Phase) -> list[Row]:
    rows = []
    for name, after in large.latencies.items():
        before = small.latencies[name]
        p99_before, p99_after = before.percentile(99) * 1000, after.percentile(99) * 1000
        diagnostic = name.startswith("diagnostic")
        errors = before.errors + after.errors
        rows.append(
            Row(
                f"P7 {name} p99 at {large.organizations:,} orgs" + ("" if diagnostic else " (vs 1,000)"),
                p99_after,
                "ms",
                p99_before,
                "– (noise indicator)" if diagnostic else f"≤ {BAR} × p99 at {small.organizations:,} orgs",
                True if diagnostic else p99_after <= BAR * p99_before and errors == 0,
                f"{small.organizations:,} orgs: {before.summary_ms()}, {small.rates[name]:,.0f}/s; "
                f"{large.organizations:,} orgs: {after.summary_ms()}, {large.rates[name]:,.0f}/s; errors {errors}",
            )
        )
    rows.append(
        Row(
            "P7 bulk seed (informational)",
            large.seed_seconds,
            "s",
            small.seed_seconds,
            "–",
            True,
            f"{small.organizations:,} orgs / {small.users:,} users, then {large.organizations:,} orgs / "
            f"{large.users:,} users (with memberships, directory projection, vaults, teams; VACUUM ANALYZE)",
        )
    )
    return rows


def run() -> list[Row]:
    small, large = Phase(), Phase()
    with fresh_database() as url:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        storage = {"backend": "postgres", "url": url, "auto_migrate": True}
        with running_stack(ENV, storage) as stack:
            base = stack.gateway_url
            tenant = asyncio.run(register(base))
            small.seed_seconds = asyncio.run(
                seed(dsn, [*seed_statements(1, SMALL_ORGS - 1), extra_members_statement(int(tenant.organization))])
            )
            asyncio.run(add_team_members(base, tenant))
            asyncio.run(check_reads(base, tenant))
            small.organizations, small.users = asyncio.run(counts(dsn))
            print(f"{small.organizations:,} organizations, {small.users:,} users; measuring", flush=True)
            asyncio.run(measure(base, tenant, small))

            large.seed_seconds = asyncio.run(seed(dsn, seed_statements(SMALL_ORGS, SEEDED_ORGS)))
            large.organizations, large.users = asyncio.run(counts(dsn))
            print(
                f"seeded up to {large.organizations:,} organizations, {large.users:,} users in "
                f"{large.seed_seconds:.0f} s; measuring",
                flush=True,
            )
            asyncio.run(check_reads(base, tenant))
            asyncio.run(measure(base, tenant, large))
    return rows_of(small, large)


if __name__ == "__main__":
    print(write_table("P7 — tenancy scale", run(), RESULTS / "p7_tenancy.md"))
