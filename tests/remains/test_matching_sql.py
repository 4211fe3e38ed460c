"""The SQL ranking and the pure scoring function agree: the same candidates, the same scores,
in the same order, both ways, on a varied set of pairs (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.access import Access
from casework.cases.models import Case
from casework.remains import matching
from casework.remains.models import Remains
from tests.remains.candidate_data import (
    CASE_VARIANTS,
    REMAINS_VARIANTS,
    TRUE_CASE,
    TRUE_REMAINS,
    actor,
    add_case,
    add_remains,
    decoys,
    excluded_cases,
    excluded_remains,
)


@pytest.fixture
def varied(database, make_user):
    """A focal point's cases and a forensic officer's remains of one organisation: the true
    pair, 30 decoys each way and the pairs a hard rule excludes."""
    focal, forensic = make_user("focal_point"), make_user("forensic")
    with database.session() as s:
        cases = [
            add_case(s, actor(s, focal), fields).id
            for fields in [TRUE_CASE, *decoys(CASE_VARIANTS, 30, 1), *excluded_cases()]
        ]
        remains = [
            add_remains(s, actor(s, forensic), fields).id
            for fields in [TRUE_REMAINS, *decoys(REMAINS_VARIANTS, 30, 2), *excluded_remains()]
        ]
        who = actor(s, forensic)
    return who, cases, remains


def _expected(session, anchor_tokens, pairs):
    """Python's ranking: (id, score) of every pair that is a candidate, best first."""
    found = []
    for record_id, case_facts, remains_facts in pairs:
        tokens = matching.description_tokens_of(session, record_id)
        match = matching.evaluate(case_facts, remains_facts, len(anchor_tokens & tokens))
        if match.band is not None:
            found.append((record_id, match.score))
    return sorted(found, key=lambda item: -item[1])


def _assert_agree(ranked: matching.Ranked, expected: list[tuple]) -> None:
    assert ranked.total == len(expected)
    got = dict(ranked.scores)
    want = dict(expected)
    assert set(got) == set(want)
    for record_id, score in want.items():
        assert got[record_id] == pytest.approx(score, abs=1e-9)
    scores = [score for _, score in ranked.scores]
    assert all(a >= b - 1e-9 for a, b in zip(scores, scores[1:], strict=False))


def test_ranking_remains_for_cases_agrees_with_the_pure_function(database, varied):
    who, case_ids, _ = varied
    with database.session() as s:
        access = Access(s, who, "identification")
        all_remains = list(s.scalars(select(Remains)))
        compared = 0
        for case_id in case_ids[:12]:
            case = s.get(Case, case_id)
            anchor = matching.CaseFacts.of(case)
            tokens = matching.description_tokens_of(s, case.id)
            expected = _expected(
                s, tokens, [(r.id, anchor, matching.RemainsFacts.of(r)) for r in all_remains]
            )
            ranked = matching.rank_remains(access, case, 1, 100)
            _assert_agree(ranked, expected)
            compared += len(expected)
        # The set is varied enough: many pairs are candidates, many are not.
        assert compared > 60
        assert compared < 12 * len(all_remains) * 0.9


def test_ranking_cases_for_remains_agrees_with_the_pure_function(database, varied):
    who, _, remains_ids = varied
    with database.session() as s:
        access = Access(s, who, "identification")
        all_cases = list(s.scalars(select(Case)))
        compared = 0
        for remains_id in remains_ids[:12]:
            remains = s.get(Remains, remains_id)
            anchor = matching.RemainsFacts.of(remains)
            tokens = matching.description_tokens_of(s, remains.id)
            expected = _expected(
                s, tokens, [(c.id, matching.CaseFacts.of(c), anchor) for c in all_cases]
            )
            ranked = matching.rank_cases(access, remains, 1, 100)
            _assert_agree(ranked, expected)
            compared += len(expected)
        assert compared > 60
        assert compared < 12 * len(all_cases) * 0.9


def test_pages_of_the_ranking_follow_each_other(database, varied):
    who, case_ids, _ = varied
    with database.session() as s:
        access = Access(s, who, "identification")
        case = s.get(Case, case_ids[0])
        whole = matching.rank_remains(access, case, 1, 100)
        pages = [matching.rank_remains(access, case, n, 7) for n in (1, 2, 3, 4, 5, 6)]
        assert all(p.total == whole.total for p in pages if p.scores)
        joined = [item for p in pages for item in p.scores]
        assert [i for i, _ in joined] == [i for i, _ in whole.scores][: len(joined)]
        beyond = matching.rank_remains(access, case, 50, 7)
        assert beyond.scores == [] and beyond.total == whole.total
