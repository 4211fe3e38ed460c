"""Rules of the case registry: who may do what, the status transition table, field categories.

The one place that says which status may follow which, with which closure reasons, and what
a transition needs (`has_confirmed_identification`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from casework.auth.models import Role
from casework.auth.policy import permission
from casework.cases.models import Case, CaseStatus, ClosureReason
from casework.errors import Conflict, InvalidInput

READ_CASES = permission("case.read", Role.focal_point, Role.family_liaison, Role.forensic)
WRITE_CASES = permission("case.write", Role.focal_point)
CHANGE_CASE_STATUS = permission("case.status", Role.focal_point)
LINK_DUPLICATES = permission("case.link_duplicate", Role.focal_point)

S, R = CaseStatus, ClosureReason

# Hook for domains above the registry (families registers one on import): each guard may
# refuse closing a case by returning the reason, or None. The registry never imports them.
CLOSE_GUARDS: list[Callable[[Session, Case], str | None]] = []


class CloseRefused(Conflict):
    code = "close_refused"


#: status → {allowed next status: closure reasons it needs (empty: none allowed)}.
TRANSITIONS: dict[CaseStatus, dict[CaseStatus, frozenset[ClosureReason]]] = {
    S.reported: {
        S.active_search: frozenset(),
        S.closed: frozenset({R.withdrawn_by_family, R.duplicate}),
    },
    S.active_search: {
        S.located_alive: frozenset(),
        S.deceased_identified: frozenset(),
        S.closed: frozenset({R.withdrawn_by_family, R.duplicate}),
    },
    S.located_alive: {S.closed: frozenset({R.located})},
    S.deceased_identified: {S.closed: frozenset({R.identified})},
    S.closed: {},
}

#: Audit categories of each API field (names of categories, never values).
FIELD_CATEGORIES: dict[str, str] = {
    "given_names": "identity",
    "family_names": "identity",
    "aliases": "identity",
    "sex": "identity",
    "date_of_birth": "identity",
    "age_band": "identity",
    "nationality": "identity",
    "languages": "identity",
    "place_of_origin": "identity",
    "identity_documents": "identity",
    "last_seen_date": "circumstances",
    "last_seen_country": "circumstances",
    "last_seen_place": "circumstances",
    "route_countries": "circumstances",
    "event_type": "circumstances",
    "circumstances": "circumstances",
    "vulnerabilities": "circumstances",
    "protection_flags": "circumstances",
    "distinguishing_marks": "physical_description",
    "clothing_and_belongings": "physical_description",
}
ALL_CATEGORIES: tuple[str, ...] = ("identity", "circumstances", "physical_description")


def categories_of(field_names: Iterable[str]) -> list[str]:
    touched = {FIELD_CATEGORIES[f] for f in field_names if f in FIELD_CATEGORIES}
    return [c for c in ALL_CATEGORIES if c in touched]


class IllegalTransition(Conflict):
    code = "illegal_transition"


class IdentificationRequired(Conflict):
    code = "identification_required"


def allowed_targets(status: CaseStatus) -> list[CaseStatus]:
    return list(TRANSITIONS[status])


def closure_reasons_for(status: CaseStatus) -> list[ClosureReason]:
    """Closure reasons that may close a case from `status` (in declaration order)."""
    reasons = TRANSITIONS[status].get(CaseStatus.closed, frozenset())
    return [r for r in ClosureReason if r in reasons]


def has_confirmed_identification(session: Session, case: Case) -> bool:
    """Whether the case has a confirmed identification (needed for deceased_identified).

    Identifications arrive with the remains/identification issue; until then none exists, so
    this is False and only `operations.set_status_unchecked` can reach that status.
    """
    return False


def check_transition(
    session: Session,
    case: Case,
    target: CaseStatus,
    closure_reason: ClosureReason | None,
) -> None:
    """Raise unless `case` may move to `target` with `closure_reason` (409 or 422)."""
    allowed = TRANSITIONS[case.status]
    extra: dict[str, Any] = {"allowed_statuses": [s.value for s in allowed]}
    if target not in allowed:
        names = ", ".join(s.value for s in allowed) or "none (the case is closed)"
        raise IllegalTransition(
            f"A case in status {case.status.value} cannot move to {target.value}. "
            f"Allowed: {names}.",
            {"status": [f"Allowed: {names}."]},
            extra=extra,
        )
    reasons = allowed[target]
    if target is CaseStatus.closed:
        if closure_reason is None or closure_reason not in reasons:
            names = ", ".join(r.value for r in closure_reasons_for(case.status))
            raise InvalidInput(
                f"Closing a case in status {case.status.value} needs a closure reason: {names}.",
                {"closure_reason": [f"One of: {names}."]},
            )
    elif closure_reason is not None:
        raise InvalidInput(
            "A closure reason is given only when closing a case.",
            {"closure_reason": ["Only when the status is closed."]},
        )
    if target is CaseStatus.closed:
        for guard in CLOSE_GUARDS:  # see CLOSE_GUARDS: rules of higher domains
            refusal = guard(session, case)
            if refusal:
                raise CloseRefused(refusal, {"status": [refusal]}, extra=extra)
    if target is CaseStatus.deceased_identified and not has_confirmed_identification(session, case):
        raise IdentificationRequired(
            "A confirmed identification is needed before a case can be marked deceased_identified.",
            {"status": ["A confirmed identification is needed."]},
            extra=extra,
        )


def check_closable_as_duplicate(case: Case) -> None:
    """Only a case still being searched for can be closed as someone else's duplicate (409)."""
    linkable = [s for s in TRANSITIONS if ClosureReason.duplicate in closure_reasons_for(s)]
    if case.status not in linkable:
        names = ", ".join(s.value for s in linkable)
        raise IllegalTransition(
            f"A case in status {case.status.value} cannot be closed as a duplicate; "
            f"only cases in status {names} can.",
            {"duplicate_reference": [f"Only a case in status {names}."]},
            extra={"linkable_statuses": [s.value for s in linkable]},
        )
