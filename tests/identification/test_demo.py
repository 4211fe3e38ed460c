"""The demo identification: Tesfaye's case identified by DNA, recorded by the forensic officer,
confirmed by the focal point, and the case moved to deceased_identified through the checked
transition."""

from __future__ import annotations

from sqlalchemy import select

from casework import demo
from casework.auth import operations as auth_ops
from casework.cases.demo import load_demo_cases
from casework.cases.models import Case, CaseStatus
from casework.dna.models import DnaMatchReport
from casework.identification.demo import load_demo_identifications
from casework.identification.models import Identification, IdentificationStatus
from casework.remains.models import Remains, RemainsStatus
from tests.helpers import PASSWORD


def _tesfaye(s) -> Case:
    cases = s.scalars(select(Case)).unique()
    return next(c for c in cases if c.family_names == "Tesfaye")


def _check_identified(s) -> None:
    case = _tesfaye(s)
    assert case.status is CaseStatus.deceased_identified
    (ident,) = s.scalars(select(Identification).where(Identification.case_id == case.id))
    assert ident.status is IdentificationStatus.confirmed
    assert ident.method.value == "dna" and ident.match_report_id is not None
    assert ident.recorder.email == "forensic@sv.demo"
    assert ident.confirmed_by == "focal@sv.demo"
    remains = s.get(Remains, ident.remains_id)
    assert remains.status is RemainsStatus.identified
    assert remains.identified_case_id == case.id


def test_demo_identifies_tesfaye(app, database, settings):
    """The DNA demo's match report (Dawit Tesfaye's reference and the post-mortem sample of the
    remains found in Panama) is what the identification relies on."""
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        _check_identified(s)
        case = _tesfaye(s)
        ident = s.scalar(select(Identification).where(Identification.case_id == case.id))
        report = s.get(DnaMatchReport, ident.match_report_id)
        assert report.status.value == "confirmed"
        assert report.remains.found_country == "PA"
    # Loading again reuses what exists: still one identification.
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        _check_identified(s)


def test_the_loader_does_nothing_without_a_match_report(app, database, settings):
    """Without a report to rely on, the case stays in active search (never unchecked)."""
    with database.session() as s:
        orgs = [
            auth_ops.create_organisation(s, name, country, kind)
            for name, country, kind in demo.DEMO_ORGS
        ]
        users = {
            email: auth_ops.create_user(s, email, PASSWORD, role, orgs[i].id)
            for email, role, i in demo.DEMO_USERS
        }
        load_demo_cases(s, orgs, users)
        load_demo_identifications(s, orgs, users)
        assert _tesfaye(s).status is CaseStatus.active_search
        assert s.scalar(select(Identification.id)) is None
