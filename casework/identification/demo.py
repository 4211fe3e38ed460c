"""Demo identification: Yonas Tesfaye (a Salvadoran directorate's case) identified by DNA.

The DNA demo holds a laboratory match report between his brother Dawit's family reference and
the post-mortem sample of the remains found in Panama; the forensic officer records the
identification, the focal point confirms it (four eyes), and the case then moves to
`deceased_identified` through the checked transition.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases import operations as case_operations
from casework.cases.models import Case, CaseStatus
from casework.db import utcnow
from casework.dna.models import DnaMatchReport, MatchReportStatus
from casework.identification import operations
from casework.identification.schemas import IdentificationCreateSchema
from casework.remains.models import RemainsStatus

RECORDER, CONFIRMER = "forensic@sv.demo", "focal@sv.demo"
#: The case, by its family names (clear only here, in the demo script).
FAMILY_NAMES = "Tesfaye"


def _case(session: Session, organisation: Organisation) -> Case | None:
    stmt = (
        select(Case)
        .where(Case.organisation_id == organisation.id)
        .order_by(Case.created_at, Case.id)
    )
    for case in session.scalars(stmt).unique():
        if not case.is_shredded and case.family_names == FAMILY_NAMES:
            return case
    return None


def _match_report(session: Session, case: Case) -> DnaMatchReport | None:
    """The case's newest match report that an identification may rely on."""
    stmt = (
        select(DnaMatchReport)
        .where(
            DnaMatchReport.case_id == case.id,
            DnaMatchReport.organisation_id == case.organisation_id,
            DnaMatchReport.status != MatchReportStatus.excluded,
        )
        .order_by(DnaMatchReport.reported_date.desc(), DnaMatchReport.id.desc())
    )
    return session.scalars(stmt).first()


def load_demo_identifications(
    session: Session, organisations: list[Organisation], users: dict[str, User]
) -> None:
    """One confirmed DNA identification, through the services, as two different people."""
    recorder, confirmer = users.get(RECORDER), users.get(CONFIRMER)
    if recorder is None or confirmer is None or not organisations:
        return
    case = _case(session, organisations[0])
    if case is None or case.status is not CaseStatus.active_search:
        return
    report = _match_report(session, case)
    if report is None:
        return
    today = utcnow().date()
    body = {
        "case_reference": case.reference,
        "method": "dna",
        "match_report_id": str(report.id),
        "source": "local",
        "identified_date": min(report.reported_date, today).isoformat(),
        "document_reference": "IML-SV-DICT-2026-017",
        "notes": "Kinship match with the brother's reference sample; report reviewed with "
        "the laboratory.",
    }
    remains = report.remains
    if (
        remains is not None
        and remains.organisation_id == case.organisation_id
        and remains.status is RemainsStatus.unidentified
    ):
        body["remains_id"] = str(remains.id)
    data = IdentificationCreateSchema().load(body)
    ident = operations.record_identification(session, Actor.for_user(recorder, via="demo"), data)
    focal = Actor.for_user(confirmer, via="demo")
    operations.confirm_identification(session, focal, ident)
    case_operations.change_status(
        session,
        focal,
        case,
        CaseStatus.deceased_identified,
        "Identified by DNA; the identification was confirmed by a second reviewer.",
    )
