"""Reads of the auth domain."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import ApiToken, Organisation, User


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def users_of_organisation(session: Session, organisation_id: uuid.UUID) -> list[User]:
    stmt = select(User).where(User.organisation_id == organisation_id).order_by(User.email)
    return list(session.scalars(stmt))


def user_in_organisation(
    session: Session, user_id: uuid.UUID, organisation_id: uuid.UUID
) -> User | None:
    stmt = select(User).where(User.id == user_id, User.organisation_id == organisation_id)
    return session.scalar(stmt)


def organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def tokens_of_user(session: Session, user_id: uuid.UUID) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at)
    return list(session.scalars(stmt))
