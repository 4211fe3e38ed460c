"""The demo loader registers realistic cases in every status for both focal-point offices."""

from __future__ import annotations

from sqlalchemy import select

from casework import demo
from casework.cases.models import Case, CaseStatus


def test_demo_cases(database, settings):
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        cases = list(s.scalars(select(Case)))
        assert {c.status for c in cases} == set(CaseStatus)
        assert {c.nationality for c in cases} >= {"SV", "GT", "HN", "MX", "SY", "ER", "AF", "MA"}
        assert {c.reference[:3] for c in cases} == {"SLV", "GTM"}
        assert any("محمد" in c.all_names for c in cases)
        assert any(c.protection_targets for c in cases)
    # Loading again reuses what exists.
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        assert len(list(s.scalars(select(Case)))) == len(cases)
