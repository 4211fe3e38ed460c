"""Writes of the case registry: register, update, change status, link duplicates, audit reads.

Each function flushes its change, writes the timeline event and appends the audit event in
the caller's transaction; the request (or command) commits once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.access import record_change
from casework.auth.models import Organisation
from casework.auth.policy import Actor
from casework.cases import queries, values
from casework.cases.models import (
    AgeBand,
    Case,
    CaseEvent,
    CaseStatus,
    CaseVulnerability,
    ClosureReason,
    EventType,
    ReferenceCounter,
    Sex,
    TimelineKind,
    Vulnerability,
)
from casework.cases.policy import (
    check_closable_as_duplicate,
    check_transition,
    is_reopening,
)
from casework.cases.resources import CASE
from casework.db import check_version, claim_version, new_time_uuid, utcnow
from casework.errors import Conflict, InvalidInput
from casework.keys import create_data_key, indexer, set_description_terms, set_index

NAME_FIELDS = ("given_names", "family_names", "aliases")
_CLEAR_LISTS = ("languages", "route_countries")
_ENUMS: dict[str, Any] = {"sex": Sex, "age_band": AgeBand, "event_type": EventType}


#: Timeline `detail` of a case re-pointed to the survivor when the case it duplicated was
#: itself linked as a duplicate, and of a survivor whose duplicate was reopened.
REPOINTED = "repointed"
UNLINKED = "unlinked"


class CaseShredded(Conflict):
    code = "shredded"


# --- references ---------------------------------------------------------------------------


def allocate_number(session: Session, prefix: str, year: int) -> int:
    """The next sequence number for a reference prefix and year.

    One atomic upsert on the counter row: on PostgreSQL the row lock it takes makes concurrent
    registrations wait for each other's commit (READ COMMITTED re-reads the updated row); on
    SQLite the write transaction (BEGIN IMMEDIATE) already excludes other writers. The unique
    constraint on each record's reference backs both up.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ReferenceCounter.__table__
    stmt = (
        insert(table)
        .values(prefix=prefix, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.prefix, table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    return session.execute(stmt).scalar_one()


def allocate_reference(session: Session, country: str, year: int) -> str:
    """The next case reference for a country and year, e.g. SLV-2026-000123."""
    prefix = values.country_alpha3(country)
    return f"{prefix}-{year:04d}-{allocate_number(session, prefix, year):06d}"


def _categories_of(field_names: list[str]) -> list[str]:
    """The categories of the fields written (for the audit event: names, never values)."""
    return [Case.__categories__[f] for f in field_names if f in Case.__categories__]


# --- applying validated input -------------------------------------------------------------


def _apply(session: Session, case: Case, data: dict[str, Any]) -> list[str]:
    """Set the given fields on the case; returns the names of those whose value changed."""
    return [
        name
        for name in Case.__categories__
        if name in data and _set_field(session, case, name, data[name])
    ]


def _set_field(session: Session, case: Case, name: str, new: Any) -> bool:
    if name == "vulnerabilities":
        return _set_vulnerabilities(case, new or [])
    if name == "protection_flags":
        return _set_protection_flags(session, case, new or [])
    if name in _ENUMS:
        new = _ENUMS[name](new) if new else (Sex.unknown if name == "sex" else None)
    elif name in _CLEAR_LISTS:
        new = list(new or [])
    else:
        new = new or None
    if getattr(case, name) == new:
        return False
    setattr(case, name, new)
    if name == "last_seen_date":
        # The month (and the precision) stay in clear for search and statistics.
        parsed = values.approx_date_or_none(new)
        case.last_seen_month = parsed.month_start if parsed else None
        case.last_seen_precision = parsed.precision if parsed else None
    return True


def _set_vulnerabilities(case: Case, wanted: list[str]) -> bool:
    target = {Vulnerability(v) for v in wanted}
    current = {row.vulnerability: row for row in case.vulnerability_rows}
    if set(current) == target:
        return False
    for flag, row in current.items():
        if flag not in target:
            case.vulnerability_rows.remove(row)
    for flag in sorted(target - set(current)):
        case.vulnerability_rows.append(CaseVulnerability(vulnerability=flag))
    return True


def _set_protection_flags(session: Session, case: Case, flags: list[dict[str, Any]]) -> bool:
    normalised = [
        {"kind": str(f["kind"]), "value": str(f["value"]), "reason": f["reason"]} for f in flags
    ]
    if normalised == case.protection_flags:
        return False
    org_targets = [f["value"] for f in normalised if f["kind"] == "organisation"]
    known = queries.organisation_ids(session, org_targets)
    bad = {
        str(i): {"value": ["No such organisation."]}
        for i, f in enumerate(normalised)
        if f["kind"] == "organisation" and f["value"] not in known
    }
    if bad:
        raise InvalidInput(
            "A protection flag names an unknown organisation.", {"protection_flags": bad}
        )
    case.protection_targets = [{"kind": f["kind"], "value": f["value"]} for f in normalised]
    case.protection_reasons = [f["reason"] for f in normalised]
    return True


def _check_record(case: Case, changed: list[str], age_band_given: bool) -> None:
    """Rules across fields, on the record as it will be stored; may derive the age band."""
    low, high = case.stature_min_cm, case.stature_max_cm
    if low is not None and high is not None and low > high:
        # A change of one end is checked against the other end as stored.
        raise InvalidInput(
            "The stature range ends below where it starts.",
            {"stature_max_cm": ["Must be at least the lower stature."]},
        )
    birth = values.approx_date_or_none(case.date_of_birth)
    seen = values.approx_date_or_none(case.last_seen_date)
    if birth and seen and birth.start > seen.end:
        raise InvalidInput(
            "The date of birth must be before the last-seen date.",
            {"date_of_birth": ["Must be before the last-seen date."]},
        )
    if birth is None:
        return
    at = seen or values.ApproxDate.exact(dt.datetime.now(dt.UTC).date())
    possible = values.age_bands_possible(birth, at)
    if case.age_band is not None and case.age_band in possible:
        return
    if case.age_band is not None and age_band_given:
        raise InvalidInput(
            "The age band does not agree with the date of birth.",
            {"age_band": ["Does not agree with the date of birth and last-seen date."]},
        )
    derived = possible[0] if len(possible) == 1 else None
    if case.age_band != derived:
        case.age_band = derived
        if "age_band" not in changed:
            changed.append("age_band")


#: Fields whose descriptive terms are indexed for matching with remains.
DESCRIPTION_FIELDS = ("distinguishing_marks", "clothing_and_belongings")


def _index_description(session: Session, case: Case) -> None:
    texts = [case.distinguishing_marks, case.clothing_and_belongings]
    set_description_terms(session, case.id, case.data_key, texts)


def reindex_names(session: Session, case: Case) -> None:
    """Recompute one case's name keys (`casework cases reindex-names`)."""
    _index_names(session, case)


def _index_names(session: Session, case: Case) -> None:
    names = case.all_names
    tokens = indexer(session).name_tokens(queries.NAME_FIELD, names) if names.strip() else set()
    set_index(session, case.id, case.data_key, queries.NAME_FIELD, tokens)


# --- version and timeline -----------------------------------------------------------------


def _ensure_writable(case: Case) -> None:
    if case.is_shredded:
        raise CaseShredded("This case's personal data was destroyed; it can no longer change.")


def _event(
    session: Session,
    actor: Actor,
    case: Case,
    kind: TimelineKind,
    *,
    note: str | None = None,
    fields: list[str] | None = None,
    from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
    closure_reason: ClosureReason | None = None,
    related: Case | None = None,
    detail: str | None = None,
) -> CaseEvent:
    event = CaseEvent(
        id=uuid.uuid4(),
        case=case,
        data_key=case.data_key,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        closure_reason=closure_reason,
        related_case_id=related.id if related else None,
        fields=list(fields or []),
        detail=detail,
        version=case.version,
        actor_id=actor.user_id,
        actor_role=actor.role,
        occurred_at=utcnow(),
    )
    event.note = note
    session.add(event)
    return event


def add_timeline_event(
    session: Session,
    actor: Actor,
    case: Case,
    kind: TimelineKind,
    *,
    detail: str | None = None,
    note: str | None = None,
) -> CaseEvent:
    """An entry in the case's timeline recorded by a domain above the registry (a custody step,
    an identification). `detail` is a non-personal word; `note` is encrypted."""
    return _event(session, actor, case, kind, detail=detail, note=note)


# --- services -----------------------------------------------------------------------------


def create_case(session: Session, actor: Actor, data: dict[str, Any]) -> Case:
    """Register a case for the actor's organisation from validated input (CaseCreateSchema)."""
    org = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    if org is None:
        raise InvalidInput("Cases are registered by a user of an organisation.")
    now = utcnow()
    case = Case(
        # Time-ordered: the name search walks its index newest first by id.
        id=new_time_uuid(),
        organisation_id=org.id,
        data_key=create_data_key(session, "case", org.id),
        status=CaseStatus.reported,
        version=1,
        sex=Sex.unknown,
        languages=[],
        route_countries=[],
        protection_targets=[],
        created_at=now,
        updated_at=now,
    )
    changed = _apply(session, case, data)
    _check_record(case, changed, "age_band" in data)
    case.reference = allocate_reference(session, org.country, now.year)
    session.add(case)
    session.flush()
    _index_names(session, case)
    _index_description(session, case)
    _event(session, actor, case, TimelineKind.created, fields=changed, to_status=case.status)
    record_change(
        session,
        actor,
        "case.create",
        CASE,
        case,
        categories=_categories_of(changed),
        details={"fields": sorted(changed), "version": case.version, "status": case.status.value},
    )
    session.flush()
    return case


def update_case(
    session: Session,
    actor: Actor,
    case: Case,
    data: dict[str, Any],
    expected_version: int | None,
) -> list[str]:
    """Change the given fields if `expected_version` is current; returns the changed names."""
    _ensure_writable(case)
    check_version(case, expected_version)
    changed = _apply(session, case, data)
    _check_record(case, changed, "age_band" in data)
    if not changed:
        return []
    claim_version(session, case)
    if any(name in changed for name in NAME_FIELDS):
        _index_names(session, case)
    if any(name in changed for name in DESCRIPTION_FIELDS):
        _index_description(session, case)
    _event(session, actor, case, TimelineKind.updated, fields=changed)
    record_change(
        session,
        actor,
        "case.update",
        CASE,
        case,
        categories=_categories_of(changed),
        details={"fields": sorted(changed), "version": case.version},
    )
    session.flush()
    return changed


def change_status(
    session: Session,
    actor: Actor,
    case: Case,
    status: CaseStatus,
    note: str,
    closure_reason: ClosureReason | None = None,
    expected_version: int | None = None,
    duplicate_of: Case | None = None,
) -> Case:
    """Move the case along the transition table (policy.TRANSITIONS), with a required note.

    Closing as a duplicate names the surviving case (`duplicate_of`) and links the two, as
    `link_duplicate` does; reopening a closed case clears its closure reason and duplicate link.
    """
    _ensure_writable(case)
    check_version(case, expected_version)
    check_transition(
        session,
        case,
        status,
        closure_reason,
        actor,
        duplicate_of=duplicate_of.reference if duplicate_of is not None else None,
    )
    if closure_reason is ClosureReason.duplicate and duplicate_of is not None:
        link_duplicate(session, actor, duplicate_of, case, note, field="duplicate_of")
        return case
    if is_reopening(case.status, status):
        return _reopen(session, actor, case, status, note)
    return _set_status(session, actor, case, status, note, closure_reason, checked=True)


def change_status_as_asked(
    session: Session,
    actor: Actor,
    case: Case,
    data: dict[str, Any],
    expected_version: int | None,
) -> Case:
    """`change_status` from validated StatusChangeSchema input (the API's body, a page's form)."""
    reason = data.get("closure_reason")
    survivor = None
    wanted = data.get("duplicate_of")
    if wanted:
        # A whole reference, or its end (000025, 25) when one case of the organisation has it.
        reference = queries.own_reference(session, actor, wanted, field="duplicate_of")
        if reference is not None:
            survivor = queries.case_by_reference(session, actor, reference, for_update=True)
        if survivor is None:
            raise InvalidInput(
                "There is no case with that reference in your organisation.",
                {"duplicate_of": ["No case of your organisation has this reference."]},
            )
    return change_status(
        session,
        actor,
        case,
        CaseStatus(data["status"]),
        data["note"],
        ClosureReason(reason) if reason else None,
        expected_version=expected_version,
        duplicate_of=survivor,
    )


def _reopen(session: Session, actor: Actor, case: Case, status: CaseStatus, note: str) -> Case:
    """closed → active_search: the closure reason and any duplicate link are cleared, and the
    timeline says so (the event's `detail` is the cleared reason, `related_case` the case it
    was a duplicate of; that case's timeline records the unlinking)."""
    former = case.duplicate_of
    cleared_reason = case.closure_reason
    if former is not None:
        case.duplicate_of = None
    _set_status(
        session,
        actor,
        case,
        status,
        note,
        None,
        checked=True,
        related=former,
        kind=TimelineKind.status_changed,
        detail=cleared_reason.value if cleared_reason else None,
        action="case.reopen",
        extra={
            "cleared_closure_reason": cleared_reason.value if cleared_reason else None,
            "cleared_duplicate_of": former.reference if former is not None else None,
        },
    )
    if former is not None:
        claim_version(session, former)
        _event(
            session,
            actor,
            former,
            TimelineKind.duplicate_linked,
            note=note,
            related=case,
            detail=UNLINKED,
        )
        record_change(
            session,
            actor,
            "case.unlink_duplicate",
            CASE,
            former,
            details={"duplicate": case.reference, "version": former.version, "reopened": True},
        )
        session.flush()
    return case


def set_status_unchecked(
    session: Session,
    actor: Actor,
    case: Case,
    status: CaseStatus,
    note: str,
    closure_reason: ClosureReason | None = None,
) -> Case:
    """Set any status without the transition rules: for tests and demo data only.

    It is how a case reaches deceased_identified before identifications exist.
    """
    _ensure_writable(case)
    return _set_status(session, actor, case, status, note, closure_reason, checked=False)


def _set_status(
    session: Session,
    actor: Actor,
    case: Case,
    status: CaseStatus,
    note: str,
    closure_reason: ClosureReason | None,
    *,
    checked: bool,
    related: Case | None = None,
    kind: TimelineKind | None = None,
    detail: str | None = None,
    action: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Case:
    if not (note or "").strip():
        raise InvalidInput("A note is required.", {"note": ["A note is required."]})
    previous = case.status
    claim_version(session, case)
    case.status = status
    case.closure_reason = closure_reason if status is CaseStatus.closed else None
    if kind is None:
        kind = TimelineKind.linked_as_duplicate if related else TimelineKind.status_changed
    _event(
        session,
        actor,
        case,
        kind,
        note=note,
        from_status=previous,
        to_status=status,
        closure_reason=case.closure_reason,
        related=related,
        detail=detail,
    )
    details: dict[str, Any] = {
        "from": previous.value,
        "to": status.value,
        "closure_reason": case.closure_reason.value if case.closure_reason else None,
        "version": case.version,
    }
    if not checked:
        details["unchecked"] = True
    details.update(extra or {})
    if action is None:
        action = "case.link_duplicate" if related else "case.status"
        if related is not None:
            details["duplicate_of"] = related.reference
    record_change(session, actor, action, CASE, case, details=details)
    session.flush()
    return case


def link_duplicate(
    session: Session,
    actor: Actor,
    survivor: Case,
    duplicate: Case,
    note: str,
    expected_version: int | None = None,
    *,
    field: str = "duplicate_reference",
) -> Case:
    """Close `duplicate` as a duplicate of `survivor`; its history stays visible from there.

    Cases linked into `duplicate` before are re-pointed to `survivor`. A survivor is never
    itself a duplicate, so no cycle can form. `field` names the input that named the other
    case in errors (`duplicate_of` when closing through the status change).
    """
    if duplicate.id == survivor.id:
        raise InvalidInput(
            "A case cannot be a duplicate of itself.", {field: ["Name another case."]}
        )
    if survivor.duplicate_of_id is not None:
        raise Conflict(
            "That case is itself linked as a duplicate; link to the surviving case instead.",
            {field: ["Link to the surviving case."]},
        )
    if duplicate.duplicate_of_id is not None:
        raise Conflict(
            "The duplicate is already linked as a duplicate.",
            {field: ["Already linked."]},
        )
    _ensure_writable(survivor)
    _ensure_writable(duplicate)
    check_version(survivor, expected_version)
    check_closable_as_duplicate(duplicate)
    check_transition(
        session, duplicate, CaseStatus.closed, ClosureReason.duplicate, actor, linking=True
    )
    claim_version(session, survivor)
    # Cases already linked into `duplicate` now point at the survivor: a chain is never left
    # pointing at a closed case, so every survivor lists all its duplicates, one level deep.
    chained = queries.duplicates_for_update(session, duplicate)
    duplicate.duplicate_of = survivor
    _set_status(
        session,
        actor,
        duplicate,
        CaseStatus.closed,
        note,
        ClosureReason.duplicate,
        checked=True,
        related=survivor,
    )
    _event(session, actor, survivor, TimelineKind.duplicate_linked, note=note, related=duplicate)
    for moved in chained:
        _repoint(session, actor, moved, duplicate, survivor, note)
    details: dict[str, Any] = {"duplicate": duplicate.reference, "version": survivor.version}
    if chained:
        details["repointed"] = [c.reference for c in chained]
    record_change(session, actor, "case.link_duplicate", CASE, survivor, details=details)
    session.flush()
    return survivor


def _repoint(
    session: Session, actor: Actor, moved: Case, via: Case, survivor: Case, note: str
) -> None:
    """`moved` was a duplicate of `via`, now itself a duplicate of `survivor`: it points at
    `survivor` (timeline: linked as a duplicate of it, detail REPOINTED; audited)."""
    claim_version(session, moved)
    moved.duplicate_of = survivor
    _event(
        session,
        actor,
        moved,
        TimelineKind.linked_as_duplicate,
        note=note,
        related=survivor,
        detail=REPOINTED,
    )
    record_change(
        session,
        actor,
        "case.link_duplicate",
        CASE,
        moved,
        details={
            "duplicate_of": survivor.reference,
            "previous_duplicate_of": via.reference,
            "repointed": True,
            "version": moved.version,
        },
    )
