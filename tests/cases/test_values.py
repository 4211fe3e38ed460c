"""Pure value rules: approximate dates, country codes, BCP 47 tags, age bands, duplicates."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.cases import duplicates, values
from casework.cases.models import AgeBand, DatePrecision

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "precision", "start", "end"),
    [
        ("1990", DatePrecision.year, dt.date(1990, 1, 1), dt.date(1990, 12, 31)),
        ("2024-02", DatePrecision.month, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2023-12", DatePrecision.month, dt.date(2023, 12, 1), dt.date(2023, 12, 31)),
        ("2025-06-14", DatePrecision.day, dt.date(2025, 6, 14), dt.date(2025, 6, 14)),
    ],
)
def test_approximate_dates_keep_their_precision(text, precision, start, end):
    value = values.parse_approx_date(text, TODAY)
    assert (value.precision, value.start, value.end, str(value)) == (precision, start, end, text)


@pytest.mark.parametrize(
    "text",
    ["2025-02-30", "2025-13", "2025-00", "2023-02-29", "1899", "25-01-01", "2025/01", "", "soon"],
)
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        values.parse_approx_date(text, TODAY)


@pytest.mark.parametrize("text", ["2027", "2026-12", "2026-11-28"])
def test_future_dates_are_refused(text):
    with pytest.raises(ValueError, match="future"):
        values.parse_approx_date(text, TODAY)


def test_this_year_and_month_are_not_future():
    assert values.parse_approx_date("2026", TODAY).year == 2026
    assert values.parse_approx_date("2026-11", TODAY).month == 11


def test_errors_never_quote_the_value():
    with pytest.raises(ValueError) as exc:
        values.parse_approx_date("1987-02-31", TODAY)
    assert "1987" not in str(exc.value)


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [("es", "es"), ("ES-sv", "es-SV"), ("sr-latn-rs", "sr-Latn-RS"), ("kek", "kek"),
     ("es-419", "es-419"), ("ti", "ti")],
)  # fmt: skip
def test_language_tags_are_canonicalised(tag, canonical):
    assert values.language_tag(tag) == canonical


@pytest.mark.parametrize("tag", ["xx", "english", "e", "es-ZZ", "sr-Xxxx", "es_SV", "", "12"])
def test_bad_language_tags_are_refused(tag):
    with pytest.raises(ValueError):
        values.language_tag(tag)


@pytest.mark.parametrize("code", ["ZZ", "S", "SLV", "1A", "", "  "])
def test_unknown_countries_are_refused(code):
    with pytest.raises(ValueError):
        values.country_code(code)


def test_country_codes_are_upper_cased():
    assert values.country_code(" sv ") == "SV"
    assert values.country_alpha3("SV") == "SLV"


def test_age_band_from_approximate_dates():
    birth = values.parse_approx_date("2008-07", TODAY)
    assert values.age_bands_possible(birth, values.parse_approx_date("2025-09-20", TODAY)) == [
        AgeBand.age_12_17
    ]
    # Born in 2007, seen in 2025: 17 or 18 years old.
    assert values.age_bands_possible(
        values.parse_approx_date("2007", TODAY), values.parse_approx_date("2025", TODAY)
    ) == [AgeBand.age_12_17, AgeBand.age_18_24]


def _facts(ref, names, **kw):
    return duplicates.CaseFacts(reference=ref, names=names, all_names=names, **kw)


def test_duplicate_scoring_needs_two_name_parts_and_no_contradiction():
    new = _facts("A", "Juan Carlos Pérez", nationality="SV", sex="male")
    same = _facts("B", "Juan Carlos Peres", nationality="SV", sex="male")
    first_name_only = _facts("C", "Juan Rodríguez", nationality="SV")
    other_country = _facts("D", "Juan Carlos Pérez", nationality="HN")
    other_sex = _facts("E", "Juan Carlos Pérez", sex="female")
    ranked = duplicates.rank(new, [same, first_name_only, other_country, other_sex])
    assert [m.reference for m in ranked] == ["B"]
    assert ranked[0].reasons == ["name", "nationality"]


def test_duplicate_dates_of_birth_must_be_compatible():
    dob = values.approx_date_or_none
    new = _facts("A", "Ana Gómez", date_of_birth=dob("1990-05"))
    near = _facts("B", "Ana Gomez", date_of_birth=dob("1990"))
    far = _facts("C", "Ana Gómez", date_of_birth=dob("1970"))
    ranked = duplicates.rank(new, [near, far])
    assert [m.reference for m in ranked] == ["B"]
    assert "date_of_birth" in ranked[0].reasons
