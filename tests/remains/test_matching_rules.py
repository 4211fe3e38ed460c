"""The scoring rule as a pure function, factor by factor: each input moves its factor the way
it should, missing data neither helps nor excludes, and the hard exclusions hold."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from casework.cases.models import AgeBand, DatePrecision, Sex
from casework.remains import matching
from casework.remains.matching import CaseFacts, RemainsFacts, evaluate

CASE = CaseFacts(
    sex=Sex.female,
    age_band=AgeBand.age_12_17,
    stature_min_cm=150,
    stature_max_cm=160,
    last_seen_month=dt.date(2023, 9, 1),
    last_seen_country="US",
    route_countries=("GT", "MX", "US"),
)
REMAINS = RemainsFacts(
    sex=Sex.female,
    age_min=13,
    age_max=17,
    stature_min_cm=148,
    stature_max_cm=158,
    found_month=dt.date(2023, 11, 1),
    found_precision=DatePrecision.month,
    found_country="US",
)


def _case(**changes) -> CaseFacts:
    return dataclasses.replace(CASE, **changes)


def _remains(**changes) -> RemainsFacts:
    return dataclasses.replace(REMAINS, **changes)


def test_weights_sum_to_one_and_bands_are_ordered():
    assert sum(matching.WEIGHTS.values()) == pytest.approx(1.0)
    assert set(matching.WEIGHTS) == {"sex", "age", "stature", "date", "geography", "terms"}
    assert 0 < matching.POSSIBLE < matching.LIKELY <= 1


def test_contributions_sum_to_the_score_and_each_stays_within_its_weight():
    match = evaluate(CASE, REMAINS, 2)
    assert set(match.factors) == set(matching.WEIGHTS)
    assert match.score == sum(match.factors.values())
    for name, value in match.factors.items():
        assert 0 <= value <= matching.WEIGHTS[name]


def test_the_perfect_pair_scores_one():
    remains = _remains(age_min=12, age_max=17, stature_min_cm=150, stature_max_cm=160)
    remains = dataclasses.replace(remains, found_month=dt.date(2023, 9, 1))
    match = evaluate(CASE, remains, 3)
    assert match.score == pytest.approx(1.0)
    assert match.band == "likely"


# --- sex ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case_sex", "remains_sex", "fraction"),
    [
        (Sex.female, Sex.female, 1.0),
        (Sex.male, Sex.male, 1.0),
        (Sex.female, Sex.unknown, 0.5),
        (Sex.unknown, Sex.male, 0.5),
        (Sex.other, Sex.female, 0.5),
        (Sex.unknown, Sex.unknown, 0.5),
        (Sex.other, Sex.other, 0.5),
    ],
)
def test_sex_factor(case_sex, remains_sex, fraction):
    match = evaluate(_case(sex=case_sex), _remains(sex=remains_sex))
    assert match.excluded is None
    assert match.factors["sex"] == pytest.approx(matching.WEIGHTS["sex"] * fraction)


@pytest.mark.parametrize(
    ("case_sex", "remains_sex"), [(Sex.female, Sex.male), (Sex.male, Sex.female)]
)
def test_a_differing_known_sex_excludes(case_sex, remains_sex):
    match = evaluate(_case(sex=case_sex), _remains(sex=remains_sex), 3)
    assert match.excluded == matching.EXCLUDED_SEX
    assert match.band is None and match.score == 0


# --- age ---------------------------------------------------------------------------------


def test_age_overlap_is_a_share_of_the_narrower_range():
    weight = matching.WEIGHTS["age"]
    # 12-17 against 13-17: the narrower range (5 years) lies inside the band.
    assert evaluate(CASE, REMAINS).factors["age"] == pytest.approx(weight)
    # against 16-25: 16 and 17 overlap, of the band's 6 years.
    assert evaluate(CASE, _remains(age_min=16, age_max=25)).factors["age"] == pytest.approx(
        weight * 2 / 6
    )
    # disjoint
    assert evaluate(CASE, _remains(age_min=20, age_max=30)).factors["age"] == 0


def test_age_moves_with_the_overlap():
    scores = [
        evaluate(CASE, _remains(age_min=low, age_max=low + 6)).factors["age"]
        for low in (12, 14, 16, 18)
    ]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1] == 0


def test_the_open_band_reaches_old_age():
    case = _case(age_band=AgeBand.age_60_plus)
    assert evaluate(case, _remains(age_min=70, age_max=80)).factors["age"] == pytest.approx(
        matching.WEIGHTS["age"]
    )
    assert matching.AGE_BAND_RANGES[AgeBand.age_60_plus] == (60, 100)


@pytest.mark.parametrize(
    ("case", "remains"),
    [
        (_case(age_band=None), REMAINS),
        (CASE, _remains(age_min=None)),
        (CASE, _remains(age_max=None)),
        (CASE, _remains(age_min=None, age_max=None)),
    ],
)
def test_missing_age_contributes_nothing_and_excludes_nothing(case, remains):
    match = evaluate(case, remains)
    assert match.excluded is None and match.factors["age"] == 0


# --- stature -----------------------------------------------------------------------------


def test_stature_overlap():
    weight = matching.WEIGHTS["stature"]
    # 150-160 against 148-158: 150..158 (9 cm) of 11.
    assert evaluate(CASE, REMAINS).factors["stature"] == pytest.approx(weight * 9 / 11)
    assert evaluate(CASE, _remains(stature_min_cm=152, stature_max_cm=156)).factors[
        "stature"
    ] == pytest.approx(weight)
    assert evaluate(CASE, _remains(stature_min_cm=165, stature_max_cm=180)).factors["stature"] == 0
    assert evaluate(_case(stature_min_cm=None), REMAINS).factors["stature"] == 0
    assert evaluate(CASE, _remains(stature_max_cm=None)).factors["stature"] == 0


def test_an_exact_stature_is_a_range_of_one_centimetre():
    assert evaluate(_case(stature_min_cm=155, stature_max_cm=155), REMAINS).factors[
        "stature"
    ] == pytest.approx(matching.WEIGHTS["stature"])


# --- date --------------------------------------------------------------------------------


def test_nearer_found_dates_score_higher():
    months = [0, 2, 12, 24, 35, 36, 60]
    values = []
    for n in months:
        found = dt.date(2023 + (8 + n) // 12, (8 + n) % 12 + 1, 1)
        values.append(evaluate(CASE, _remains(found_month=found)).factors["date"])
    weight = matching.WEIGHTS["date"]
    assert values[0] == pytest.approx(weight)
    assert values[1] == pytest.approx(weight * (1 - 2 / 36))
    assert values == sorted(values, reverse=True)
    assert values[-2] == values[-1] == 0


def test_found_before_last_seen_excludes():
    match = evaluate(CASE, _remains(found_month=dt.date(2023, 8, 1)), 3)
    assert match.excluded == matching.EXCLUDED_DATE


def test_the_same_month_is_not_before():
    match = evaluate(CASE, _remains(found_month=dt.date(2023, 9, 1)))
    assert match.excluded is None
    assert match.factors["date"] == pytest.approx(matching.WEIGHTS["date"])


def test_a_year_only_found_date_may_be_any_month_of_its_year():
    same_year = _remains(found_month=dt.date(2023, 1, 1), found_precision=DatePrecision.year)
    assert evaluate(CASE, same_year).excluded is None
    earlier = _remains(found_month=dt.date(2022, 1, 1), found_precision=DatePrecision.year)
    assert evaluate(CASE, earlier).excluded == matching.EXCLUDED_DATE
    # A year-only last-seen date starts in January: remains found in March are after it.
    case = _case(last_seen_month=dt.date(2023, 1, 1))
    assert evaluate(case, _remains(found_month=dt.date(2023, 3, 1))).excluded is None


@pytest.mark.parametrize(
    ("case", "remains"),
    [(_case(last_seen_month=None), REMAINS), (CASE, _remains(found_month=None))],
)
def test_missing_dates_contribute_nothing_and_exclude_nothing(case, remains):
    match = evaluate(case, remains)
    assert match.excluded is None and match.factors["date"] == 0


# --- geography ---------------------------------------------------------------------------


def test_geography():
    weight = matching.WEIGHTS["geography"]
    assert evaluate(CASE, REMAINS).factors["geography"] == pytest.approx(weight)
    assert evaluate(CASE, _remains(found_country="MX")).factors["geography"] == pytest.approx(
        weight / 2
    )
    assert evaluate(CASE, _remains(found_country="ES")).factors["geography"] == 0
    assert evaluate(CASE, _remains(found_country=None)).factors["geography"] == 0
    assert (
        evaluate(_case(last_seen_country=None, route_countries=()), REMAINS).factors["geography"]
        == 0
    )


# --- terms -------------------------------------------------------------------------------


def test_shared_terms_saturate_at_three():
    weight = matching.WEIGHTS["terms"]
    values = [evaluate(CASE, REMAINS, n).factors["terms"] for n in range(6)]
    assert values[0] == 0
    assert values[1] == pytest.approx(weight / 3)
    assert values[2] == pytest.approx(weight * 2 / 3)
    assert values[3] == values[4] == values[5] == pytest.approx(weight)


# --- bands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [(1.0, "likely"), (0.7, "likely"), (0.69, "possible"), (0.35, "possible"), (0.34, None)],
)
def test_bands(score, band):
    assert matching.band_of(score) == band


def test_each_change_toward_the_truth_raises_the_score():
    """From a poor pair, bringing one input at a time closer raises the score every time."""
    remains = RemainsFacts(
        sex=Sex.unknown,
        age_min=30,
        age_max=40,
        stature_min_cm=170,
        stature_max_cm=180,
        found_month=dt.date(2026, 11, 1),
        found_precision=DatePrecision.month,
        found_country="ES",
    )
    steps = [
        {"sex": Sex.female},
        {"age_min": 13, "age_max": 17},
        {"stature_min_cm": 150, "stature_max_cm": 158},
        {"found_month": dt.date(2024, 3, 1)},
        {"found_country": "MX"},
        {"found_country": "US"},
    ]
    previous = evaluate(CASE, remains).score
    for change in steps:
        remains = dataclasses.replace(remains, **change)
        now = evaluate(CASE, remains).score
        assert now > previous, change
        previous = now
    assert evaluate(CASE, remains, 1).score > previous


def test_months_from_days_between_first_days_of_months_are_exact():
    """The SQL ranking counts months as days / MEAN_MONTH_DAYS, rounded (cheaper than taking
    years and months apart on every row): exact between first days of months, for two
    centuries of gaps up to a hundred years."""
    months = [dt.date(y, m, 1) for y in range(1900, 2101) for m in range(1, 13)]
    for start in range(0, len(months), 5):
        for end in range(start, min(len(months), start + 1200)):
            days = (months[end] - months[start]).days
            assert round(days / matching.MEAN_MONTH_DAYS) == end - start
