"""Writes of the remains domain: record and correct unidentified remains, move them through
their status, and the audit event of every write (reads are recorded by the access gateway).

Every service validates the merged record before it changes anything, so a refused write
leaves nothing behind (no half-written record, no version claimed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from casework.access import record_change
from casework.auth.models import Organisation
from casework.auth.policy import Actor
from casework.cases.models import Case, Sex
from casework.cases.operations import allocate_number
from casework.cases.values import country_alpha3, country_code, parse_approx_date
from casework.db import check_version, claim_version, new_time_uuid, utcnow
from casework.errors import Conflict, InvalidInput
from casework.keys import create_data_key, set_description_terms
from casework.remains.models import Remains, RemainsStatus
from casework.remains.resources import REMAINS

#: Fields a client may write, in the order of the contract.
TEXT_FIELDS = ("found_place", "recovery_context", "distinguishing_marks", "effects")
FIELDS = (
    "found_date",
    "found_country",
    "found_place",
    "recovery_context",
    "sex",
    "age_min",
    "age_max",
    "stature_min_cm",
    "stature_max_cm",
    "distinguishing_marks",
    "effects",
)
AGE_RANGE = (0, 120)
STATURE_RANGE = (40, 250)
_INVALID = "Some fields are invalid."


class IllegalTransition(Conflict):
    code = "illegal_transition"


class RemainsNotUnidentified(Conflict):
    code = "remains_not_unidentified"


# --- validation (the same rules as the schemas: services are called by pages and demo too) ---


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(_INVALID, {field: [message]})


def _clean_text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, "Not a valid string.")
    value = value.strip()
    return value or None


def _bounded_int(name: str, value: Any, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, "Not a valid integer.")
    if not low <= value <= high:
        raise _invalid(name, f"Must be between {low} and {high}.")
    return value


def _check_range(values: dict[str, Any], low: str, high: str) -> None:
    """An upside-down range is refused, naming its upper bound."""
    if values.get(low) is not None and values.get(high) is not None and values[low] > values[high]:
        raise _invalid(high, f"Must be at least {low}.")


def _merged(remains: Remains | None, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The record's writable values after the change, validated, and the fields changed.

    Nothing of `remains` is touched here."""
    current: dict[str, Any] = {}
    if remains is not None:
        current = {name: getattr(remains, name) for name in FIELDS}
    values = dict(current)
    changed: list[str] = []
    for name in FIELDS:
        if name not in data:
            continue
        raw = data[name]
        if name in TEXT_FIELDS:
            new: Any = _clean_text(name, raw)
        elif name == "found_date":
            text = _clean_text(name, raw)
            try:
                new = str(parse_approx_date(text)) if text else None
            except ValueError as exc:
                raise _invalid(name, str(exc)) from None
        elif name == "found_country":
            code = _clean_text(name, raw)
            try:
                new = country_code(code) if code else None
            except ValueError as exc:
                raise _invalid(name, str(exc)) from None
        elif name == "sex":
            try:
                new = Sex(raw) if raw is not None else Sex.unknown
            except ValueError:
                raise _invalid(name, "Not one of the sexes.") from None
        elif name in ("age_min", "age_max"):
            new = _bounded_int(name, raw, *AGE_RANGE)
        else:
            new = _bounded_int(name, raw, *STATURE_RANGE)
        values[name] = new
        if remains is None or new != current.get(name):
            changed.append(name)
    _check_range(values, "age_min", "age_max")
    _check_range(values, "stature_min_cm", "stature_max_cm")
    return values, changed


def _apply(remains: Remains, values: dict[str, Any], changed: list[str]) -> None:
    for name in changed:
        setattr(remains, name, values[name])
    if "found_date" in changed:
        found = values["found_date"]
        approx = parse_approx_date(found) if found else None
        remains.found_month = approx.month_start if approx else None
        remains.found_precision = approx.precision if approx else None


def _categories_of(changed: list[str]) -> list[str]:
    categories = Remains.__categories__
    return sorted({categories[name].value for name in changed if name in categories})


def _index_description(session: Session, remains: Remains) -> None:
    texts = [remains.distinguishing_marks, remains.effects]
    set_description_terms(session, remains.id, remains.data_key, texts)


def _reference(session: Session, organisation: Organisation, year: int) -> str:
    alpha3 = country_alpha3(organisation.country)
    prefix = f"{alpha3}-UR"
    number = allocate_number(session, prefix, year)
    return f"{prefix}-{year:04d}-{number:06d}"


# --- services ----------------------------------------------------------------------------------


def create_remains(session: Session, actor: Actor, data: Mapping[str, Any]) -> Remains:
    """Record unidentified remains for the actor's organisation, under a data key of their own
    (the remains are a data subject); the terms of marks and effects are indexed."""
    org = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    if org is None:
        raise InvalidInput("Remains are recorded by a user of an organisation.")
    values, changed = _merged(None, data)
    now = utcnow()
    remains = Remains(
        # Time-ordered: lists walk their index newest first.
        id=new_time_uuid(),
        organisation_id=org.id,
        status=RemainsStatus.unidentified,
        version=1,
        sex=Sex.unknown,
        created_at=now,
        created_by=actor.user_id,
        updated_at=now,
    )
    remains.data_key = create_data_key(session, "remains", org.id)
    _apply(remains, values, changed)
    remains.reference = _reference(session, org, now.year)
    session.add(remains)
    session.flush()
    _index_description(session, remains)
    given = [name for name in changed if values[name] not in (None, Sex.unknown)]
    record_change(
        session,
        actor,
        "remains.create",
        REMAINS,
        remains,
        categories=_categories_of(given),
        details={"fields": given, "version": remains.version, "reference": remains.reference},
    )
    session.flush()
    return remains


def _transition(remains: Remains, wanted: Any) -> RemainsStatus | None:
    """The new status asked for by an update (None: unchanged); only identified →
    returned_to_family may be asked for."""
    if wanted is None:
        return None
    try:
        status = RemainsStatus(wanted)
    except ValueError:
        raise _invalid("status", "Not one of the statuses.") from None
    if status == remains.status:
        return None
    if remains.status == RemainsStatus.identified and status == RemainsStatus.returned_to_family:
        return status
    raise IllegalTransition(
        "This status change is not allowed: identified is set by a confirmed identification, "
        "and identified remains may only be marked as returned to the family.",
        {"status": [f"Cannot move from {remains.status.value} to {status.value}."]},
    )


def update_remains(
    session: Session,
    actor: Actor,
    remains: Remains,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> Remains:
    """Correct a remains record and/or move it from identified to returned_to_family
    (version-checked: a stale version is a 409, a missing one a 422)."""
    values, changed = _merged(remains, data)
    new_status = _transition(remains, data.get("status"))
    check_version(remains, expected_version, required=True)
    if not changed and new_status is None:
        return remains
    claim_version(session, remains)
    _apply(remains, values, changed)
    old_status = remains.status
    if new_status is not None:
        remains.status = new_status
    if "distinguishing_marks" in changed or "effects" in changed:
        _index_description(session, remains)
    session.flush()
    details: dict[str, Any] = {"fields": changed, "version": remains.version}
    if new_status is not None:
        details["from_status"] = old_status.value
        details["to_status"] = new_status.value
    record_change(
        session,
        actor,
        "remains.update",
        REMAINS,
        remains,
        categories=_categories_of(changed),
        details=details,
    )
    session.flush()
    return remains


def mark_identified(session: Session, actor: Actor, remains: Remains, case: Case) -> None:
    """Called by the identification domain when an identification is confirmed: the remains
    become `identified` as the case. Remains that are not `unidentified` are a 409."""
    if remains.status != RemainsStatus.unidentified:
        raise RemainsNotUnidentified(
            "These remains are no longer unidentified; they cannot be identified again.",
            {"remains_id": [f"The remains are {remains.status.value}."]},
        )
    claim_version(session, remains)
    remains.status = RemainsStatus.identified
    remains.identified_case_id = case.id
    session.flush()
    record_change(
        session,
        actor,
        "remains.identified",
        REMAINS,
        remains,
        categories=[],
        details={
            "version": remains.version,
            "to_status": RemainsStatus.identified.value,
            "case": case.reference,
        },
    )
