"""Fixtures of the DNA tests: a world of one organisation (a focal point and a forensic officer
with API tokens, a case with a relative, remains, a DNA database), built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from casework.audit import AuditEvent
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.db import new_time_uuid
from casework.dna import operations as dna_ops
from casework.families import operations as family_ops
from casework.families.models import Relative
from casework.keys import create_data_key
from casework.remains.models import Remains

_seq = itertools.count(1)


def _actor(s, user: User) -> Actor:
    return Actor.for_user(s.get(User, user.id))


@pytest.fixture
def make_case(database, make_user, org):
    """`make_case(organisation=None)` registers a case and returns its reference."""

    def factory(organisation: Organisation | None = None, **fields: Any) -> str:
        user = make_user("focal_point", organisation or org)
        with database.session() as s:
            case = case_ops.create_case(s, _actor(s, user), {"given_names": "Ana", **fields})
            return case.reference

    return factory


@pytest.fixture
def make_relative(database, make_user, org):
    """`make_relative(case_reference, organisation=None, dna_consent=True)` → relative id."""

    def factory(
        reference: str, organisation: Organisation | None = None, dna_consent: bool = True
    ) -> str:
        user = make_user("family_liaison", organisation or org)
        with database.session() as s:
            actor = _actor(s, user)
            case = case_ops_case(s, actor, reference)
            relative = family_ops.create_relative(
                s, actor, case, {"full_name": "Rosa Canarina", "relationship": "mother"}
            )
            if dna_consent:
                give_dna_consent(s, actor, relative)
            return str(relative.id)

    return factory


def case_ops_case(s, actor: Actor, reference: str):
    from casework.cases.queries import case_or_404

    return case_or_404(s, actor, reference)


def give_dna_consent(s, actor: Actor, relative: Relative):
    return family_ops.give_consent(
        s,
        actor,
        relative,
        {"purpose": "dna", "scope": [{"kind": "any", "value": None}]},
    )


@pytest.fixture
def make_remains(database, make_user, org):
    """`make_remains(organisation=None)` → the id of new remains (written directly: the remains
    domain's own services are another engineer's)."""

    def factory(organisation: Organisation | None = None) -> str:
        owner = organisation or org
        with database.session() as s:
            remains = Remains(
                id=new_time_uuid(),
                reference=f"UR-TEST-{next(_seq):06d}-{uuid.uuid4().hex[:4]}",
                organisation_id=owner.id,
                data_key=create_data_key(s, "remains"),
            )
            s.add(remains)
            s.flush()
            return str(remains.id)

    return factory


@pytest.fixture
def make_database(database, make_user, make_org):
    """`make_database(name=None)` → the id of a new DNA database (registered by an admin)."""

    def factory(name: str | None = None, kind: str = "national_genetic_bank") -> str:
        admin = make_user("admin")
        with database.session() as s:
            db = dna_ops.create_database(
                s,
                _actor(s, admin),
                {
                    "name": name or f"Genetic bank {next(_seq)}",
                    "institution": "Instituto",
                    "country": "SV",
                    "kind": kind,
                },
            )
            return str(db.id)

    return factory


@dataclass
class World:
    focal: Any
    forensic: Any
    case: str
    relative: str
    remains: str
    database: str


@pytest.fixture
def world(api, make_case, make_relative, make_remains, make_database) -> World:
    """One organisation: a focal point and a forensic officer (API callers), a case whose
    relative gave consent for DNA, remains, and a DNA database."""
    focal = api("focal_point")
    forensic = api("forensic")
    case = make_case()
    return World(
        focal=focal,
        forensic=forensic,
        case=case,
        relative=make_relative(case),
        remains=make_remains(),
        database=make_database(),
    )


@pytest.fixture
def audit_events(database):
    def fetch(action: str | None = None) -> list[AuditEvent]:
        with database.session() as s:
            stmt = select(AuditEvent).order_by(AuditEvent.seq)
            if action:
                stmt = stmt.where(AuditEvent.action == action)
            return list(s.scalars(stmt))

    return fetch


def table_count(database, model) -> int:
    from sqlalchemy import func

    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()
