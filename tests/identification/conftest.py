"""Fixtures of the identification tests: cases through the case service, remains through the
remains service, match reports (with their two sample references) written as the DNA domain
stores them, canary values, audit look-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.audit import AuditEvent
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.cases.models import Case, CaseStatus
from casework.dna.models import (
    DnaDatabase,
    DnaDatabaseKind,
    DnaMatchReport,
    DnaReference,
    MatchReportStatus,
    SampleKind,
)
from casework.identification.models import Identification
from casework.remains import operations as remains_ops
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
def make_report(database):
    """`make_report(case_ref, remains_id, status="reported")` stores a laboratory match report
    between a family reference of the case and a post-mortem sample of the remains, owned by
    the case's organisation; returns its id as a string."""

    def factory(case_ref: str, remains_id: str, status: str = "reported") -> str:
        with database.session() as s:
            case = s.scalar(select(Case).where(Case.reference == case_ref))
            db = s.scalar(select(DnaDatabase).where(DnaDatabase.name == "Test genetic bank"))
            if db is None:
                db = DnaDatabase(
                    id=uuid.uuid4(),
                    name="Test genetic bank",
                    institution="Test institute",
                    country="SV",
                    kind=DnaDatabaseKind.national_genetic_bank,
                )
                s.add(db)
            family = DnaReference(
                id=uuid.uuid4(),
                organisation_id=case.organisation_id,
                database=db,
                sample_kind=SampleKind.family_reference,
                case_id=case.id,
                data_key=case.data_key,
            )
            post_mortem = DnaReference(
                id=uuid.uuid4(),
                organisation_id=case.organisation_id,
                database=db,
                sample_kind=SampleKind.post_mortem,
                remains_id=uuid.UUID(remains_id),
                data_key=case.data_key,
            )
            s.add_all([family, post_mortem])
            s.flush()
            report = DnaMatchReport(
                id=uuid.uuid4(),
                organisation_id=case.organisation_id,
                case_id=case.id,
                remains_id=uuid.UUID(remains_id),
                family_reference_id=family.id,
                post_mortem_reference_id=post_mortem.id,
                likelihood_ratio=1.2e9,
                reported_date=dt.date(2026, 1, 10),
                status=MatchReportStatus(status),
                data_key=case.data_key,
            )
            s.add(report)
            s.flush()
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
