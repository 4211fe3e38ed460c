"""Writes of the identification domain: record an identification, and confirm or reject it as a
second person (four eyes). Each write is one transaction with its timeline entry and audit event;
reads are recorded by the access gateway.

Confirming does, at once: the identification confirmed, its DNA match report confirmed (method
dna), its remains marked identified as the case's, an entry in the case's timeline. The case's
`deceased_identified` transition and the identification notification then open through the
`case.identification_confirmed` hook (policy.has_confirmed_identification), which the case
registry and the families domain ask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from casework.access import Access, record_change
from casework.auth.models import User
from casework.auth.policy import Actor
from casework.cases import queries as case_queries
from casework.cases.models import Case, TimelineKind
from casework.cases.operations import CaseShredded, add_timeline_event
from casework.cases.values import EARLIEST_YEAR
from casework.categories import Category
from casework.db import check_version, new_time_uuid, utcnow
from casework.dna import operations as dna_operations
from casework.dna import queries as dna_queries
from casework.dna.models import DnaMatchReport, MatchReportStatus
from casework.errors import Conflict, InvalidInput, NotFound, VersionConflict
from casework.identification.models import (
    Identification,
    IdentificationMethod,
    IdentificationSource,
    IdentificationStatus,
)
from casework.identification.policy import (
    check_case_open,
    check_decidable,
    check_remains_unidentified,
)
from casework.identification.resources import IDENTIFICATION
from casework.remains import operations as remains_operations
from casework.remains import queries as remains_queries
from casework.remains.models import Remains

_INVALID = "Some fields are invalid."
#: Encrypted text fields, as the API names them.
TEXT_FIELDS = ("identified_by", "external_reference", "document_reference", "notes")
EXTERNAL_ONLY = ("identified_by", "external_reference")


class MatchReportExcluded(Conflict):
    code = "match_report_excluded"


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


def _input_errors(
    data: Mapping[str, Any],
    method: IdentificationMethod,
    source: IdentificationSource,
    today: dt.date,
) -> dict[str, list[str]]:
    """The rules between fields (422 naming each field)."""
    errors: dict[str, list[str]] = {}
    if method is IdentificationMethod.dna:
        if not data.get("match_report_id"):
            errors["match_report_id"] = ["Required when the method is dna."]
    elif data.get("match_report_id"):
        errors["match_report_id"] = ["Only for the method dna."]
    if source is IdentificationSource.external:
        for name in EXTERNAL_ONLY:
            if _clean(data.get(name)) is None:
                errors[name] = ["Required when the source is external."]
    else:
        for name in EXTERNAL_ONLY:
            if _clean(data.get(name)) is not None:
                errors[name] = ["Only when the source is external."]
    identified = data.get("identified_date")
    if identified is not None and identified > today:
        errors["identified_date"] = ["May not be in the future."]
    elif identified is not None and identified.year < EARLIEST_YEAR:
        # A partner's placeholder (0001-01-01) is not a date anyone was identified on.
        errors["identified_date"] = [f"The year must be {EARLIEST_YEAR} or later."]
    return errors


def _usable_report(
    access: Access, report_id: Any, case: Case, remains: Remains | None
) -> DnaMatchReport:
    """The match report a DNA identification relies on: the organisation's, of the same case
    (and remains), not excluded; 422 naming `match_report_id` otherwise."""
    try:
        report = dna_queries.owned_match_report_or_404(access, report_id)
    except NotFound:
        raise InvalidInput(_INVALID, {"match_report_id": ["No such match report."]}) from None
    problem = None
    if report.case_id != case.id:
        problem = "Not a match report of this case."
    elif remains is not None and report.remains_id != remains.id:
        problem = "Not a match report of these remains."
    elif report.status is MatchReportStatus.excluded:
        problem = "This match report was excluded."
    if problem:
        raise InvalidInput(_INVALID, {"match_report_id": [problem]})
    return report


def _writable_case(case: Case) -> None:
    if case.is_shredded:
        raise CaseShredded("This case's personal data was destroyed; it can no longer change.")
    check_case_open(case)


def record_identification(
    session: Session, actor: Actor, data: Mapping[str, Any]
) -> Identification:
    """Record an identification of one of the organisation's cases (validated
    IdentificationCreateSchema input). The case must be the actor's organisation's (404) and
    still open (409); remains, when named, the organisation's (404) and unidentified (409)."""
    access = Access(session, actor)
    case = case_queries.case_or_404(session, actor, data["case_reference"], for_update=True)
    method = IdentificationMethod(data["method"])
    source = IdentificationSource(data.get("source") or IdentificationSource.local)
    today = utcnow().date()
    errors = _input_errors(data, method, source, today)
    if errors:
        raise InvalidInput(_INVALID, errors)
    _writable_case(case)
    remains = None
    if data.get("remains_id"):
        remains = remains_queries.owned_remains_or_404(access, data["remains_id"], for_update=True)
        check_remains_unidentified(remains)
    report = None
    if method is IdentificationMethod.dna:
        report = _usable_report(access, data["match_report_id"], case, remains)
    now = utcnow()
    ident = Identification(
        id=new_time_uuid(),
        organisation_id=case.organisation_id,
        version=1,
        case_id=case.id,
        remains_id=remains.id if remains is not None else None,
        match_report_id=report.id if report is not None else None,
        method=method,
        source=source,
        identified_date=data.get("identified_date") or today,
        status=IdentificationStatus.recorded,
        recorded_by=actor.user_id,
        recorded_at=now,
    )
    ident.case = case
    ident.remains = remains
    ident.data_key = case.data_key
    given = []
    for name in TEXT_FIELDS:
        value = _clean(data.get(name))
        setattr(ident, name, value)
        if value is not None:
            given.append(name)
    session.add(ident)
    session.flush()
    add_timeline_event(
        session, actor, case, TimelineKind.identification_recorded, detail=method.value
    )
    record_change(
        session,
        actor,
        "identification.record",
        IDENTIFICATION,
        ident,
        categories=[Category.identity] if given else [],
        details={
            "method": method.value,
            "source": source.value,
            "remains_id": str(remains.id) if remains is not None else None,
            "match_report_id": str(report.id) if report is not None else None,
            "fields": given,
        },
    )
    session.flush()
    return ident


def _claim_decision(
    session: Session, actor: Actor, ident: Identification, status: IdentificationStatus
) -> None:
    """UPDATE … WHERE version = v AND status = recorded: of two reviewers deciding at once,
    exactly one wins; the other gets a 409 naming the current version."""
    now = utcnow()
    with session.no_autoflush:
        result = session.execute(
            update(Identification)
            .where(
                Identification.id == ident.id,
                Identification.version == ident.version,
                Identification.status == IdentificationStatus.recorded,
            )
            .values(
                version=ident.version + 1, status=status, decided_by=actor.user_id, decided_at=now
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise VersionConflict(
                "The identification was decided or changed by someone else meanwhile; reload it.",
                {"version": ["Changed meanwhile."]},
            )
        decider = session.get(User, actor.user_id) if actor.user_id else None
    set_committed_value(ident, "version", ident.version + 1)
    set_committed_value(ident, "status", status)
    set_committed_value(ident, "decided_by", actor.user_id)
    set_committed_value(ident, "decided_at", now)
    set_committed_value(ident, "decider", decider)


def _decision_case(
    session: Session, actor: Actor, ident: Identification, *, must_be_open: bool
) -> Case:
    """The identification's case, locked; its personal data intact (the reason and the timeline
    note are encrypted under its key) and, to confirm, the case still open."""
    case = case_queries.case_or_404(session, actor, ident.case_reference, for_update=True)
    if must_be_open:
        _writable_case(case)
    elif case.is_shredded:
        raise CaseShredded("This case's personal data was destroyed; it can no longer change.")
    return case


def confirm_identification(
    session: Session, actor: Actor, ident: Identification, version: int | None = None
) -> Identification:
    """Confirm as a second person (409 `four_eyes_required` for the recorder), in one
    transaction: the identification, its match report, its remains, the case's timeline."""
    check_version(ident, version)
    check_decidable(ident, actor.user_id)
    case = _decision_case(session, actor, ident, must_be_open=True)
    access = Access(session, actor)
    remains = None
    if ident.remains_id is not None:
        remains = remains_queries.owned_remains_or_404(access, ident.remains_id, for_update=True)
        check_remains_unidentified(remains)
    report = None
    if ident.match_report_id is not None:
        report = dna_queries.owned_match_report_or_404(
            access, ident.match_report_id, for_update=True
        )
        if report.status is MatchReportStatus.excluded:
            raise MatchReportExcluded(
                "The match report this identification relies on was excluded since; reject it.",
                {"match_report_id": ["Excluded."]},
            )
    _claim_decision(session, actor, ident, IdentificationStatus.confirmed)
    if report is not None:
        dna_operations.confirm_match_report(session, actor, report)
    if remains is not None:
        remains_operations.mark_identified(session, actor, remains, case)
    add_timeline_event(
        session, actor, case, TimelineKind.identification_confirmed, detail=ident.method.value
    )
    record_change(
        session,
        actor,
        "identification.confirm",
        IDENTIFICATION,
        ident,
        details={
            "method": ident.method.value,
            "remains_id": str(ident.remains_id) if ident.remains_id else None,
            "match_report_id": str(ident.match_report_id) if ident.match_report_id else None,
            "version": ident.version,
        },
    )
    session.flush()
    return ident


def reject_identification(
    session: Session,
    actor: Actor,
    ident: Identification,
    reason: str,
    version: int | None = None,
) -> Identification:
    """Reject as a second person, recording why (encrypted); nothing else changes."""
    check_version(ident, version)
    reason = _clean(reason) or ""
    if not reason:
        raise InvalidInput(_INVALID, {"reason": ["Required."]})
    check_decidable(ident, actor.user_id)
    case = _decision_case(session, actor, ident, must_be_open=False)
    _claim_decision(session, actor, ident, IdentificationStatus.rejected)
    ident.rejection_reason = reason
    add_timeline_event(
        session, actor, case, TimelineKind.identification_rejected, detail=ident.method.value
    )
    record_change(
        session,
        actor,
        "identification.reject",
        IDENTIFICATION,
        ident,
        categories=[Category.identity],
        details={"method": ident.method.value, "version": ident.version},
    )
    session.flush()
    return ident
