"""SQL of the user directory projection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from inferadb_common.db import dialect_insert
from inferadb_orgs.tables import directory_users, directory_verified_emails


async def upsert_user(db: AsyncSession, user_id: int, *, name: str, email: str | None, at: datetime) -> None:
    statement = dialect_insert(db)(directory_users).values(id=user_id, name=name, email=email, updated_at=at)
    await db.execute(statement.on_conflict_do_update(index_elements=["id"], set_={"name": name, "email": email}))


async def rename_user(db: AsyncSession, user_id: int, name: str, at: datetime) -> None:
    await db.execute(update(directory_users).where(directory_users.c.id == user_id).values(name=name, updated_at=at))


async def set_primary_email(db: AsyncSession, user_id: int, email: str, at: datetime) -> None:
    await db.execute(update(directory_users).where(directory_users.c.id == user_id).values(email=email, updated_at=at))


async def add_verified_email(db: AsyncSession, user_id: int, email: str) -> None:
    statement = dialect_insert(db)(directory_verified_emails).values(email=email, user_id=user_id)
    await db.execute(statement.on_conflict_do_update(index_elements=["email"], set_={"user_id": user_id}))


async def remove_verified_email(db: AsyncSession, user_id: int, email: str) -> None:
    await db.execute(
        delete(directory_verified_emails).where(
            directory_verified_emails.c.email == email, directory_verified_emails.c.user_id == user_id
        )
    )


async def delete_user(db: AsyncSession, user_id: int) -> None:
    await db.execute(delete(directory_users).where(directory_users.c.id == user_id))


async def verified_emails(db: AsyncSession, user_id: int) -> list[str]:
    query = select(directory_verified_emails.c.email).where(directory_verified_emails.c.user_id == user_id)
    return list((await db.execute(query)).scalars())


async def user_name(db: AsyncSession, user_id: int) -> str | None:
    query = select(directory_users.c.name).where(directory_users.c.id == user_id)
    return (await db.execute(query)).scalar_one_or_none()


async def has_verified_email(db: AsyncSession, user_id: int) -> bool:
    query = select(directory_verified_emails.c.email).where(directory_verified_emails.c.user_id == user_id).limit(1)
    return (await db.execute(query)).first() is not None
