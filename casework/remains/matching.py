"""Candidate matching between missing-person cases and unidentified remains, both ways.

The score is a weighted sum of six factors, each a fraction between 0 and 1 of its weight:

- `sex`: the same known sex → 1; either side unknown or other → ½; a known sex that differs
  (female against male) is a hard exclusion;
- `age`: the case's age band at disappearance ("25-34"; "60+" → 60–100) against the remains'
  estimated age range: the overlap as a share of the narrower range (inclusive whole years);
- `stature`: the same, with the case's and the remains' stature ranges in centimetres;
- `date`: remains found before the person was last seen (month precision; a year-only found
  date is taken at its latest month) are a hard exclusion; otherwise 1 − months between the
  last-seen month and the found month / DATE_HORIZON_MONTHS, never below 0;
- `geography`: found in the last-seen country → 1; in a country of the route → ½;
- `terms`: descriptive terms shared by the case's marks and clothing and the remains' marks and
  effects, counted blind (their blind-index tokens), min(1, shared / TERMS_SATURATION).

Missing data on either side gives a factor 0: it neither helps nor excludes. A candidate is
`likely` from LIKELY, `possible` from POSSIBLE; below that it is not returned.

The score is written twice and the two must agree (tests/remains/test_matching_sql.py):

- once as a pure function over plain values (`evaluate`), which explains a score factor by
  factor (the page of results, the comparison page);
- once as a SQL expression over the candidates' clear columns (`_remains_ranking`,
  `_case_ranking`; the terms joined from the blind index in `_rank`), so that the database
  filters the hard exclusions, ranks and cuts the page: only the page's rows are loaded, and
  only the page is decrypted (when a page shows a personal field).

Candidates are what the actor may see through the access gateway (purpose `identification`):
remains still unidentified; cases that are not closed or located alive.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from casework.access import Access, Shown
from casework.cases.models import AgeBand, Case, CaseStatus, DatePrecision, Sex
from casework.cases.queries import visible_case_or_404
from casework.cases.resources import CASE
from casework.keys import DESCRIPTION_TERMS, BlindIndexEntry
from casework.remains.models import Remains, RemainsStatus
from casework.remains.queries import remains_or_404
from casework.remains.resources import REMAINS

#: The weight of each factor (they sum to 1). Why these:
#: - terms 0.25: marks, clothing and effects shared by name are the most specific evidence the
#:   records hold (a rose tattoo, a pink backpack); saturated at three shared terms;
#: - age 0.20: age ranges are narrow and estimated well from remains, so overlap discriminates;
#: - stature, date, geography 0.15 each: useful but coarse (stature estimates are wide, people
#:   are found months after they were last seen, and routes cross a few countries);
#: - sex 0.10: it halves the pool at best, and a differing sex already excludes outright.
WEIGHTS: dict[str, float] = {
    "sex": 0.10,
    "age": 0.20,
    "stature": 0.15,
    "date": 0.15,
    "geography": 0.15,
    "terms": 0.25,
}
FACTORS = tuple(WEIGHTS)
assert abs(sum(WEIGHTS.values()) - 1.0) < 1e-9, "the weights must sum to 1"
assert FACTORS[-1] == "terms", "the SQL ranking adds the terms last"

#: Bands: `likely` from this score, `possible` from the next; below, not a candidate.
LIKELY = 0.70
POSSIBLE = 0.35
#: Scores within this of a threshold count as reaching it: the database and Python add the same
#: floating-point numbers in different orders.
EPSILON = 1e-9
#: Months after the last sighting beyond which the date no longer adds anything.
DATE_HORIZON_MONTHS = 36
#: Shared description terms at which the terms factor is full.
TERMS_SATURATION = 3
#: Oldest age the open band "60+" is taken to reach.
OLDEST_AGE = 100

#: A case's age band at disappearance as an inclusive range of years.
AGE_BAND_RANGES: dict[AgeBand, tuple[int, int]] = {
    AgeBand.age_0_4: (0, 4),
    AgeBand.age_5_11: (5, 11),
    AgeBand.age_12_17: (12, 17),
    AgeBand.age_18_24: (18, 24),
    AgeBand.age_25_34: (25, 34),
    AgeBand.age_35_44: (35, 44),
    AgeBand.age_45_59: (45, 59),
    AgeBand.age_60_plus: (60, OLDEST_AGE),
}
_KNOWN_SEXES = (Sex.female, Sex.male)
#: Cases that are not missing any more are not candidates.
_SETTLED_CASES = (CaseStatus.closed, CaseStatus.located_alive)
#: Why a pair is excluded outright.
EXCLUDED_SEX = "sex"
EXCLUDED_DATE = "date"


# --- plain values -------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What matching knows of a case: clear, non-identifying columns only."""

    sex: Sex = Sex.unknown
    age_band: AgeBand | None = None
    stature_min_cm: int | None = None
    stature_max_cm: int | None = None
    last_seen_month: dt.date | None = None
    last_seen_country: str | None = None
    route_countries: tuple[str, ...] = ()

    @classmethod
    def of(cls, record: Case) -> CaseFacts:
        return cls(
            sex=Sex(record.sex),
            age_band=AgeBand(record.age_band) if record.age_band else None,
            stature_min_cm=record.stature_min_cm,
            stature_max_cm=record.stature_max_cm,
            last_seen_month=record.last_seen_month,
            last_seen_country=record.last_seen_country,
            route_countries=tuple(record.route_countries or ()),
        )

    @property
    def age_range(self) -> tuple[int, int] | None:
        return AGE_BAND_RANGES[self.age_band] if self.age_band else None


@dataclass(frozen=True)
class RemainsFacts:
    """What matching knows of remains: clear, non-identifying columns only."""

    sex: Sex = Sex.unknown
    age_min: int | None = None
    age_max: int | None = None
    stature_min_cm: int | None = None
    stature_max_cm: int | None = None
    found_month: dt.date | None = None
    found_precision: DatePrecision | None = None
    found_country: str | None = None

    @classmethod
    def of(cls, record: Remains) -> RemainsFacts:
        return cls(
            sex=Sex(record.sex),
            age_min=record.age_min,
            age_max=record.age_max,
            stature_min_cm=record.stature_min_cm,
            stature_max_cm=record.stature_max_cm,
            found_month=record.found_month,
            found_precision=DatePrecision(record.found_precision)
            if record.found_precision
            else None,
            found_country=record.found_country,
        )

    @property
    def latest_found_month(self) -> dt.date | None:
        """The latest month the found date can mean (December of a year-only date)."""
        if self.found_month is None:
            return None
        if self.found_precision == DatePrecision.year:
            return dt.date(self.found_month.year, 12, 1)
        return self.found_month


@dataclass(frozen=True)
class Match:
    """One pair's evaluation: each factor's contribution (summing to `score`), the band, or the
    reason it is excluded outright."""

    factors: dict[str, float] = field(default_factory=dict)
    excluded: str | None = None

    @property
    def score(self) -> float:
        return sum(self.factors.values()) if self.excluded is None else 0.0

    @property
    def band(self) -> str | None:
        return band_of(self.score) if self.excluded is None else None


def band_of(score: float) -> str | None:
    if score >= LIKELY - EPSILON:
        return "likely"
    if score >= POSSIBLE - EPSILON:
        return "possible"
    return None


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def overlap_fraction(
    first: tuple[int | None, int | None], second: tuple[int | None, int | None]
) -> float:
    """How much two inclusive ranges overlap, as a share of the narrower one (0 when either is
    missing an end, or they are disjoint)."""
    (lo1, hi1), (lo2, hi2) = first, second
    if lo1 is None or hi1 is None or lo2 is None or hi2 is None:
        return 0.0
    overlap = min(hi1, hi2) - max(lo1, lo2) + 1
    narrower = min(hi1 - lo1 + 1, hi2 - lo2 + 1)
    return max(0, overlap) / max(1, narrower)


def sex_fraction(case_sex: Sex, remains_sex: Sex) -> float | None:
    """1 for the same known sex, ½ when either is unknown or other, None (excluded) when both
    are known and differ."""
    if case_sex in _KNOWN_SEXES and remains_sex in _KNOWN_SEXES:
        return 1.0 if case_sex == remains_sex else None
    return 0.5


def found_before_last_seen(case: CaseFacts, remains: RemainsFacts) -> bool:
    latest = remains.latest_found_month
    return bool(case.last_seen_month and latest and latest < case.last_seen_month)


def date_fraction(case: CaseFacts, remains: RemainsFacts) -> float:
    if case.last_seen_month is None or remains.found_month is None:
        return 0.0
    months = max(0, month_index(remains.found_month) - month_index(case.last_seen_month))
    return max(0.0, 1.0 - months / DATE_HORIZON_MONTHS)


def geography_fraction(case: CaseFacts, remains: RemainsFacts) -> float:
    found = remains.found_country
    if found is None:
        return 0.0
    if found == case.last_seen_country:
        return 1.0
    return 0.5 if found in case.route_countries else 0.0


def terms_fraction(shared_terms: int) -> float:
    return min(1.0, shared_terms / TERMS_SATURATION)


def evaluate(case: CaseFacts, remains: RemainsFacts, shared_terms: int = 0) -> Match:
    """The pure scoring rule: each factor's contribution, or why the pair is excluded."""
    sex = sex_fraction(case.sex, remains.sex)
    if sex is None:
        return Match(excluded=EXCLUDED_SEX)
    if found_before_last_seen(case, remains):
        return Match(excluded=EXCLUDED_DATE)
    fractions = {
        "sex": sex,
        "age": overlap_fraction(case.age_range or (None, None), (remains.age_min, remains.age_max)),
        "stature": overlap_fraction(
            (case.stature_min_cm, case.stature_max_cm),
            (remains.stature_min_cm, remains.stature_max_cm),
        ),
        "date": date_fraction(case, remains),
        "geography": geography_fraction(case, remains),
        "terms": terms_fraction(shared_terms),
    }
    return Match(factors={name: WEIGHTS[name] * fractions[name] for name in FACTORS})


# --- the same rule in SQL -----------------------------------------------------------------


class _Greatest(FunctionElement[Any]):
    """GREATEST(a, b, …): the scalar MAX(a, b, …) on SQLite. Arguments are never NULL here."""

    name = "greatest"
    inherit_cache = True


class _Least(FunctionElement[Any]):
    name = "least"
    inherit_cache = True


@compiles(_Greatest)
def _greatest_sql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(_Greatest, "sqlite")
def _greatest_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"MAX({compiler.process(element.clauses, **kw)})"


@compiles(_Least)
def _least_sql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(_Least, "sqlite")
def _least_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"MIN({compiler.process(element.clauses, **kw)})"


#: One instance of each type: SQLAlchemy computes a type's cache key once per instance, and
#: the ranking statement holds a hundred typed constants.
_FLOAT = Float()


def _num(value: float) -> Any:
    return literal(value, _FLOAT)


def _as_float(expr: Any) -> Any:
    return cast(expr, _FLOAT)


def _zero() -> Any:
    return _num(0.0)


class _DaysBetween(FunctionElement[Any]):
    """later − earlier in days, as a float: date subtraction on PostgreSQL, julianday on
    SQLite."""

    name = "days_between"
    inherit_cache = True


@compiles(_DaysBetween)
def _days_sql(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({later} - {earlier}) AS DOUBLE PRECISION)"


@compiles(_DaysBetween, "sqlite")
def _days_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


#: Days in an average month. Between first days of months (all the months matching compares),
#: days / this, rounded, is the exact number of months: the calendar strays at most 4 days
#: from the average (tests/remains/test_matching_rules.py checks two centuries).
MEAN_MONTH_DAYS = 30.436875


def _months_between_sql(later: Any, earlier: Any) -> Any:
    """Whole months from one first-of-month date to another (computed from their days, which
    is several times cheaper than extracting years and months from every row)."""
    return func.round(_DaysBetween(later, earlier) / _num(MEAN_MONTH_DAYS))


def _overlap_sql(known: tuple[int, int] | None, low: Any, high: Any) -> Any:
    """overlap_fraction of a known range against a range of columns (NULL ends → 0)."""
    if known is None or known[0] is None or known[1] is None:
        return _zero()
    lo, hi = known
    overlap = _Least(literal(hi), high) - _Greatest(literal(lo), low) + 1
    narrower = _Least(literal(hi - lo + 1), high - low + 1)
    share = _as_float(_Greatest(literal(0), overlap)) / _as_float(_Greatest(literal(1), narrower))
    return case((or_(low.is_(None), high.is_(None)), _zero()), else_=share)


#: Floating-point constants are bound as such: a bare Python number would make PostgreSQL
#: compute in `numeric`, several times slower.
_HORIZON = literal(float(DATE_HORIZON_MONTHS), _FLOAT)


def _band_overlap_sql(column: Any, known: tuple[int | None, int | None]) -> Any:
    """overlap_fraction of a known range against a case's age band column: one constant per
    band, computed by the pure function (so both agree to the last bit)."""
    if known[0] is None or known[1] is None:
        return _zero()
    fractions = {band: overlap_fraction(bounds, known) for band, bounds in AGE_BAND_RANGES.items()}
    # Only the bands that overlap at all: fewer comparisons per row.
    whens = [(column == band, _num(value)) for band, value in fractions.items() if value]
    return case(*whens, else_=_zero()) if whens else _zero()


def _sex_sql(known: Sex, column: Any) -> tuple[Any, list[ColumnElement[bool]]]:
    """The sex fraction against a column, and the exclusion as a condition."""
    if known not in _KNOWN_SEXES:
        return _num(0.5), []
    other = Sex.male if known == Sex.female else Sex.female
    fraction = case((column == known, _num(1.0)), else_=_num(0.5))
    return fraction, [column != other]


def _terms_sql(shared: Any) -> Any:
    return _Least(_num(1.0), _as_float(func.coalesce(shared, 0)) / _num(float(TERMS_SATURATION)))


@dataclass(frozen=True)
class _Ranking:
    """The score of every candidate but its terms, as SQL over the candidate's clear columns,
    and the conditions that exclude outright. `_with_terms` adds the terms last, as
    `Match.score` sums the factors (in the order of FACTORS)."""

    base: Any
    conditions: list[ColumnElement[bool]]

    @classmethod
    def of(cls, fractions: Mapping[str, Any], conditions: list[ColumnElement[bool]]) -> _Ranking:
        base = None
        for name in FACTORS[:-1]:
            term = fractions[name] * WEIGHTS[name]
            base = term if base is None else base + term
        return cls(base, conditions)


def _with_terms(base: Any, shared: Any) -> Any:
    return base + _terms_sql(shared) * WEIGHTS["terms"]


def _remains_ranking(anchor: CaseFacts) -> _Ranking:
    """Remains as candidates for a case (the case's values are bound parameters)."""
    sex, conditions = _sex_sql(anchor.sex, Remains.sex)
    date = _zero()
    seen = anchor.last_seen_month
    if seen is not None:
        conditions.append(
            or_(
                Remains.found_month.is_(None),
                Remains.found_month >= seen,
                # A year-only date may mean any month of that year.
                and_(
                    Remains.found_precision == DatePrecision.year,
                    Remains.found_month >= dt.date(seen.year, 1, 1),
                ),
            )
        )
        months = _Greatest(_zero(), _months_between_sql(Remains.found_month, literal(seen)))
        date = case(
            (Remains.found_month.is_(None), _zero()),
            else_=_Greatest(_zero(), _num(1.0) - _as_float(months) / _HORIZON),
        )
    places = []
    if anchor.last_seen_country:
        places.append((Remains.found_country == anchor.last_seen_country, _num(1.0)))
    if anchor.route_countries:
        places.append((Remains.found_country.in_(anchor.route_countries), _num(0.5)))
    geography = case(*places, else_=_zero()) if places else _zero()
    fractions = {
        "sex": sex,
        "age": _overlap_sql(anchor.age_range, Remains.age_min, Remains.age_max),
        "stature": _overlap_sql(
            (anchor.stature_min_cm, anchor.stature_max_cm),  # type: ignore[arg-type]
            Remains.stature_min_cm,
            Remains.stature_max_cm,
        ),
        "date": date,
        "geography": geography,
    }
    return _Ranking.of(fractions, conditions)


def _case_ranking(anchor: RemainsFacts) -> _Ranking:
    """Cases as candidates for remains (the remains' values are bound parameters)."""
    sex, conditions = _sex_sql(anchor.sex, Case.sex)
    date = _zero()
    found, latest = anchor.found_month, anchor.latest_found_month
    if found is not None and latest is not None:
        conditions.append(or_(Case.last_seen_month.is_(None), Case.last_seen_month <= latest))
        months = _Greatest(_zero(), _months_between_sql(literal(found), Case.last_seen_month))
        date = case(
            (Case.last_seen_month.is_(None), _zero()),
            else_=_Greatest(_zero(), _num(1.0) - _as_float(months) / _HORIZON),
        )
    geography = _zero()
    if anchor.found_country:
        # Country codes are two letters (validated): nothing to escape in the pattern.
        on_route = cast(Case.route_countries, String).like(f'%"{anchor.found_country}"%')
        geography = case(
            (Case.last_seen_country == anchor.found_country, _num(1.0)),
            (on_route, _num(0.5)),
            else_=_zero(),
        )
    fractions = {
        "sex": sex,
        "age": _band_overlap_sql(Case.age_band, (anchor.age_min, anchor.age_max)),
        "stature": _overlap_sql(
            (anchor.stature_min_cm, anchor.stature_max_cm),  # type: ignore[arg-type]
            Case.stature_min_cm,
            Case.stature_max_cm,
        ),
        "date": date,
        "geography": geography,
    }
    return _Ranking.of(fractions, conditions)


# --- description terms, counted blind -----------------------------------------------------


def description_tokens_of(session: Session, owner_id: uuid.UUID) -> set[int]:
    """The blind-index tokens of a record's description terms (as indexed when it was saved)."""
    # By owner only, the field checked here: with the field in the condition too, SQLite (no
    # statistics) walks the primary key's whole field range instead of the owner index.
    stmt = select(BlindIndexEntry.field, BlindIndexEntry.token).where(
        BlindIndexEntry.owner_id == owner_id
    )
    return {token for name, token in session.execute(stmt) if name == DESCRIPTION_TERMS}


def shared_term_counts(
    session: Session, tokens: set[int], owner_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """One grouped statement: per owner of `owner_ids`, the terms shared with `tokens`."""
    if not tokens or not owner_ids:
        return {}
    stmt = (
        select(BlindIndexEntry.owner_id, func.count())
        .where(
            BlindIndexEntry.field == DESCRIPTION_TERMS,
            BlindIndexEntry.token.in_(tokens),
            BlindIndexEntry.owner_id.in_(list(owner_ids)),
        )
        .group_by(BlindIndexEntry.owner_id)
    )
    return {owner: count for owner, count in session.execute(stmt)}


# --- ranking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """One page of candidate ids with the database's scores, best first, and the total."""

    scores: list[tuple[uuid.UUID, float]]
    total: int
    #: The anchor's description-term tokens the ranking counted shared terms with.
    tokens: frozenset[int] = frozenset()


def _rank(
    access: Access,
    model: Any,
    resource: Any,
    ranking: _Ranking,
    tokens: set[int],
    live: ColumnElement[bool],
    page: int,
    per_page: int,
) -> Ranked:
    # The candidates: what the actor may see and not excluded outright, with their score but
    # the terms, computed once: OFFSET 0 keeps PostgreSQL from copying the conditions on it
    # from the enclosing queries into this one (where it would compute it again for each).
    based = (
        access.scope(select(model.id.label("id"), ranking.base.label("base")), resource)
        .where(live, *ranking.conditions)
        .offset(0)
        .subquery("based")
    )
    # Those that can reach the threshold (with every term shared, if the anchor has terms).
    reach = POSSIBLE - (WEIGHTS["terms"] if tokens else 0.0) - EPSILON
    candidates = select(based).where(based.c.base >= reach).subquery("candidates")
    if tokens:
        # Shared terms: each candidate's index entries among the anchor's tokens, counted per
        # candidate. Joined to the candidates only: counting every owner of the anchor's tokens
        # would aggregate the whole posting lists of common terms ("left", "scar").
        scored = (
            select(
                candidates.c.id,
                _with_terms(candidates.c.base, func.count(BlindIndexEntry.token)).label("score"),
            )
            .select_from(candidates)
            .outerjoin(
                BlindIndexEntry,
                and_(
                    BlindIndexEntry.owner_id == candidates.c.id,
                    BlindIndexEntry.field == DESCRIPTION_TERMS,
                    BlindIndexEntry.token.in_(tokens),
                ),
            )
            .group_by(candidates.c.id, candidates.c.base)
            .offset(0)
            .subquery("scored")
        )
        score = scored.c.score
        key = scored.c.id
    else:
        # No terms to share: the score is the rest (plus a zero terms factor).
        score = candidates.c.base
        key = candidates.c.id
    stmt = (
        select(key.label("id"), score.label("score"), func.count().over().label("total"))
        .where(score >= POSSIBLE - EPSILON)
        .order_by(score.desc(), key)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = access.session.execute(stmt).all()
    if rows:
        total = rows[0].total
    elif page > 1:
        # Past the last page: count on its own (the window count came with no row).
        counted = select(func.count()).select_from(stmt.limit(None).offset(None).subquery())
        total = access.session.scalar(counted) or 0
    else:
        total = 0
    return Ranked([(row.id, float(row.score)) for row in rows], total, frozenset(tokens))


def rank_remains(access: Access, case_record: Case, page: int = 1, per_page: int = 25) -> Ranked:
    """Remains the actor may see that may be this case's person, best first (ids and scores)."""
    tokens = description_tokens_of(access.session, case_record.id)
    anchor = CaseFacts.of(case_record)
    return _rank(
        access,
        Remains,
        REMAINS,
        _remains_ranking(anchor),
        tokens,
        Remains.status == RemainsStatus.unidentified,
        page,
        per_page,
    )


def rank_cases(
    access: Access, remains_record: Remains, page: int = 1, per_page: int = 25
) -> Ranked:
    """Cases the actor may see whose person these remains may be, best first."""
    tokens = description_tokens_of(access.session, remains_record.id)
    anchor = RemainsFacts.of(remains_record)
    return _rank(
        access,
        Case,
        CASE,
        _case_ranking(anchor),
        tokens,
        Case.status.not_in(_SETTLED_CASES),
        page,
        per_page,
    )


# --- the services pages and the API call --------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A candidate as shown: the record (shaped to what the actor may see) and its match."""

    shown: Shown[Any]
    match: Match

    @property
    def score(self) -> float:
        return self.match.score

    @property
    def band(self) -> str | None:
        return self.match.band

    @property
    def factors(self) -> dict[str, float]:
        return self.match.factors


@dataclass(frozen=True)
class CandidatePage:
    anchor: Shown[Any]
    items: list[Candidate]
    total: int
    page: int
    per_page: int


def _in_order(session: Session, model: Any, ids: Sequence[uuid.UUID]) -> list[Any]:
    if not ids:
        return []
    rows = {r.id: r for r in session.scalars(select(model).where(model.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]


def _page(
    access: Access,
    anchor: Any,
    anchor_resource: Any,
    candidate_resource: Any,
    ranked: Ranked,
    pair: Any,
    page: int,
    per_page: int,
) -> CandidatePage:
    session = access.session
    shown_anchor = access.read(anchor_resource, anchor, view="candidates")
    ids = [candidate_id for candidate_id, _ in ranked.scores]
    records = _in_order(session, candidate_resource.model, ids)
    shared = shared_term_counts(session, set(ranked.tokens), ids)
    shown = access.read_page(candidate_resource, records, view="candidates", page=page)
    items = [Candidate(s, pair(s.record, shared.get(s.record.id, 0))) for s in shown]
    return CandidatePage(shown_anchor, items, ranked.total, page, per_page)


def candidates_for_case(
    access: Access, reference: str, page: int = 1, per_page: int = 25
) -> CandidatePage:
    """Remains that may be the person of the case `reference` (a case the actor may see, else
    404), best first: one audited read of the case and one of the page of remains."""
    case_record = visible_case_or_404(access, reference)
    facts = CaseFacts.of(case_record)
    ranked = rank_remains(access, case_record, page, per_page)
    return _page(
        access,
        case_record,
        CASE,
        REMAINS,
        ranked,
        lambda remains, shared: evaluate(facts, RemainsFacts.of(remains), shared),
        page,
        per_page,
    )


def candidates_for_remains(
    access: Access, remains_id: uuid.UUID | str, page: int = 1, per_page: int = 25
) -> CandidatePage:
    """Cases whose person these remains may be (remains the actor may see, else 404), best
    first: one audited read of the remains and one of the page of cases."""
    remains_record = remains_or_404(access, remains_id)
    facts = RemainsFacts.of(remains_record)
    ranked = rank_cases(access, remains_record, page, per_page)
    return _page(
        access,
        remains_record,
        REMAINS,
        CASE,
        ranked,
        lambda case_record, shared: evaluate(CaseFacts.of(case_record), facts, shared),
        page,
        per_page,
    )


@dataclass(frozen=True)
class Comparison:
    """A case and remains side by side, with their match (or why they are excluded)."""

    case: Shown[Any]
    remains: Shown[Any]
    match: Match
    shared_terms: int


def compare(access: Access, reference: str, remains_id: uuid.UUID | str) -> Comparison:
    """Both records (each one the actor may see, else 404; one audited read each) and how they
    match."""
    case_record = visible_case_or_404(access, reference)
    remains_record = remains_or_404(access, remains_id)
    session = access.session
    tokens = description_tokens_of(session, case_record.id)
    shared = shared_term_counts(session, tokens, [remains_record.id]).get(remains_record.id, 0)
    match = evaluate(CaseFacts.of(case_record), RemainsFacts.of(remains_record), shared)
    shown_case = access.read(CASE, case_record, view="compare", related=[str(remains_record.id)])
    shown_remains = access.read(
        REMAINS, remains_record, view="compare", related=[case_record.reference]
    )
    return Comparison(shown_case, shown_remains, match, shared)
