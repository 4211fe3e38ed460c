"""The demo identification: Tesfaye's case identified by DNA, recorded by the forensic officer,
confirmed by the focal point, and the case moved to deceased_identified through the checked
transition."""

from __future__ import annotations

from sqlalchemy import select

from casework import demo
from casework.auth import queries as auth_queries
from casework.auth.models import Organisation
from casework.auth.policy import Actor
from casework.cases.models import Case, CaseStatus
from casework.identification.demo import load_demo_identifications
from casework.identification.models import Identification, IdentificationStatus
from casework.remains import operations as remains_ops
from casework.remains.models import Remains, RemainsStatus
from tests.identification.helpers import remains_body


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


def test_demo_identification_with_a_match_report(app, database, settings, make_report):
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        case = _tesfaye(s)
        reference = case.reference
        identified = case.status is CaseStatus.deceased_identified
        forensic = auth_queries.user_by_email(s, "forensic@sv.demo")
        if not identified:
            # Without the DNA demo's match report the loader did nothing: give it one.
            actor = Actor.for_user(forensic, via="demo")
            remains_id = str(remains_ops.create_remains(s, actor, remains_body()).id)
    if not identified:
        make_report(reference, remains_id)
        with database.session() as s:
            orgs = list(s.scalars(select(Organisation).order_by(Organisation.created_at)))
            sv = next(o for o in orgs if o.name == demo.DEMO_ORGS[0][0])
            users = {
                email: auth_queries.user_by_email(s, email)
                for email in ("forensic@sv.demo", "focal@sv.demo")
            }
            load_demo_identifications(s, [sv], users)
    with database.session() as s:
        _check_identified(s)
    # Loading again reuses what exists: still one identification.
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        _check_identified(s)
