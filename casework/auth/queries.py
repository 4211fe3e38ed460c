"""Reads of the auth domain."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.auth.models import ApiToken, Organisation, RoleRequest, RoleRequestStatus, User


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
    return list(session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def organisations_page(
    session: Session, page: int = 1, per_page: int = 25
) -> tuple[list[Organisation], int]:
    """One page of the organisations known to this instance, by name then id, and the total.

    Only this instance's own organisations for now (peers' come with a later issue). The table
    is small (organisations, not people), and the ordering is served by the unique index on
    `name` (`uq_organisations_name`); `id` only makes the order total.
    """
    total = session.scalar(select(func.count(Organisation.id))) or 0
    stmt = (
        select(Organisation)
        .order_by(Organisation.name, Organisation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(session.scalars(stmt)), int(total)


def organisation_choices(session: Session) -> list[tuple[str, str]]:
    """`(id, "Name (CC)")` for every organisation, sorted by name: the options of a picker."""
    return [(str(o.id), f"{o.name} ({o.country})") for o in organisations(session)]


def tokens_of_user(session: Session, user_id: uuid.UUID) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at)
    return list(session.scalars(stmt))


def pending_role_requests(
    session: Session, organisation_id: uuid.UUID, user_id: uuid.UUID | None = None
) -> list[RoleRequest]:
    """Requests for a privileged role waiting for a second admin, oldest first."""
    stmt = select(RoleRequest).where(
        RoleRequest.organisation_id == organisation_id,
        RoleRequest.status == RoleRequestStatus.pending,
    )
    if user_id is not None:
        stmt = stmt.where(RoleRequest.user_id == user_id)
    return list(session.scalars(stmt.order_by(RoleRequest.requested_at, RoleRequest.id)))
