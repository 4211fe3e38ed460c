"""Reads of the DNA domain: the database registry (no personal data), sample references and
match reports, every one of the latter scoped through the access gateway (`Access`).

Rows only: callers show personal data through `access.read` / `access.read_page`, which record
the read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from casework.access import Access
from casework.access.gateway import as_uuid
from casework.cases.models import Case
from casework.cases.queries import normalise_reference
from casework.dna.models import (
    SAMPLE_ID_INDEX,
    DnaDatabase,
    DnaMatchReport,
    DnaReference,
    MatchReportStatus,
    SampleKind,
)
from casework.dna.resources import DNA_REFERENCE, MATCH_REPORT
from casework.errors import or_404
from casework.keys import owners_matching

_NO_REFERENCE = "No such DNA reference."
_NO_REPORT = "No such match report."
_NO_DATABASE = "No such DNA database."
#: Most references a sample-id look-up decrypts and re-checks.
SAMPLE_CANDIDATE_CAP = 500


def _page(session: Session, stmt: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return items, total


# --- DNA databases (a reference table: no personal data, shared by the instance) ------------


def databases(
    session: Session, page: int = 1, per_page: int = 100
) -> tuple[list[DnaDatabase], int]:
    stmt = select(DnaDatabase).order_by(DnaDatabase.name, DnaDatabase.id)
    return _page(session, stmt, page, per_page)


def all_databases(session: Session) -> list[DnaDatabase]:
    return list(session.scalars(select(DnaDatabase).order_by(DnaDatabase.name, DnaDatabase.id)))


def database_by_id(session: Session, database_id: uuid.UUID | str | None) -> DnaDatabase | None:
    wanted = as_uuid(database_id)
    return session.get(DnaDatabase, wanted) if wanted is not None else None


def database_by_name(session: Session, name: str) -> DnaDatabase | None:
    return session.scalar(select(DnaDatabase).where(DnaDatabase.name == name))


def database_or_404(session: Session, database_id: uuid.UUID | str | None) -> DnaDatabase:
    return or_404(database_by_id(session, database_id), _NO_DATABASE)


# --- sample references --------------------------------------------------------------------


def _order_references(stmt: Select[Any]) -> Select[Any]:
    return stmt.order_by(DnaReference.created_at, DnaReference.id)


def reference_or_404(access: Access, reference_id: uuid.UUID | str) -> DnaReference:
    """A reference the actor may see (own organisation's, or reached through a grant)."""
    return or_404(access.by_id(DNA_REFERENCE, reference_id), _NO_REFERENCE)


def owned_reference_or_404(
    access: Access, reference_id: uuid.UUID | str, for_update: bool = False
) -> DnaReference:
    """A reference of the actor's own organisation, for a write (anything else is a 404); with
    `for_update`, the row is locked until the transaction ends (PostgreSQL)."""
    found = access.by_id(DNA_REFERENCE, reference_id, owned=True, for_update=for_update)
    return or_404(found, _NO_REFERENCE)


def references_of_case(
    access: Access, case_id: uuid.UUID, page: int = 1, per_page: int = 100
) -> tuple[list[DnaReference], int]:
    """One page of a case's references (family references and personal effects)."""
    stmt = access.select(DNA_REFERENCE).where(DnaReference.case_id == case_id)
    return _page(access.session, _order_references(stmt), page, per_page)


def references_of_remains(
    access: Access, remains_id: uuid.UUID, page: int = 1, per_page: int = 100
) -> tuple[list[DnaReference], int]:
    """One page of the post-mortem samples of remains."""
    stmt = access.select(DNA_REFERENCE).where(DnaReference.remains_id == remains_id)
    return _page(access.session, _order_references(stmt), page, per_page)


def references_with_sample_token(access: Access, token: int) -> list[DnaReference]:
    """Candidates of a sample-id look-up in the actor's own organisation (to be re-checked on
    the decrypted value): a look-up never reaches another organisation's samples."""
    (matching,) = owners_matching(SAMPLE_ID_INDEX, [{token}])
    stmt = access.owned_select(DNA_REFERENCE).where(DnaReference.id.in_(matching))
    stmt = _order_references(stmt).limit(SAMPLE_CANDIDATE_CAP)
    return list(access.session.scalars(stmt).unique())


def owned_references_of_kind(access: Access, kind: SampleKind) -> list[DnaReference]:
    """The organisation's references of one kind, newest first (the match report form's
    pickers)."""
    stmt = (
        access.owned_select(DNA_REFERENCE)
        .where(DnaReference.sample_kind == kind)
        .order_by(DnaReference.created_at.desc(), DnaReference.id.desc())
    )
    return list(access.session.scalars(stmt).unique())


def family_references_of_case(session: Session, case_id: uuid.UUID) -> list[DnaReference]:
    """Every family reference of a case (the case page's warnings; no personal value read)."""
    stmt = select(DnaReference).where(
        DnaReference.case_id == case_id,
        DnaReference.sample_kind == SampleKind.family_reference,
    )
    return list(session.scalars(_order_references(stmt)).unique())


# --- match reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchReportFilters:
    """List filters; none of them is personal."""

    case_reference: str | None = None
    remains_id: uuid.UUID | None = None
    status: MatchReportStatus | None = None


def match_report_or_404(access: Access, report_id: uuid.UUID | str) -> DnaMatchReport:
    """A match report the actor may see (own organisation's, or reached through a grant)."""
    return or_404(access.by_id(MATCH_REPORT, report_id), _NO_REPORT)


def owned_match_report_or_404(
    access: Access, report_id: uuid.UUID | str, for_update: bool = False
) -> DnaMatchReport:
    """A match report of the actor's own organisation, for a write or a confirmation (anything
    else is a 404); with `for_update`, its case and then the report are locked until the
    transaction ends (see `_lock_case_of_report`)."""
    if for_update:
        _lock_case_of_report(access, report_id)
    found = access.by_id(MATCH_REPORT, report_id, owned=True, for_update=for_update)
    return or_404(found, _NO_REPORT)


def _lock_case_of_report(access: Access, report_id: uuid.UUID | str) -> None:
    """Lock the report's case before the report: the one lock order of every write that touches
    a match report (an identification locks its case, its remains, then the report). A report
    locked first deadlocks on PostgreSQL: its second UPDATE in the transaction re-checks its
    foreign keys, which waits for the case an identification holds while that waits for the
    report. SQLite already serialises writers."""
    wanted = as_uuid(report_id)
    if wanted is None:
        return
    owned = access.owned(select(DnaMatchReport.case_id), MATCH_REPORT)
    case_id = access.session.scalar(owned.where(DnaMatchReport.id == wanted))
    if case_id is not None:
        access.session.execute(select(Case.id).where(Case.id == case_id).with_for_update(of=Case))


def match_reports(
    access: Access, filters: MatchReportFilters, page: int = 1, per_page: int = 25
) -> tuple[list[DnaMatchReport], int]:
    """One page of the match reports the actor may see, newest first."""
    stmt = access.select(MATCH_REPORT)
    if filters.case_reference is not None:
        wanted = normalise_reference(filters.case_reference)
        named = select(Case.id).where(Case.reference == wanted)
        stmt = stmt.where(DnaMatchReport.case_id.in_(named))
    if filters.remains_id is not None:
        stmt = stmt.where(DnaMatchReport.remains_id == filters.remains_id)
    if filters.status is not None:
        stmt = stmt.where(DnaMatchReport.status == filters.status)
    stmt = stmt.order_by(DnaMatchReport.created_at.desc(), DnaMatchReport.id.desc())
    return _page(access.session, stmt, page, per_page)


def reports_naming_references(
    session: Session, reference_ids: Sequence[uuid.UUID]
) -> list[DnaMatchReport]:
    """Match reports that name any of these references (family or post-mortem)."""
    if not reference_ids:
        return []
    ids = list(reference_ids)
    stmt = select(DnaMatchReport).where(
        DnaMatchReport.family_reference_id.in_(ids)
        | DnaMatchReport.post_mortem_reference_id.in_(ids)
    )
    return list(session.scalars(stmt).unique())


def remains_found_in(session: Session, organisation_id: uuid.UUID, country: str) -> Any:
    """The organisation's oldest remains found in `country` (for demo data)."""
    from casework.remains.models import Remains

    stmt = (
        select(Remains)
        .where(Remains.organisation_id == organisation_id, Remains.found_country == country)
        .order_by(Remains.created_at, Remains.id)
        .limit(1)
    )
    return session.scalar(stmt)
