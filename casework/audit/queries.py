"""Reads of the audit trail: filtered, organisation-scoped pages of events, newest first."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from casework.access import Access
from casework.audit.models import AuditEvent
from casework.audit.resources import AUDIT_EVENT
from casework.auth.policy import Actor


@dataclass(frozen=True)
class EventFilters:
    """Filters of the audit list; `action` ending in `.*` matches every action under a prefix."""

    actor_id: uuid.UUID | None = None
    case_reference: str | None = None
    action: str | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # inclusive

    def used(self) -> list[str]:
        """The names (never the values) of the filters in use, for the audit of the read."""
        names = {
            "actor": self.actor_id,
            "case": self.case_reference,
            "action": self.action,
            "from": self.since,
            "to": self.until,
        }
        return [name for name, value in names.items() if value is not None]


#: Instance-level events every auditor reads: those of no organisation under these prefixes. A
#: look-up of an unknown code on the public /family-status page (and its throttling) names no
#: case, so it belongs to no organisation; it names nothing either (no code, secret, address or
#: case), so every auditor on the instance may see it, and someone is responsible for it.
INSTANCE_ACTIONS = ("family_status.",)


def _instance_events() -> Any:
    return and_(
        AuditEvent.organisation_id.is_(None),
        or_(*(AuditEvent.action.startswith(p, autoescape=True) for p in INSTANCE_ACTIONS)),
    )


def _filtered(session: Session, actor: Actor, filters: EventFilters) -> Select[Any]:
    # Auditors read their own organisation's events (scoped by the access gateway), and the
    # instance-level events of `INSTANCE_ACTIONS`.
    stmt = Access(session, actor).owned_select(AUDIT_EVENT)
    own = stmt.whereclause
    if own is not None:
        stmt = select(AuditEvent).where(or_(own, _instance_events()))
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.case_reference is not None:
        stmt = stmt.where(AuditEvent.case_reference == filters.case_reference)
    if filters.action is not None:
        if filters.action.endswith(".*"):
            prefix = filters.action[:-1]
            stmt = stmt.where(AuditEvent.action.startswith(prefix, autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.created_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.created_at <= filters.until)
    return stmt


def events_page(
    session: Session,
    actor: Actor,
    filters: EventFilters,
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[AuditEvent], int]:
    """One page of the organisation's events matching `filters` (seq descending) and the total."""
    stmt = _filtered(session, actor, filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(AuditEvent.seq.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(rows), int(total)
