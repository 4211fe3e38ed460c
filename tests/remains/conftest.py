"""Fixtures of the remains tests: remains recorded through the API or the service, cases made
through the case service, audit look-ups."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from casework.audit import AuditEvent
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.remains import operations
from casework.remains.models import Remains


def remains_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "found_date": "2025-11",
        "found_country": "US",
        "found_place": "Desert near Sasabe, Arizona",
        "recovery_context": "Found by a humanitarian search group",
        "sex": "female",
        "age_min": 14,
        "age_max": 19,
        "stature_min_cm": 150,
        "stature_max_cm": 160,
        "distinguishing_marks": "Scar on the left knee; pierced ears",
        "effects": "Pink backpack, rosary with white beads, denim jacket",
    }
    body.update(overrides)
    return body


@pytest.fixture
def forensic(api):
    return api("forensic")


@pytest.fixture
def add_remains():
    """`add_remains(caller, **fields)` → the created remains' JSON (through the API)."""

    def factory(caller, **fields: Any) -> dict[str, Any]:
        resp = caller.post("/remains", json=remains_body(**fields))
        assert resp.status_code == 201, resp.json
        return resp.json

    return factory


@pytest.fixture
def actor_of(database):
    def factory(user: User) -> Actor:
        with database.session() as s:
            return Actor.for_user(s.get(User, user.id))

    return factory


@pytest.fixture
def make_case(database, make_user, org):
    """`make_case(organisation=None, **fields)` registers a case through the case service and
    returns its reference."""

    def factory(organisation: Organisation | None = None, **fields: Any) -> str:
        user = make_user("focal_point", organisation or org)
        with database.session() as s:
            actor = Actor.for_user(s.get(User, user.id))
            case = case_ops.create_case(s, actor, {"given_names": "Ana", **fields})
            return case.reference

    return factory


@pytest.fixture
def record_remains(database, make_user, org):
    """`record_remains(organisation=None, **fields)` records remains through the service as a
    forensic officer of that organisation; returns the id."""

    def factory(organisation: Organisation | None = None, **fields: Any):
        user = make_user("forensic", organisation or org)
        with database.session() as s:
            actor = Actor.for_user(s.get(User, user.id))
            return operations.create_remains(s, actor, remains_body(**fields)).id

    return factory


@pytest.fixture
def remains_count(database):
    def count() -> int:
        with database.session() as s:
            return s.scalar(select(func.count()).select_from(Remains)) or 0

    return count


@pytest.fixture
def audit_events(database):
    def fetch(action: str | None = None) -> list[AuditEvent]:
        with database.session() as s:
            stmt = select(AuditEvent).order_by(AuditEvent.seq)
            if action:
                stmt = stmt.where(AuditEvent.action == action)
            return list(s.scalars(stmt))

    return fetch
