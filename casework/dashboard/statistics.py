"""Anonymised counts of an organisation's cases, and the small-cell suppression they get before
anyone sees them.

Every count is a SQL aggregate over the case columns kept in clear for statistics (status, sex,
age band, last-seen country, last-seen month and its precision, route countries) and over the
notification dates, scoped to the caller's organisation by the access gateway (`Access.owned`,
the restriction writes use: statistics are of one's own cases, never of cases shared by
others). Nothing is decrypted and no record is read: no personal value, reference or id leaves
this module, only buckets and counts.

Suppression (`suppress`): a count from 1 to `threshold - 1` is published as None. Within a
dimension that partitions the cases (status, month, country, sex, age band: every case falls
in exactly one bucket, "unknown" included), the total is known from any dimension published
whole, so one suppressed cell would be recovered by subtraction: more cells are suppressed,
smallest first, until at least two are and together they reach the threshold. Route countries
(a case counts once in each country of its route) and notifications due partition nothing that
is published, so only their small cells are suppressed. Zero is published as 0 (it names
nobody). No grand total is published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Select, String, and_, case, cast, distinct, func, literal, select
from sqlalchemy.orm import Session

from casework.access import Access
from casework.auth.policy import Actor
from casework.cases.models import AgeBand, Case, CaseStatus, DatePrecision, Sex
from casework.cases.resources import CASE
from casework.families.models import Notification
from casework.families.queries import DUE_DATE
from casework.families.resources import RELATIVE
from casework.keys import DataKey

#: The default smallest count published (CASEWORK_STATISTICS_MIN_CELL overrides it).
DEFAULT_MIN_CELL = 5
UNKNOWN = "unknown"
#: Notifications due: overdue, due today, due in the next seven days (after today).
OVERDUE, TODAY, NEXT_7_DAYS = "overdue", "today", "next_7_days"
DUE_BUCKETS = (OVERDUE, TODAY, NEXT_7_DAYS)
NEXT_DAYS = 7

#: The dimensions, in the order they are shown; `partition`: every case is in one bucket.
STATUS, MONTH, LAST_SEEN_COUNTRY, ROUTE_COUNTRY, SEX, AGE_BAND, NOTIFICATIONS_DUE = (
    "status",
    "month",
    "last_seen_country",
    "route_country",
    "sex",
    "age_band",
    "notifications_due",
)
DIMENSIONS = (STATUS, MONTH, LAST_SEEN_COUNTRY, ROUTE_COUNTRY, SEX, AGE_BAND, NOTIFICATIONS_DUE)
PARTITIONS = frozenset({STATUS, MONTH, LAST_SEEN_COUNTRY, SEX, AGE_BAND})


@dataclass(frozen=True)
class Statistics:
    """Per dimension, bucket → count (None: suppressed), buckets in display order."""

    threshold: int
    as_of: dt.date
    counts: dict[str, dict[str, int | None]] = field(default_factory=dict)

    def rows(self) -> Iterable[tuple[str, str, int | None]]:
        """(dimension, bucket, count) for every cell, in order (the CSV's rows)."""
        for dimension in DIMENSIONS:
            for bucket, count in self.counts.get(dimension, {}).items():
                yield dimension, bucket, count


# --- raw counts ---------------------------------------------------------------------------------


def _owned_cases(access: Access, *columns: Any) -> Select[Any]:
    return access.owned(select(*columns).select_from(Case), CASE)


def _grouped(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(stmt)]


def _by_column(access: Access, column: Any) -> dict[Any, int]:
    stmt = _owned_cases(access, column, func.count()).group_by(column)
    return {value: int(n) for value, n in _grouped(access.session, stmt)}


def _enum_counts(found: Mapping[Any, int], values: Iterable[Any]) -> dict[str, int]:
    """Every value of an enumeration (0 when absent), then "unknown" if any case has none."""
    result = {str(getattr(v, "value", v)): found.get(v, 0) for v in values}
    if found.get(None):
        result[UNKNOWN] = found[None]
    return result


def _month_counts(access: Access) -> dict[str, int]:
    """By month last seen: YYYY-MM; a year-only date under YYYY (its month is unknown); no date
    under "unknown". Chronological, "unknown" last."""
    stmt = _owned_cases(
        access, Case.last_seen_month, Case.last_seen_precision, func.count()
    ).group_by(Case.last_seen_month, Case.last_seen_precision)
    found: dict[str, int] = {}
    for month, precision, n in _grouped(access.session, stmt):
        if month is None:
            bucket = UNKNOWN
        elif precision == DatePrecision.year:
            bucket = f"{month.year:04d}"
        else:
            bucket = f"{month.year:04d}-{month.month:02d}"
        found[bucket] = found.get(bucket, 0) + int(n)
    known = sorted(b for b in found if b != UNKNOWN)
    ordered = {b: found[b] for b in known}
    if UNKNOWN in found:
        ordered[UNKNOWN] = found[UNKNOWN]
    return ordered


def _country_counts(access: Access) -> dict[str, int]:
    found = _by_column(access, Case.last_seen_country)
    ordered = {code: found[code] for code in sorted(c for c in found if c is not None)}
    if found.get(None):
        ordered[UNKNOWN] = found[None]
    return ordered


def _route_elements(session: Session) -> Any:
    """A table-valued function of the countries of a case's route (one row per element), for
    this database: PostgreSQL's json_array_elements_text, SQLite's json_each."""
    route = Case.route_countries
    if session.get_bind().dialect.name == "postgresql":
        # A route that is not an array (a JSON null) gives no rows instead of an error.
        as_array = case(
            (func.json_typeof(route) == "array", route), else_=cast(literal("[]"), JSON)
        )
        return func.json_array_elements_text(as_array).table_valued("value").render_derived()
    as_array = case((func.json_type(route) == "array", route), else_=literal("[]"))
    return func.json_each(as_array).table_valued("value")


def _route_counts(access: Access) -> dict[str, int]:
    """By route country: a case counts once in each country of its route."""
    element = _route_elements(access.session)
    country = cast(element.c.value, String)
    stmt = access.owned(
        select(country, func.count(distinct(Case.id)))
        .select_from(Case)
        .join(element, literal(True))
        .group_by(country),
        CASE,
    )
    found = {code: int(n) for code, n in _grouped(access.session, stmt) if code}
    return {code: found[code] for code in sorted(found)}


def _due_counts(access: Access, today: dt.date) -> dict[str, int]:
    """Notifications due as the worklist counts them (still to be given: its planned date; else
    an open follow-up's date), relatives who were erased left out."""
    soon = today + dt.timedelta(days=NEXT_DAYS)
    due = DUE_DATE
    bucket = case(
        (due < today, literal(OVERDUE)),
        (due == today, literal(TODAY)),
        else_=literal(NEXT_7_DAYS),
    )
    stmt = access.owned(
        select(bucket, func.count())
        .select_from(Notification)
        .join(Case, Notification.case_id == Case.id)
        .join(DataKey, Notification.data_key_id == DataKey.id)
        .where(and_(DataKey.wrapped_key.is_not(None), due <= soon))
        .group_by(bucket),
        RELATIVE,
    )
    found = {name: int(n) for name, n in _grouped(access.session, stmt)}
    return {name: found.get(name, 0) for name in DUE_BUCKETS}


def raw_counts(session: Session, actor: Actor, today: dt.date) -> dict[str, dict[str, int]]:
    """Every dimension's exact counts for the actor's organisation (never shown as they are:
    `statistics` suppresses them first)."""
    access = Access(session, actor, purpose="statistics")
    return {
        STATUS: _enum_counts(_by_column(access, Case.status), CaseStatus),
        MONTH: _month_counts(access),
        LAST_SEEN_COUNTRY: _country_counts(access),
        ROUTE_COUNTRY: _route_counts(access),
        SEX: _enum_counts(_by_column(access, Case.sex), Sex),
        AGE_BAND: _enum_counts(_by_column(access, Case.age_band), AgeBand),
        NOTIFICATIONS_DUE: _due_counts(access, today),
    }


# --- suppression --------------------------------------------------------------------------------


def suppress(
    counts: Mapping[str, int], threshold: int, *, partition: bool
) -> dict[str, int | None]:
    """The counts with small cells (1 to threshold - 1) as None; in a partition, also enough of
    the smallest other cells that no suppressed cell follows from the total by subtraction (at
    least two suppressed, together at least the threshold)."""
    hidden = {b for b, n in counts.items() if 0 < n < threshold}
    if partition and hidden:
        others = sorted(
            (n, position, b)
            for position, (b, n) in enumerate(counts.items())
            if n > 0 and b not in hidden
        )
        for _, _, bucket in others:
            if len(hidden) >= 2 and sum(counts[b] for b in hidden) >= threshold:
                break
            hidden.add(bucket)
    return {b: (None if b in hidden else n) for b, n in counts.items()}


def statistics(session: Session, actor: Actor, threshold: int, today: dt.date) -> Statistics:
    """The actor's organisation's anonymised counts, small cells suppressed."""
    raw = raw_counts(session, actor, today)
    return Statistics(
        threshold=threshold,
        as_of=today,
        counts={
            name: suppress(raw[name], threshold, partition=name in PARTITIONS)
            for name in DIMENSIONS
        },
    )
