"""Fixtures of the identification tests: cases through the case service, remains through the
remains service, match reports through the DNA service (with a relative, a family reference and
a post-mortem sample), audit look-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.access import Access
from casework.audit import AuditEvent
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.cases.models import Case, CaseStatus
from casework.dna import operations as dna_ops
from casework.dna import queries as dna_queries
from casework.families import operations as family_ops
from casework.identification.models import Identification
from casework.remains import operations as remains_ops
from casework.remains import queries as remains_queries
from tests.identification.helpers import remains_body


@pytest.fixture
def actor_of(database):
    def factory(user: User) -> Actor:
        with database.session() as s:
            return Actor.for_user(s.get(User, user.id))

    return factory


@pytest.fixture
def make_case(database, make_user, org):
    """`make_case(organisation=None, status=None)` registers a case through the case service
    (status set unchecked for set-up) and returns its reference."""

    def factory(organisation: Organisation | None = None, status: str | None = None) -> str:
        user = make_user("focal_point", organisation or org)
        with database.session() as s:
            actor = Actor.for_user(s.get(User, user.id))
            case = case_ops.create_case(
                s, actor, {"given_names": "Yonas", "family_names": "Tesfaye", "sex": "male"}
            )
            if status is not None:
                case_ops.set_status_unchecked(s, actor, case, CaseStatus(status), "test set-up")
            return case.reference

    return factory


@pytest.fixture
def record_remains(database, make_user, org):
    """`record_remains(organisation=None, **fields)` records remains through the remains service
    as a forensic officer of that organisation; returns the id as a string."""

    def factory(organisation: Organisation | None = None, **fields: Any) -> str:
        user = make_user("forensic", organisation or org)
        with database.session() as s:
            actor = Actor.for_user(s.get(User, user.id))
            return str(remains_ops.create_remains(s, actor, remains_body(**fields)).id)

    return factory


@pytest.fixture
def make_report(database, make_user):
    """`make_report(case_ref, remains_id, status="reported")` records, through the DNA and
    families services, a relative of the case with a family reference, a post-mortem sample of
    the remains, and a laboratory match report between them (excluded when asked), as a focal
    point of the case's organisation; returns the report's id as a string."""

    def factory(case_ref: str, remains_id: str, status: str = "reported") -> str:
        with database.session() as s:
            case = s.scalar(select(Case).where(Case.reference == case_ref))
            organisation = s.get(Organisation, case.organisation_id)
        user = make_user("focal_point", organisation)
        with database.session() as s:
            actor = Actor.for_user(s.get(User, user.id))
            case = s.scalar(select(Case).where(Case.reference == case_ref))
            db = dna_queries.database_by_name(s, "Test genetic bank")
            if db is None:
                db = dna_ops.create_database(
                    s,
                    Actor.system(),
                    {
                        "name": "Test genetic bank",
                        "institution": "Test institute",
                        "country": "SV",
                        "kind": "national_genetic_bank",
                    },
                )
            relative = family_ops.create_relative(
                s, actor, case, {"full_name": "Dawit Tesfaye", "relationship": "brother"}
            )
            family = dna_ops.create_case_reference(
                s,
                actor,
                case,
                {
                    "database_id": db.id,
                    "sample_kind": "family_reference",
                    "sample_id": f"FR-{uuid.uuid4().hex[:10]}",
                    "relative_id": relative.id,
                    "donor_relationship": "brother",
                },
            )
            remains = remains_queries.owned_remains_or_404(Access(s, actor), remains_id)
            sample = {"database_id": db.id, "sample_id": f"PM-{uuid.uuid4().hex[:10]}"}
            post_mortem = dna_ops.create_post_mortem_reference(s, actor, remains, sample)
            report = dna_ops.create_match_report(
                s,
                actor,
                {
                    "family_reference_id": family.id,
                    "post_mortem_reference_id": post_mortem.id,
                    "likelihood_ratio": 1.2e9,
                    "reported_date": dt.date(2026, 1, 10),
                    "lab_report_reference": "LAB-2026-0001",
                },
            )
            if status == "excluded":
                dna_ops.exclude_match_report(s, actor, report, "Mixed-up samples.")
            return str(report.id)

    return factory


@pytest.fixture
def focal(api):
    return api("focal_point")


@pytest.fixture
def forensic(api):
    return api("forensic")


@pytest.fixture
def dna_world(make_case, record_remains, make_report):
    """A case in active search, unidentified remains and a reported match between them."""
    ref = make_case(status="active_search")
    remains_id = record_remains()
    report_id = make_report(ref, remains_id)
    return {"case": ref, "remains": remains_id, "report": report_id}


@pytest.fixture
def audit_events(database):
    def fetch(action: str | None = None) -> list[AuditEvent]:
        with database.session() as s:
            stmt = select(AuditEvent).order_by(AuditEvent.seq)
            if action:
                stmt = stmt.where(AuditEvent.action == action)
            return list(s.scalars(stmt))

    return fetch


@pytest.fixture
def identification_count(database):
    def count() -> int:
        with database.session() as s:
            return s.scalar(select(func.count()).select_from(Identification)) or 0

    return count
