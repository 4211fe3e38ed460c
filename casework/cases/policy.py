"""Rules of the case registry: who may do what, the status transition table, field categories.

The one place that says which status may follow which, with which closure reasons, and what
a transition needs (`has_confirmed_identification`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework import registry
from casework.auth.policy import Actor, can
from casework.cases.models import Case, CaseStatus, ClosureReason
from casework.errors import Conflict, Forbidden, InvalidInput

# The actions of the case registry (their roles are declared in cases/domain.py).
READ_CASES = "case.read"
WRITE_CASES = "case.write"
CHANGE_CASE_STATUS = "case.status"
LINK_DUPLICATES = "case.link_duplicate"
REOPEN_CASES = "case.reopen"

S, R = CaseStatus, ClosureReason


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
    # Reopening: the family comes back, or the closure was a mistake (a focal point only, see
    # TRANSITION_ACTIONS; the closure reason and any duplicate link are cleared).
    S.closed: {S.active_search: frozenset()},
}

#: Transitions that need an action beyond CHANGE_CASE_STATUS (checked in check_transition).
TRANSITION_ACTIONS: dict[tuple[CaseStatus, CaseStatus], str] = {
    (S.closed, S.active_search): REOPEN_CASES,
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


class IdentificationRequired(Conflict):
    code = "identification_required"


class DuplicateOfRequired(InvalidInput):
    """Closing as a duplicate names the case it duplicates (`duplicate_of`)."""


def is_reopening(source: CaseStatus, target: CaseStatus) -> bool:
    return source is CaseStatus.closed and target is not CaseStatus.closed


def allowed_targets(status: CaseStatus) -> list[CaseStatus]:
    return list(TRANSITIONS[status])


def targets_for(actor: Actor, status: CaseStatus) -> list[CaseStatus]:
    """The statuses `actor` may move a case from `status` to (TRANSITION_ACTIONS applied)."""
    return [
        target
        for target in TRANSITIONS[status]
        if (needed := TRANSITION_ACTIONS.get((status, target))) is None or can(actor, needed)
    ]


def closure_reasons_for(status: CaseStatus) -> list[ClosureReason]:
    """Closure reasons that may close a case from `status` (in declaration order)."""
    reasons = TRANSITIONS[status].get(CaseStatus.closed, frozenset())
    return [r for r in ClosureReason if r in reasons]


def has_confirmed_identification(session: Session, case: Case) -> bool:
    """Whether a domain above the registry (identification) confirms an identification of the
    case: asked through the registry's hook, never imported."""
    return registry.ask_any(registry.IDENTIFICATION_CONFIRMED, session, case)


def check_transition(
    session: Session,
    case: Case,
    target: CaseStatus,
    closure_reason: ClosureReason | None,
    actor: Actor | None = None,
    *,
    duplicate_of: str | None = None,
    linking: bool = False,
) -> None:
    """Raise unless `case` may move to `target` with `closure_reason` (403, 409 or 422).

    `actor`: who asks (transitions of TRANSITION_ACTIONS need their action; None is the
    system). Closing as a duplicate names the surviving case (`duplicate_of`) unless the
    caller is the linking service itself (`linking`).
    """
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
    needed = TRANSITION_ACTIONS.get((case.status, target))
    if needed is not None and actor is not None and not can(actor, needed):
        raise Forbidden(
            f"Only a focal point may move a case from {case.status.value} to {target.value}."
        )
    reasons = allowed[target]
    if target is CaseStatus.closed:
        if closure_reason is None or closure_reason not in reasons:
            names = ", ".join(r.value for r in closure_reasons_for(case.status))
            raise InvalidInput(
                f"Closing a case in status {case.status.value} needs a closure reason: {names}.",
                {"closure_reason": [f"One of: {names}."]},
            )
        if closure_reason is ClosureReason.duplicate and not linking and not duplicate_of:
            raise DuplicateOfRequired(
                "Closing a case as a duplicate needs the reference of the case it duplicates.",
                {"duplicate_of": ["Give the reference of the case this one duplicates."]},
            )
    if duplicate_of and closure_reason is not ClosureReason.duplicate:
        raise InvalidInput(
            "The case a closed case duplicates is given only with closure reason duplicate.",
            {"duplicate_of": ["Only with closure reason duplicate."]},
        )
    if target is not CaseStatus.closed and closure_reason is not None:
        raise InvalidInput(
            "A closure reason is given only when closing a case.",
            {"closure_reason": ["Only when the status is closed."]},
        )
    if target is CaseStatus.closed:
        # Rules of domains above the registry (families: the family must be told first).
        refusal = registry.first_refusal(registry.CLOSE_REFUSAL, session, case)
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
