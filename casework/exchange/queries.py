"""Reads of the exchange domain. Shares (their justification is personal) are read through the
access gateway by the owning organisation only; agreements and the exchange log hold no
personal value and are scoped to the actor's organisation here; partner views reach cases
through the gateway's grants."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from casework.access import Access
from casework.access.gateway import as_uuid
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.cases.queries import is_reference, normalise_reference
from casework.cases.resources import CASE
from casework.categories import ordered
from casework.db import utcnow
from casework.errors import or_404
from casework.exchange.models import (
    Agreement,
    AgreementRevision,
    Direction,
    ExchangeEntry,
    PartnerGrant,
    Share,
    ShareStatus,
)
from casework.exchange.resources import SHARE


def _page(session: Session, stmt: Select[Any], page: int, per_page: int) -> tuple[list, int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique()
    return list(rows), total


# --- agreements -------------------------------------------------------------------------------


def _agreements_of(actor: Actor) -> Select[Any]:
    """Agreements the actor's organisation made, and those that name it as the partner."""
    return select(Agreement).where(
        or_(
            Agreement.organisation_id == actor.organisation_id,
            Agreement.partner_organisation_id == actor.organisation_id,
        )
    )


def agreements_page(
    session: Session,
    actor: Actor,
    page: int,
    per_page: int,
    *,
    partner: uuid.UUID | None = None,
    active: bool | None = None,
) -> tuple[list[Agreement], int]:
    stmt = _agreements_of(actor)
    if partner is not None:
        stmt = stmt.where(Agreement.partner_organisation_id == partner)
    if active is not None:
        today = utcnow().date()
        live = (
            (Agreement.valid_from <= today)
            & (Agreement.valid_to.is_(None) | (Agreement.valid_to >= today))
            # `ended_on` is the day it was ended: no longer in force from that day on.
            & (Agreement.ended_on.is_(None) | (Agreement.ended_on > today))
        )
        stmt = stmt.where(live if active else ~live)
    stmt = stmt.order_by(Agreement.created_at.desc(), Agreement.id.desc())
    return _page(session, stmt, page, per_page)


def agreement_or_404(session: Session, actor: Actor, agreement_id: Any) -> Agreement:
    """An agreement of the actor's organisation (either side), else a 404."""
    wanted = as_uuid(agreement_id)
    found = None
    if wanted is not None:
        found = session.scalar(_agreements_of(actor).where(Agreement.id == wanted))
    return or_404(found, "No such agreement.")


def owned_agreement_or_404(
    session: Session, actor: Actor, agreement_id: Any, *, for_update: bool = False
) -> Agreement:
    """An agreement the actor's organisation made (to change it), else a 404."""
    wanted = as_uuid(agreement_id)
    found = None
    if wanted is not None:
        stmt = select(Agreement).where(
            Agreement.id == wanted, Agreement.organisation_id == actor.organisation_id
        )
        if for_update:
            stmt = stmt.with_for_update(of=Agreement).execution_options(populate_existing=True)
        found = session.scalar(stmt)
    return or_404(found, "No such agreement.")


def agreements_with(session: Session, organisation_id: uuid.UUID) -> list[Agreement]:
    """The organisation's agreements, newest first (for the share form's recipients)."""
    stmt = (
        select(Agreement)
        .where(Agreement.organisation_id == organisation_id)
        .order_by(Agreement.created_at.desc())
    )
    return list(session.scalars(stmt).unique())


# --- shares -----------------------------------------------------------------------------------


def shares_of_case(
    access: Access,
    case_id: uuid.UUID,
    page: int = 1,
    per_page: int = 25,
    status: ShareStatus | None = None,
) -> tuple[list[Share], int]:
    """The case's share requests, newest first (the owning organisation only)."""
    stmt = access.owned_select(SHARE).where(Share.case_id == case_id)
    if status is not None:
        stmt = stmt.where(Share.status == status)
    stmt = stmt.order_by(Share.requested_at.desc(), Share.id.desc())
    return _page(access.session, stmt, page, per_page)


def pending_shares(access: Access, page: int = 1, per_page: int = 25) -> tuple[list[Share], int]:
    """The organisation's shares waiting for a second approval, oldest first."""
    stmt = (
        access.owned_select(SHARE)
        .where(Share.status == ShareStatus.pending_approval)
        .order_by(Share.requested_at, Share.id)
    )
    return _page(access.session, stmt, page, per_page)


def owned_share_or_404(access: Access, share_id: Any, *, for_update: bool = False) -> Share:
    """A share of the actor's organisation (to approve or revoke it), else a 404."""
    found = access.by_id(SHARE, share_id, owned=True, for_update=for_update)
    return or_404(found, "No such share.")


# --- partner views ----------------------------------------------------------------------------


@dataclass
class SharedAccess:
    """What the actor's organisation holds of one shared case: the live shares and the union of
    their purposes and categories, until the last one ends."""

    case_id: uuid.UUID
    shares: list[Share]

    @property
    def purposes(self) -> list[str]:
        return sorted({s.purpose.value for s in self.shares})

    @property
    def categories(self) -> list[str]:
        return ordered({c for s in self.shares for c in s.categories})

    @property
    def expires_at(self) -> dt.datetime | None:
        ends = [s.expires_at for s in self.shares if s.expires_at is not None]
        return max(ends) if ends else None

    @property
    def owner_organisation(self) -> str:
        return self.shares[0].organisation.name

    @property
    def owner_organisation_id(self) -> uuid.UUID:
        return self.shares[0].organisation_id


def _live_shares(actor: Actor, purpose: str | None) -> Select[Any]:
    live = select(PartnerGrant.share_id).where(
        PartnerGrant.recipient_organisation_id == actor.organisation_id,
        PartnerGrant.ended_at.is_(None),
        PartnerGrant.expires_at > utcnow(),
    )
    stmt = select(Share).where(
        Share.recipient_organisation_id == actor.organisation_id,
        Share.status == ShareStatus.active,
        Share.id.in_(live),
    )
    if purpose is not None:
        stmt = stmt.where(Share.purpose == purpose)
    return stmt


def shared_case_ids_page(
    session: Session, actor: Actor, page: int, per_page: int, purpose: str | None = None
) -> tuple[list[uuid.UUID], int]:
    """The ids of the cases shared with the actor's organisation, most recently shared first."""
    shares = _live_shares(actor, purpose).subquery()
    stmt = (
        select(shares.c.case_id)
        .group_by(shares.c.case_id)
        .order_by(func.max(shares.c.granted_at).desc(), shares.c.case_id)
    )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ids = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return ids, total


def shared_access(
    session: Session, actor: Actor, case_ids: Sequence[uuid.UUID], purpose: str | None = None
) -> dict[uuid.UUID, SharedAccess]:
    stmt = _live_shares(actor, purpose).where(Share.case_id.in_(list(case_ids)))
    found: dict[uuid.UUID, SharedAccess] = {}
    for share in session.scalars(stmt.order_by(Share.granted_at)).unique():
        found.setdefault(share.case_id, SharedAccess(share.case_id, [])).shares.append(share)
    return found


def shared_case_or_404(session: Session, actor: Actor, reference: str) -> tuple[Case, SharedAccess]:
    """A case shared with the actor's organisation and what it holds of it, else a 404."""
    ref = normalise_reference(reference)
    case = None
    if is_reference(ref):
        case = session.scalar(select(Case).where(Case.reference == ref))
    access = shared_access(session, actor, [case.id]) if case is not None else {}
    if case is None or case.id not in access:
        or_404(None, "No such case.")
    assert case is not None
    return case, access[case.id]


# --- exchange log -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilters:
    case_reference: str | None = None
    partner: uuid.UUID | None = None
    direction: Direction | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _log_select(actor: Actor, filters: LogFilters) -> Select[Any] | None:
    stmt = select(ExchangeEntry).where(ExchangeEntry.organisation_id == actor.organisation_id)
    if filters.case_reference:
        ref = normalise_reference(filters.case_reference)
        if not is_reference(ref):
            return None
        stmt = stmt.where(ExchangeEntry.case_reference == ref)
    if filters.partner is not None:
        stmt = stmt.where(ExchangeEntry.partner_organisation_id == filters.partner)
    if filters.direction is not None:
        stmt = stmt.where(ExchangeEntry.direction == filters.direction)
    if filters.date_from is not None:
        start = dt.datetime.combine(filters.date_from, dt.time(), dt.UTC)
        stmt = stmt.where(ExchangeEntry.at >= start)
    if filters.date_to is not None:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(), dt.UTC)
        stmt = stmt.where(ExchangeEntry.at < end)
    return stmt.order_by(ExchangeEntry.at.desc(), ExchangeEntry.id.desc())


def log_page(
    session: Session, actor: Actor, filters: LogFilters, page: int, per_page: int
) -> tuple[list[ExchangeEntry], int]:
    """One page of the organisation's exchange log, newest first."""
    stmt = _log_select(actor, filters)
    if stmt is None:
        return [], 0
    return _page(session, stmt, page, per_page)


def log_rows(
    session: Session, actor: Actor, filters: LogFilters, batch: int = 1000
) -> Iterator[ExchangeEntry]:
    """Every entry matching the filters, newest first, fetched in batches (the CSV export)."""
    stmt = _log_select(actor, filters)
    if stmt is None:
        return
    page = 1
    while True:
        rows = list(session.scalars(stmt.limit(batch).offset((page - 1) * batch)).unique())
        yield from rows
        if len(rows) < batch:
            return
        page += 1


def revisions_of(session: Session, agreement_id: uuid.UUID) -> list[AgreementRevision]:
    stmt = (
        select(AgreementRevision)
        .where(AgreementRevision.agreement_id == agreement_id)
        .order_by(AgreementRevision.version)
    )
    return list(session.scalars(stmt).unique())


def cases_in_order(access: Access, case_ids: Sequence[uuid.UUID]) -> list[Case]:
    """The cases with these ids that the actor may see (through the gateway), in that order."""
    if not case_ids:
        return []
    found = {
        c.id: c
        for c in access.session.scalars(
            access.select(CASE).where(Case.id.in_(list(case_ids)))
        ).unique()
    }
    return [found[i] for i in case_ids if i in found]
