"""Reads of the identification domain, every one scoped through the access gateway (rows only:
the callers show them through `access.read` / `access.read_page`, which record the read)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from casework.access import Access
from casework.cases.models import Case
from casework.cases.queries import is_reference, normalise_reference
from casework.dna.models import DnaMatchReport, MatchReportStatus
from casework.dna.resources import MATCH_REPORT
from casework.errors import or_404
from casework.identification.models import (
    Identification,
    IdentificationMethod,
    IdentificationStatus,
)
from casework.identification.resources import IDENTIFICATION

_NOT_FOUND = "No such identification."


@dataclass(frozen=True)
class IdentificationFilters:
    case_reference: str | None = None
    status: IdentificationStatus | None = None
    method: IdentificationMethod | None = None


def _page(access: Access, stmt: Select[Any], page: int, per_page: int) -> tuple[list, int]:
    session = access.session
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique()
    return list(rows), total


def _newest_first(stmt: Select[Any]) -> Select[Any]:
    return stmt.order_by(Identification.recorded_at.desc(), Identification.id.desc())


def list_identifications(
    access: Access, filters: IdentificationFilters, page: int = 1, per_page: int = 25
) -> tuple[list[Identification], int]:
    """One page of the identifications the actor may see, newest first, and the total."""
    stmt = access.select(IDENTIFICATION)
    if filters.case_reference is not None:
        ref = normalise_reference(filters.case_reference)
        if not is_reference(ref):
            return [], 0
        stmt = stmt.where(Identification.case_id.in_(select(Case.id).where(Case.reference == ref)))
    if filters.status is not None:
        stmt = stmt.where(Identification.status == filters.status)
    if filters.method is not None:
        stmt = stmt.where(Identification.method == filters.method)
    return _page(access, _newest_first(stmt), page, per_page)


def identifications_of_case(
    access: Access, case_id: uuid.UUID, page: int = 1, per_page: int = 100
) -> tuple[list[Identification], int]:
    stmt = access.select(IDENTIFICATION).where(Identification.case_id == case_id)
    return _page(access, _newest_first(stmt), page, per_page)


def visible_identification_or_404(access: Access, ident_id: uuid.UUID | str) -> Identification:
    """An identification the actor may read (own organisation's, or granted), else a 404."""
    return or_404(access.by_id(IDENTIFICATION, ident_id), _NOT_FOUND)


def owned_identification_or_404(
    access: Access, ident_id: uuid.UUID | str, *, for_update: bool = False
) -> Identification:
    """The actor's organisation's identification, for a decision (anything else is a 404);
    with `for_update`, locked until the transaction ends (PostgreSQL)."""
    found = access.by_id(IDENTIFICATION, ident_id, owned=True, for_update=for_update)
    return or_404(found, _NOT_FOUND)


def usable_match_reports(access: Access, case_id: uuid.UUID) -> list[DnaMatchReport]:
    """The case's match reports that an identification may rely on: the organisation's own,
    not excluded, newest first (for the form's choices)."""
    stmt = (
        access.owned_select(MATCH_REPORT)
        .where(
            DnaMatchReport.case_id == case_id,
            DnaMatchReport.status != MatchReportStatus.excluded,
        )
        .order_by(DnaMatchReport.reported_date.desc(), DnaMatchReport.id.desc())
    )
    return list(access.session.scalars(stmt).unique())
