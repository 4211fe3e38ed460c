"""Writes of the DNA domain: the database registry, sample references and their chain of
custody, lab match reports, and the audit event of every write (reads are recorded by the
access gateway)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from casework.access import Access, record_change
from casework.audit.trail import append
from casework.auth.policy import Actor
from casework.cases.models import Case, TimelineKind
from casework.cases.operations import add_timeline_event
from casework.cases.values import EARLIEST_YEAR
from casework.categories import Category
from casework.crypto import normalise_sample_id
from casework.db import check_version, claim_version, new_time_uuid, utcnow
from casework.dna import policy, queries
from casework.dna.models import (
    SAMPLE_ID_INDEX,
    CustodyStatus,
    CustodyStep,
    DnaDatabase,
    DnaDatabaseKind,
    DnaMatchReport,
    DnaReference,
    MatchReportStatus,
    SampleKind,
)
from casework.dna.resources import DNA_REFERENCE, MATCH_REPORT
from casework.dna.schemas import SAMPLE_ID_MAX
from casework.errors import Conflict, InvalidInput, NotFound, VersionConflict
from casework.families import queries as family_queries
from casework.families.models import Consent, ConsentPurpose, Relative
from casework.families.operations import ensure_case_live
from casework.keys import DataKey, indexer, set_index
from casework.remains.models import Remains

_STALE = "The record was changed by someone else meanwhile; reload it and apply your change again."


_INVALID = "Some fields are invalid."
_UPDATABLE = ("database_id", "sample_id", "donor_relationship", "consent_id")


class MatchReportClosed(Conflict):
    code = "match_report_closed"


class CustodyOutOfOrder(Conflict):
    code = "custody_out_of_order"


class ConsentRequired(Conflict):
    code = "consent_required"


class ReferenceErased(Conflict):
    code = "reference_erased"


class DuplicateDatabase(Conflict):
    code = "duplicate"


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


# --- helpers ----------------------------------------------------------------------------------


def _today() -> dt.date:
    return utcnow().date()


def _date_problem(value: dt.date) -> str | None:
    """What is wrong with a date of a sample or a report: in the future, or before any record
    could be (a partner's placeholder such as 0001-01-01)."""
    if value > _today():
        return "May not be in the future."
    if value.year < EARLIEST_YEAR:
        return f"The year must be {EARLIEST_YEAR} or later."
    return None


def _check_date(name: str, value: dt.date) -> None:
    problem = _date_problem(value)
    if problem:
        raise InvalidInput(_INVALID, {name: [problem]})


def _sample_id(raw: Any) -> str:
    """The sample identifier as written (stripped); 422 when it is empty, too long or
    normalises to nothing (only separators)."""
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        raise InvalidInput(_INVALID, {"sample_id": ["Required."]})
    if len(value) > SAMPLE_ID_MAX:
        raise InvalidInput(_INVALID, {"sample_id": [f"At most {SAMPLE_ID_MAX} characters."]})
    if not normalise_sample_id(value):
        raise InvalidInput(_INVALID, {"sample_id": ["Needs at least one letter or digit."]})
    return value


def _database(session: Session, database_id: Any) -> DnaDatabase:
    found = queries.database_by_id(session, database_id)
    if found is None:
        raise InvalidInput(_INVALID, {"database_id": ["Not a DNA database of the registry."]})
    return found


def _index_sample_id(session: Session, ref: DnaReference) -> None:
    ix = indexer(session)
    sample_id = ref.sample_id
    tokens = [ix.value_token(SAMPLE_ID_INDEX, sample_id, "sample_id")] if sample_id else []
    set_index(session, ref.id, ref.data_key, SAMPLE_ID_INDEX, tokens)


def _ensure_live(ref: DnaReference) -> None:
    if ref.is_shredded:
        raise ReferenceErased(
            "The personal data of this sample reference was erased; it can no longer change."
        )


def _dna_consent(session: Session, actor: Actor, relative: Relative, consent_id: Any) -> Consent:
    consent = family_queries.consent_for_actor(session, consent_id, actor)
    if consent is None or consent.relative_id != relative.id:
        raise InvalidInput(_INVALID, {"consent_id": ["Not a consent of this relative."]})
    if consent.purpose is not ConsentPurpose.dna:
        raise InvalidInput(_INVALID, {"consent_id": ["Not a consent for DNA (purpose dna)."]})
    if consent.withdrawn_at is not None:
        raise InvalidInput(_INVALID, {"consent_id": ["This consent was withdrawn."]})
    return consent


def _audit_reference(
    session: Session, actor: Actor, action: str, ref: DnaReference, **details: Any
) -> None:
    record_change(
        session,
        actor,
        action,
        DNA_REFERENCE,
        ref,
        categories=[Category.dna_references],
        details={"kind": ref.sample_kind.value, **details},
    )


# --- DNA databases ----------------------------------------------------------------------------


def _duplicate_database() -> DuplicateDatabase:
    return DuplicateDatabase(
        "A DNA database of this name is registered already.", {"name": ["Already registered."]}
    )


def create_database(session: Session, actor: Actor, data: Mapping[str, Any]) -> DnaDatabase:
    """Register a DNA database or laboratory (a reference table: no personal data)."""
    name = data["name"].strip()
    if queries.database_by_name(session, name) is not None:
        raise _duplicate_database()
    database = DnaDatabase(
        id=uuid.uuid4(),
        name=name,
        institution=data["institution"].strip(),
        country=data["country"],
        kind=DnaDatabaseKind(data["kind"]),
        created_by=actor.user_id,
    )
    try:
        # A savepoint: the same name registered meanwhile by a concurrent request (after the
        # check above) breaks the unique index; that is the same 409, not a server error.
        with session.begin_nested():
            session.add(database)
            session.flush()
    except IntegrityError:
        raise _duplicate_database() from None
    append(
        session,
        actor,
        "dna_database.create",
        object_type="dna_database",
        object_id=str(database.id),
        details={"country": database.country, "kind": database.kind.value},
    )
    return database


# --- sample references ------------------------------------------------------------------------


def _new_reference(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    kind: SampleKind,
    organisation_id: uuid.UUID,
    key: DataKey,
) -> DnaReference:
    """A reference at custody `collected`, with its first step (not yet added or flushed)."""
    database = _database(session, data["database_id"])
    sample_id = _sample_id(data.get("sample_id"))
    collected = data.get("collected_date") or _today()
    _check_date("collected_date", collected)
    now = utcnow()
    ref = DnaReference(
        id=new_time_uuid(),
        organisation_id=organisation_id,
        version=1,
        database_id=database.id,
        sample_kind=kind,
        custody_status=CustodyStatus.collected,
        created_at=now,
        updated_at=now,
        created_by=actor.user_id,
    )
    ref.data_key = key
    ref.database = database
    ref.sample_id = sample_id
    return ref


def _first_step(ref: DnaReference, actor: Actor, data: Mapping[str, Any]) -> CustodyStep:
    step = CustodyStep(
        id=uuid.uuid4(),
        position=0,
        status=CustodyStatus.collected,
        date=data.get("collected_date") or _today(),
        actor_id=actor.user_id,
        recorded_at=utcnow(),
    )
    step.data_key = ref.data_key
    step.note = (data.get("note") or "").strip() or None
    ref.steps.append(step)
    return step


def create_case_reference(
    session: Session, actor: Actor, case: Case, data: Mapping[str, Any]
) -> DnaReference:
    """A family reference (the donor is a relative of the case, under the relative's data key)
    or a personal effect of the missing person (under the case's) at custody `collected`."""
    ensure_case_live(case)
    kind = SampleKind(data["sample_kind"])
    relative: Relative | None = None
    consent: Consent | None = None
    if kind is SampleKind.family_reference:
        errors: dict[str, list[str]] = {}
        if data.get("relative_id") is None:
            errors["relative_id"] = ["Required for a family reference: the donor."]
        if not (data.get("donor_relationship") or "").strip():
            errors["donor_relationship"] = ["Required for a family reference."]
        if errors:
            raise InvalidInput(_INVALID, errors)
        relative = family_queries.owned_relative(session, data["relative_id"], actor)
        if relative is None or relative.case_id != case.id:
            raise InvalidInput(_INVALID, {"relative_id": ["Not a relative of this case."]})
        if relative.is_erased:
            raise InvalidInput(_INVALID, {"relative_id": ["This relative was erased."]})
        if data.get("consent_id") is not None:
            consent = _dna_consent(session, actor, relative, data["consent_id"])
        key = relative.data_key
    else:
        extra = [f for f in ("relative_id", "donor_relationship", "consent_id") if data.get(f)]
        if extra:
            raise InvalidInput(_INVALID, {f: ["Only for a family reference."] for f in extra})
        key = case.data_key
    ref = _new_reference(
        session, actor, data, kind=kind, organisation_id=case.organisation_id, key=key
    )
    ref.case_id = case.id
    ref.case = case
    if relative is not None:
        ref.relative_id = relative.id
        ref.relative = relative
        ref.donor_relationship = data["donor_relationship"].strip()
        ref.consent_id = consent.id if consent is not None else None
    _first_step(ref, actor, data)
    session.add(ref)
    session.flush()
    _index_sample_id(session, ref)
    add_timeline_event(
        session, actor, case, TimelineKind.dna_custody, detail=CustodyStatus.collected.value
    )
    session.flush()
    _audit_reference(
        session,
        actor,
        "dna_reference.create",
        ref,
        database_id=str(ref.database_id),
        custody_status=ref.custody_status.value,
        relative_id=str(ref.relative_id) if ref.relative_id else None,
        consent_linked=ref.consent_id is not None,
    )
    return ref


def create_post_mortem_reference(
    session: Session, actor: Actor, remains: Remains, data: Mapping[str, Any]
) -> DnaReference:
    """A post-mortem sample of remains, under the remains' data key, at custody `collected`."""
    if remains.is_shredded:
        raise Conflict("These remains' personal data was destroyed; they can no longer change.")
    ref = _new_reference(
        session,
        actor,
        data,
        kind=SampleKind.post_mortem,
        organisation_id=remains.organisation_id,
        key=remains.data_key,
    )
    ref.remains_id = remains.id
    ref.remains = remains
    _first_step(ref, actor, data)
    session.add(ref)
    session.flush()
    _index_sample_id(session, ref)
    session.flush()
    _audit_reference(
        session,
        actor,
        "dna_reference.create",
        ref,
        database_id=str(ref.database_id),
        custody_status=ref.custody_status.value,
        remains_id=str(remains.id),
    )
    return ref


def update_reference(
    session: Session,
    actor: Actor,
    ref: DnaReference,
    data: Mapping[str, Any],
    version: int | None,
) -> DnaReference:
    """Change the database, the sample identifier, and for a family reference the donor's
    relationship and the consent it relies on (version-checked)."""
    _ensure_live(ref)
    family = ref.sample_kind is SampleKind.family_reference
    errors = {
        f: ["Only for a family reference."]
        for f in ("donor_relationship", "consent_id")
        if f in data and not family
    }
    if family and "donor_relationship" in data and not (data["donor_relationship"] or "").strip():
        errors["donor_relationship"] = ["Required for a family reference."]
    if errors:
        raise InvalidInput(_INVALID, errors)
    database = _database(session, data["database_id"]) if "database_id" in data else None
    sample_id = _sample_id(data["sample_id"]) if "sample_id" in data else None
    consent = None
    if family and data.get("consent_id") is not None:
        consent = _dna_consent(session, actor, ref.relative, data["consent_id"])
    check_version(ref, version, required=True)
    claim_version(session, ref)
    changed = [
        f for f in ("database_id", "sample_id", "donor_relationship", "consent_id") if f in data
    ]
    if database is not None:
        ref.database_id, ref.database = database.id, database
    if sample_id is not None:
        ref.sample_id = sample_id
        _index_sample_id(session, ref)
    if family and "donor_relationship" in data:
        ref.donor_relationship = data["donor_relationship"].strip()
    if family and "consent_id" in data:
        ref.consent_id = consent.id if consent is not None else None
    session.flush()
    _audit_reference(
        session, actor, "dna_reference.update", ref, fields=changed, version=ref.version
    )
    return ref


def record_custody_step(
    session: Session,
    actor: Actor,
    ref: DnaReference,
    data: Mapping[str, Any],
    version: int | None,
) -> DnaReference:
    """The next step of the chain of custody (collected → shipped → received → profiled →
    uploaded), version-checked. A family reference moves past `collected` only while its donor
    has a valid consent for purpose dna. The step goes into the case's timeline."""
    _ensure_live(ref)
    check_version(ref, version, required=True)
    wanted = CustodyStatus(data["status"])
    expected = policy.next_custody_status(ref.custody_status)
    if wanted is not expected:
        message = (
            f"The next custody step is {expected.value}."
            if expected is not None
            else "The chain of custody is complete (uploaded)."
        )
        raise CustodyOutOfOrder(
            message,
            {"status": [message]},
            extra={"expected": expected.value if expected is not None else None},
        )
    if not policy.donor_may_give(session, ref):
        raise ConsentRequired(
            "The donor has no valid consent for DNA (purpose dna): the sample cannot move "
            "past collected.",
            {"status": ["The donor's consent for DNA is missing or withdrawn."]},
        )
    date = data.get("date") or _today()
    _check_date("date", date)
    previous = ref.steps[-1] if ref.steps else None
    if previous is not None and date < previous.date:
        raise InvalidInput(
            _INVALID,
            {"date": [f"May not be before the previous step ({previous.date.isoformat()})."]},
        )
    claim_version(session, ref)
    step = CustodyStep(
        id=uuid.uuid4(),
        position=(previous.position + 1) if previous is not None else 0,
        status=wanted,
        date=date,
        actor_id=actor.user_id,
        recorded_at=utcnow(),
    )
    step.data_key = ref.data_key
    step.note = (data.get("note") or "").strip() or None
    ref.steps.append(step)
    ref.custody_status = wanted
    session.flush()
    if ref.case is not None:
        add_timeline_event(session, actor, ref.case, TimelineKind.dna_custody, detail=wanted.value)
        session.flush()
    _audit_reference(
        session,
        actor,
        "dna_reference.custody",
        ref,
        custody_status=wanted.value,
        version=ref.version,
    )
    return ref


def lookup_sample(access: Access, raw: str) -> list[DnaReference]:
    """References of the actor's organisation with this sample identifier, however written.

    The normalised value's blind-index token narrows the candidates; each is decrypted and its
    normalised identifier compared before it is returned. Rows only: the caller shows them
    through `access.read_page` (which never records the value searched for).
    """
    wanted = normalise_sample_id(raw or "")
    if not wanted:
        raise InvalidInput(_INVALID, {"sample_id": ["Needs at least one letter or digit."]})
    token = indexer(access.session).token(SAMPLE_ID_INDEX, wanted)
    candidates = queries.references_with_sample_token(access, token)
    return [r for r in candidates if r.sample_id and normalise_sample_id(r.sample_id) == wanted]


# --- match reports ----------------------------------------------------------------------------


def create_match_report(session: Session, actor: Actor, data: Mapping[str, Any]) -> DnaMatchReport:
    """A laboratory-reported match between a family reference (of a case) and a post-mortem
    sample (of remains), both of the actor's organisation; under the case's data key."""
    access = Access(session, actor)
    errors: dict[str, list[str]] = {}
    family = _owned_reference(access, data["family_reference_id"])
    if family is None or family.sample_kind is not SampleKind.family_reference:
        errors["family_reference_id"] = ["Not a family reference of your organisation."]
    post_mortem = _owned_reference(access, data["post_mortem_reference_id"])
    if post_mortem is None or post_mortem.sample_kind is not SampleKind.post_mortem:
        errors["post_mortem_reference_id"] = ["Not a post-mortem sample of your organisation."]
    reported = data["reported_date"]
    problem = _date_problem(reported)
    if problem:
        errors["reported_date"] = [problem]
    if errors:
        raise InvalidInput(_INVALID, errors)
    assert family is not None and post_mortem is not None
    case, remains = family.case, post_mortem.remains
    if case is None or remains is None:
        raise InvalidInput(_INVALID, {"family_reference_id": ["Not linked to a case."]})
    if case.is_shredded:
        raise Conflict("This case's personal data was destroyed; it can no longer change.")
    report = DnaMatchReport(
        id=new_time_uuid(),
        organisation_id=family.organisation_id,
        version=1,
        case_id=case.id,
        remains_id=remains.id,
        family_reference_id=family.id,
        post_mortem_reference_id=post_mortem.id,
        likelihood_ratio=float(data["likelihood_ratio"]),
        reported_date=reported,
        status=MatchReportStatus.reported,
        created_at=utcnow(),
        created_by=actor.user_id,
    )
    report.data_key = case.data_key
    report.case, report.remains = case, remains
    report.lab_report_reference = data["lab_report_reference"].strip()
    session.add(report)
    session.flush()
    record_change(
        session,
        actor,
        "match_report.create",
        MATCH_REPORT,
        report,
        categories=[Category.dna_references],
        details={
            "remains_id": str(remains.id),
            "family_reference_id": str(family.id),
            "post_mortem_reference_id": str(post_mortem.id),
            "status": report.status.value,
        },
    )
    return report


def _owned_reference(access: Access, reference_id: Any) -> DnaReference | None:
    try:
        return queries.owned_reference_or_404(access, reference_id)
    except NotFound:
        return None


def exclude_match_report(
    session: Session,
    actor: Actor,
    report: DnaMatchReport,
    reason: str,
    version: int | None = None,
) -> DnaMatchReport:
    """Exclude a reported match with its reason (encrypted): `reported → excluded`."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_INVALID, {"reason": ["Required."]})
    if report.status is not MatchReportStatus.reported:
        raise MatchReportClosed(
            f"This match report is {report.status.value}; only a reported one can be excluded.",
            {"status": [f"The report is {report.status.value}."]},
        )
    if report.case.is_shredded:
        raise Conflict("This case's personal data was destroyed; it can no longer change.")
    check_version(report, version)
    _claim_report_version(session, report)
    report.status = MatchReportStatus.excluded
    report.reviewed_by = actor.user_id
    report.reviewed_at = utcnow()
    report.exclusion_reason = reason
    session.flush()
    record_change(
        session,
        actor,
        "match_report.exclude",
        MATCH_REPORT,
        report,
        categories=[Category.dna_references],
        details={"status": report.status.value, "version": report.version},
    )
    return report
