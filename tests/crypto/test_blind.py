"""Blind indexes: the size rule, token properties, name matching and the re-check."""

import math

import pytest

from casework.crypto import (
    MIN_BITS,
    BlindIndexer,
    choose_bits,
    expected_false_positives,
    recheck_name,
)

INDEX_KEY = bytes(range(32))


@pytest.fixture
def indexer() -> BlindIndexer:
    return BlindIndexer(INDEX_KEY, planned_rows=1_000_000)


def index_matches(indexer: BlindIndexer, query: str, record: str, field="cases.names") -> bool:
    record_tokens = indexer.name_tokens(field, record)
    parts = indexer.query_name_tokens(field, query)
    return bool(parts) and all(alternatives & record_tokens for alternatives in parts)


@pytest.mark.parametrize(("rows", "bits"), [(10_000, 12), (100_000, 15), (1_000_000, 18)])
def test_choose_bits_follows_the_rule(rows, bits):
    chosen = choose_bits(rows)
    assert chosen == bits
    per_value = rows / 2**chosen
    assert 2 <= per_value < math.sqrt(rows)
    # Largest such b: one more bit would break the lower bound.
    assert rows / 2 ** (chosen + 1) < 2
    assert expected_false_positives(chosen, rows) == pytest.approx(per_value)


def test_choose_bits_over_a_range_of_sizes():
    for rows in [512, 1000, 5000, 65_536, 10**7, 10**9]:
        b = choose_bits(rows)
        assert 2 <= rows / 2**b < math.sqrt(rows)
        assert rows / 2 ** (b + 1) < 2


def test_choose_bits_tiny_and_invalid():
    assert choose_bits(10) == MIN_BITS
    assert choose_bits(1) == MIN_BITS
    for bad in (0, -5, True, 1.5):
        with pytest.raises(ValueError):
            choose_bits(bad)  # type: ignore[arg-type]


def test_tokens_are_deterministic_in_range_and_per_field(indexer):
    a = indexer.token("cases.family_names", "gonzalez")
    assert a == indexer.token("cases.family_names", "gonzalez")
    assert a == BlindIndexer(INDEX_KEY).token("cases.family_names", "gonzalez")
    assert 0 <= a < 2 ** indexer.bits_for("cases.family_names") <= 2**63
    fields = ["cases.given_names", "relatives.names", "contacts.email", "samples.sample_id"]
    others = {indexer.token(f, "gonzalez") for f in fields}
    assert a not in others and len(others) == 4
    assert indexer.token("cases.family_names", "gonzales") != a


def test_tokens_depend_on_the_index_key():
    one = BlindIndexer(INDEX_KEY).token("f", "maria")
    two = BlindIndexer(bytes(32)).token("f", "maria")
    assert one != two


def test_token_width_follows_planned_rows():
    small = BlindIndexer(INDEX_KEY, planned_rows=10_000, planned_rows_by_field={"names": 100_000})
    assert small.bits_for("email") == 12 and small.bits_for("names") == 15
    values = [f"value-{i}" for i in range(2_000)]
    assert all(small.token("email", v) < 2**12 for v in values)
    # Truncation makes distinct values share tokens: roughly 2000 values in 4096 buckets.
    assert len({small.token("email", v) for v in values}) < 2_000


def test_value_token_normalises_by_kind(indexer):
    assert indexer.value_token("phone", "+503 7123 4567", "phone") == indexer.value_token(
        "phone", "7123-4567", "phone", region_hint="SV"
    )
    assert indexer.value_token("email", " A@B.org ", "email") == indexer.token("email", "a@b.org")
    assert indexer.value_token("sid", "ab-12", "sample_id") == indexer.token("sid", "AB12")
    assert indexer.value_token("place", "San  Salvador", "text") == indexer.value_token(
        "place", "san salvador", "text"
    )
    with pytest.raises(ValueError):
        indexer.value_token("phone", "12", "phone")
    with pytest.raises(ValueError):
        indexer.value_token("sid", " - ", "sample_id")
    with pytest.raises(ValueError):
        indexer.value_token("x", "v", "unknown")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "record"),
    [
        ("Gonzalez", "María González"),
        ("González", "Maria Gonzalez"),
        ("Mohamed", "Muhammad Ali"),
        ("Muhammad", "Mohammed"),
        ("Mohammed Ali", "Ali Mohamed Hassan"),
        ("محمد", "Mohamed"),
        ("Mohamed", "محمد علي"),
        ("Юсуф", "Yusuf"),
        ("Youssef", "Юсуф Ахмед"),
        ("mhmd", "محمد"),  # a Latin query equal to the transliteration matches exactly
        ("Ahmed", "أحمد"),
    ],
)
def test_name_variants_find_each_other(indexer, query, record):
    assert index_matches(indexer, query, record)
    assert recheck_name(query, record)


def test_name_tokens_share_skeleton_tokens_not_spellings(indexer):
    mohamed = indexer.name_tokens("names", "Mohamed")
    muhammad = indexer.name_tokens("names", "Muhammad")
    arabic = indexer.name_tokens("names", "محمد")
    # Different spellings: no shared spelling token, but shared skeleton/fuzzy tokens.
    assert indexer.token("names", "x:mohamed") in mohamed
    assert indexer.token("names", "x:mohamed") not in muhammad
    assert mohamed & muhammad and mohamed & arabic
    # A name is indexed under each part's forms, not one token per part.
    assert len(mohamed) > 3


def test_exact_and_phonetic_spaces_are_separate(indexer):
    # "hsn" as an exact spelling must not meet the skeleton HSN of "Hassan" by tagging.
    assert indexer.token("names", "x:hsn") != indexer.token("names", "p:HSN")
    tokens = indexer.query_name_tokens("names", "hsn")
    assert len(tokens) == 1 and indexer.token("names", "x:hsn") in tokens[0]


@pytest.mark.parametrize(
    ("query", "record"),
    [
        ("Fatima Hassan", "Ahmed Gonzalez"),
        ("Ahmed", "Mohamed"),
        ("Mohamed Gonzalez", "Mohamed Hassan"),  # every query part must match
        ("Yusuf", "Hamid"),
        ("Ahmed", "Hamid"),  # one skeleton edit apart, but they start differently
        ("", "Ahmed"),
    ],
)
def test_unrelated_names_fail_the_recheck(query, record):
    assert not recheck_name(query, record)


def test_unrelated_names_rarely_share_index_tokens(indexer):
    assert not index_matches(indexer, "Fatima Hassan", "Ahmed Gonzalez")
    assert not index_matches(indexer, "", "Ahmed Gonzalez")


def test_recheck_agrees_with_the_index_on_true_matches(indexer):
    # Whatever the recheck accepts, the index must already have found (no false negatives).
    names = [
        *("Mohamed Ali", "Muhammad Hassan", "محمد حسن", "Yusuf Ahmed", "Юсуф Ахмед"),
        *("Fatima González", "Fatimah Gonzales", "Omar Ibrahim", "عمر إبراهيم"),
    ]
    for query in names:
        for record in names:
            if recheck_name(query, record):
                assert index_matches(indexer, query, record), (query, record)


def test_empty_query_has_no_parts(indexer):
    assert indexer.query_name_tokens("names", "  - ") == []
    assert indexer.name_tokens("names", "") == set()


def test_indexer_rejects_bad_keys_and_hides_key_in_repr():
    with pytest.raises(ValueError):
        BlindIndexer(b"short")
    assert INDEX_KEY.hex() not in repr(BlindIndexer(INDEX_KEY))


def test_name_matcher_agrees_with_recheck_name():
    from casework.crypto import name_matcher, recheck_name

    names = ["José González", "Muhammad Ali", "محمد حسن", "Юсуф Петров", "Fatima Ruiz", ""]
    for query in ("Gonzalez", "Mohamed", "Yusuf Petrov", "Fatima Gonzalez", "", "Ali"):
        matches = name_matcher(query)
        for candidate in names:
            assert matches(candidate) == recheck_name(query, candidate), (query, candidate)
