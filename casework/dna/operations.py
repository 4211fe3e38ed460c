"""Writes of the DNA domain: the database registry, sample references and their chain of
custody, lab match reports, and the audit event of every write (reads are recorded by the
access gateway)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from casework.access import record_change
from casework.auth.policy import Actor
from casework.categories import Category
from casework.db import utcnow
from casework.dna.models import DnaMatchReport, MatchReportStatus
from casework.dna.resources import MATCH_REPORT
from casework.errors import Conflict, VersionConflict

_STALE = "The record was changed by someone else meanwhile; reload it and apply your change again."


class MatchReportClosed(Conflict):
    code = "match_report_closed"


def _claim_report_version(session: Session, report: DnaMatchReport) -> None:
    """UPDATE … SET version = v + 1 WHERE version = v (match reports keep no updated_at, so the
    shared claim_version does not fit them): of two writers, exactly one wins."""
    with session.no_autoflush:
        result = session.execute(
            update(DnaMatchReport)
            .where(DnaMatchReport.id == report.id, DnaMatchReport.version == report.version)
            .values(version=report.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = session.scalar(
                select(DnaMatchReport.version).where(DnaMatchReport.id == report.id)
            )
            raise VersionConflict(
                _STALE,
                {"version": [f"The current version is {current}."]},
                extra={"current_version": current},
            )
    set_committed_value(report, "version", report.version + 1)


def confirm_match_report(session: Session, actor: Actor, report: DnaMatchReport) -> None:
    """Confirm a reported match (the identification domain calls this when a DNA identification
    is confirmed): `reported → confirmed`, with who reviewed it and when, audited.

    A report already confirmed stays as it is (nothing is written); an excluded one is a 409.
    """
    if report.status is MatchReportStatus.confirmed:
        return
    if report.status is not MatchReportStatus.reported:
        raise MatchReportClosed(
            "This match report was excluded; it cannot be confirmed.",
            {"status": [f"The report is {report.status.value}."]},
        )
    _claim_report_version(session, report)
    report.status = MatchReportStatus.confirmed
    report.reviewed_by = actor.user_id
    report.reviewed_at = utcnow()
    session.flush()
    record_change(
        session,
        actor,
        "match_report.confirm",
        MATCH_REPORT,
        report,
        categories=[Category.dna_references],
        details={"status": report.status.value, "version": report.version},
    )
