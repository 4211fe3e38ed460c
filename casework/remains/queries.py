"""Reads of the remains domain, every one scoped through the access gateway."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from casework.access import Access
from casework.auth.policy import Actor
from casework.errors import or_404
from casework.remains.models import Remains
from casework.remains.resources import REMAINS

_NOT_FOUND = "No such remains record."


def remains_or_404(access: Access, remains_id: uuid.UUID | str) -> Remains:
    """Remains the actor may see (own organisation's, or reached through the gateway); a
    malformed or unknown id, or one out of reach, is a 404. A row only: the caller shows it
    through `access.read`, which records the read."""
    return or_404(access.by_id(REMAINS, remains_id), _NOT_FOUND)


def owned_remains_or_404(
    access: Access, remains_id: uuid.UUID | str, for_update: bool = False
) -> Remains:
    """Remains of the actor's own organisation, for a write (anything else is a 404); with
    `for_update`, the row is locked until the transaction ends (PostgreSQL)."""
    return or_404(access.by_id(REMAINS, remains_id, owned=True, for_update=for_update), _NOT_FOUND)


@dataclass(frozen=True)
class RemainsFilters:
    status: str | None = None
    sex: str | None = None
    found_country: str | None = None


def _filtered(access: Access, filters: RemainsFilters) -> Select[Any]:
    stmt = access.select(REMAINS)
    if filters.status:
        stmt = stmt.where(Remains.status == filters.status)
    if filters.sex:
        stmt = stmt.where(Remains.sex == filters.sex)
    if filters.found_country:
        stmt = stmt.where(Remains.found_country == filters.found_country)
    return stmt


def list_remains(
    access: Access, filters: RemainsFilters, page: int = 1, per_page: int = 25
) -> tuple[list[Remains], int]:
    """One page of the remains the actor may see, newest first, and the total (rows only: the
    caller shows them through `access.read_page`)."""
    stmt = _filtered(access, filters)
    total = access.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ordered = stmt.order_by(Remains.created_at.desc(), Remains.id.desc())
    items = list(
        access.session.scalars(ordered.limit(per_page).offset((page - 1) * per_page)).unique()
    )
    return items, total


def denial_subject(
    session: Session, actor: Actor, view_args: dict[str, Any]
) -> tuple[str, str, None] | None:
    """For the audit of a refused request: the remains it named, if the actor's organisation
    holds them (an id that does not exist, or another's, says nothing worth keeping)."""
    remains_id = view_args.get("remains_id")
    if not isinstance(remains_id, uuid.UUID) or actor.organisation_id is None:
        return None
    stmt = select(Remains.id).where(
        Remains.id == remains_id, Remains.organisation_id == actor.organisation_id
    )
    found = session.scalar(stmt)
    return ("remains", str(found), None) if found is not None else None
