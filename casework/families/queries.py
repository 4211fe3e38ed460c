"""Reads of the families domain, every one scoped to the actor's organisation through the case."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from casework.access import Access
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.errors import NotFound, or_404
from casework.families.models import (
    Consent,
    ConsentPurpose,
    FamilyUnreachable,
    Notification,
    NotificationKind,
    NotificationOutcome,
    Relative,
)
from casework.families.policy import OFFICER_ROLES
from casework.families.resources import RELATIVE
from casework.keys import BlindIndexEntry, DataKey, owners_matching

_PENDING = or_(
    Notification.outcome.is_(None),
    Notification.outcome.in_([NotificationOutcome.not_reached, NotificationOutcome.rescheduled]),
)
_FOLLOW_UP_OPEN = and_(
    Notification.follow_up_due.is_not(None), Notification.follow_up_completed_at.is_(None)
)
#: When a notification next needs the officer: its planned date while it is still to be
#: given, then its follow-up date until that is closed out; NULL when nothing is due.
DUE_DATE = case(
    (_PENDING, Notification.planned_date),
    (_FOLLOW_UP_OPEN, Notification.follow_up_due),
    else_=None,
)


def _page(session: Session, stmt: Select[Any], page: int, per_page: int) -> tuple[list, int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return items, total


def visible_relative(access: Access, relative_id: uuid.UUID) -> Relative | None:
    """The relative, if the actor may see it (own organisation's or granted; else None → 404).
    A row only: the caller shows it through `access.read`, which records the read."""
    return access.session.scalar(access.select(RELATIVE).where(Relative.id == relative_id))


def owned_relative(session: Session, relative_id: uuid.UUID, actor: Actor) -> Relative | None:
    """The relative, if its case belongs to the actor's organisation: for a write."""
    stmt = Access(session, actor).owned_select(RELATIVE).where(Relative.id == relative_id)
    return session.scalar(stmt)


def relatives_of_case(
    access: Access, case_id: uuid.UUID, page: int = 1, per_page: int = 100
) -> tuple[list[Relative], int]:
    """One page of a case's relatives that the actor may see (rows only: the caller shows them
    through `access.read_page`)."""
    stmt = (
        access.select(RELATIVE)
        .where(Relative.case_id == case_id)
        .order_by(Relative.created_at, Relative.id)
    )
    return _page(access.session, stmt, page, per_page)


def relatives_with_index(session: Session, actor: Actor, field: str, token: int) -> list[Relative]:
    """Candidates of a blind-index look-up in the actor's organisation (to be re-checked): the
    hotline finds the organisation's own families, never those of cases shared with it."""
    stmt = (
        Access(session, actor)
        .owned_select(RELATIVE)
        .where(*[Relative.id.in_(sub) for sub in owners_matching(field, [{token}])])
    )
    return list(session.scalars(stmt.order_by(Relative.created_at, Relative.id)).unique())


def consent_for_actor(session: Session, consent_id: uuid.UUID, actor: Actor) -> Consent | None:
    stmt = (
        Access(session, actor)
        .owned(
            select(Consent)
            .join(Relative, Consent.relative_id == Relative.id)
            .join(Case, Relative.case_id == Case.id),
            RELATIVE,
        )
        .where(Consent.id == consent_id)
    )
    return session.scalar(stmt)


def consents_of_relative(
    session: Session, relative_id: uuid.UUID, page: int = 1, per_page: int = 100
) -> tuple[list[Consent], int]:
    stmt = (
        select(Consent)
        .where(Consent.relative_id == relative_id)
        .order_by(Consent.given_at.desc(), Consent.id)
    )
    return _page(session, stmt, page, per_page)


def active_consents_of_relative(
    session: Session, relative_id: uuid.UUID, purpose: ConsentPurpose
) -> list[Consent]:
    stmt = select(Consent).where(
        Consent.relative_id == relative_id,
        Consent.purpose == purpose,
        Consent.withdrawn_at.is_(None),
    )
    return list(session.scalars(stmt).unique())


def active_consents_of_case(
    session: Session, case_id: uuid.UUID, purpose: ConsentPurpose
) -> list[Consent]:
    stmt = (
        select(Consent)
        .join(Relative, Consent.relative_id == Relative.id)
        .where(
            Relative.case_id == case_id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
    )
    return list(session.scalars(stmt).unique())


def notification_for_actor(
    session: Session, notification_id: uuid.UUID, actor: Actor
) -> Notification | None:
    stmt = (
        Access(session, actor)
        .owned(select(Notification).join(Case, Notification.case_id == Case.id), RELATIVE)
        .where(Notification.id == notification_id)
    )
    return session.scalar(stmt)


def notifications_of_case(
    session: Session, case_id: uuid.UUID, page: int = 1, per_page: int = 100
) -> tuple[list[Notification], int]:
    stmt = (
        select(Notification)
        .where(Notification.case_id == case_id)
        .order_by(Notification.planned_date, Notification.created_at, Notification.id)
    )
    return _page(session, stmt, page, per_page)


def notifications_of_relative(session: Session, relative_id: uuid.UUID) -> list[Notification]:
    stmt = (
        select(Notification)
        .where(Notification.relative_id == relative_id)
        .order_by(Notification.planned_date, Notification.created_at, Notification.id)
    )
    return list(session.scalars(stmt).unique())


def worklist(
    session: Session, actor: Actor, due_before: dt.date, page: int = 1, per_page: int = 25
) -> tuple[list[Notification], int]:
    """Notifications due by `due_before` in the actor's organisation, earliest first: still to
    be given with planned_date <= due_before, or a follow-up due by then and not closed out.
    Relatives who were erased are left out (nobody can be contacted any more)."""
    stmt = (
        Access(session, actor)
        .owned(
            select(Notification)
            .join(Case, Notification.case_id == Case.id)
            .join(DataKey, Notification.data_key_id == DataKey.id)
            .where(DataKey.wrapped_key.is_not(None), due_before >= DUE_DATE),
            RELATIVE,
        )
        .order_by(DUE_DATE, Notification.created_at, Notification.id)
    )
    return _page(session, stmt, page, per_page)


def has_delivered_identification(session: Session, case_id: uuid.UUID) -> bool:
    """Was an identification notification delivered to at least one relative of the case?"""
    stmt = select(Notification.id).where(
        Notification.case_id == case_id,
        Notification.kind == NotificationKind.identification,
        Notification.outcome == NotificationOutcome.delivered,
        Notification.delivered_date.is_not(None),
    )
    return session.scalar(stmt.limit(1)) is not None


def has_unreachable_record(session: Session, case_id: uuid.UUID) -> bool:
    """Was it documented that no relative of the case could be reached?"""
    stmt = select(FamilyUnreachable.id).where(FamilyUnreachable.case_id == case_id)
    return session.scalar(stmt.limit(1)) is not None


def _officers(organisation_id: uuid.UUID) -> Select[Any]:
    return select(User).where(
        User.organisation_id == organisation_id,
        User.is_active_user.is_(True),
        User.role.in_(OFFICER_ROLES),
    )


def existing_organisation_ids(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these organisation ids exist on this instance."""
    if not ids:
        return set()
    return set(session.scalars(select(Organisation.id).where(Organisation.id.in_(ids))))


def officer_in_organisation(
    session: Session, user_id: uuid.UUID, organisation_id: uuid.UUID
) -> User | None:
    """An active liaison officer or focal point of the organisation, or None."""
    return session.scalar(_officers(organisation_id).where(User.id == user_id))


def officers_of_organisation(session: Session, organisation_id: uuid.UUID) -> list[User]:
    """Who may deliver notifications, for the page's picker."""
    return list(session.scalars(_officers(organisation_id).order_by(User.email)).unique())


def index_entry_count(session: Session, data_key_id: uuid.UUID) -> int:
    """How many blind-index values derive from a subject's data key."""
    stmt = select(func.count()).where(BlindIndexEntry.data_key_id == data_key_id)
    return session.scalar(stmt) or 0


def cases_of_organisation(session: Session, organisation_id: uuid.UUID) -> list[Case]:
    """The organisation's cases, oldest first (for demo data)."""
    stmt = (
        select(Case)
        .where(Case.organisation_id == organisation_id)
        .order_by(Case.created_at, Case.id)
    )
    return list(session.scalars(stmt).unique())


# --- look-ups that answer 404 (pages and API share them) ---------------------------------


def relative_or_404(session: Session, actor: Actor, relative_id: uuid.UUID) -> Relative:
    """The actor's organisation's relative, for a write (anything else is a 404)."""
    return or_404(owned_relative(session, relative_id, actor), "No such relative.")


def visible_relative_or_404(
    access: Access, relative_id: uuid.UUID, category: str | None = None
) -> Relative:
    """A relative the actor may read, and of whom `category` (else: anything) may be shown."""
    relative = visible_relative(access, relative_id)
    if relative is not None:
        shown = access.shown(RELATIVE, relative)
        if shown.shows(category) if category else shown.categories:
            return relative
    raise NotFound("No such relative.")


def consent_or_404(session: Session, actor: Actor, consent_id: uuid.UUID) -> Consent:
    return or_404(consent_for_actor(session, consent_id, actor), "No such consent.")


def notification_or_404(session: Session, actor: Actor, notification_id: uuid.UUID) -> Notification:
    return or_404(notification_for_actor(session, notification_id, actor), "No such notification.")
