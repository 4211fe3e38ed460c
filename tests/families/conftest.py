"""Fixtures of the families tests: cases made through the case service, relatives through the
API, canary values that must never appear in clear, audit look-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from casework import registry
from casework.audit import AuditEvent
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.cases.models import CaseStatus
from tests.families.helpers import relative_body


@pytest.fixture
def make_case(database, make_user, org):
    """`make_case(organisation=None, status=None, registered_days_ago=90)` registers a case
    (through the case service) for a focal point of that organisation and returns its
    reference. The case counts as registered `registered_days_ago` days ago, so that past
    deliveries to its family are possible (none may precede the case)."""

    def factory(
        organisation: Organisation | None = None,
        status: str | None = None,
        registered_days_ago: int = 90,
    ) -> str:
        user = make_user("focal_point", organisation or org)
        with database.session() as s:
            actor = Actor.for_user(s.get(User, user.id))
            case = case_ops.create_case(s, actor, {"given_names": "Ana"})
            case.created_at -= dt.timedelta(days=registered_days_ago)
            if status is not None:
                case_ops.set_status_unchecked(s, actor, case, CaseStatus(status), "test set-up")
            return case.reference

    return factory


@pytest.fixture
def liaison(api):
    return api("family_liaison")


@pytest.fixture
def case_ref(make_case) -> str:
    return make_case()


@pytest.fixture
def add_relative():
    """`add_relative(caller, reference, **fields)` → the created relative's JSON."""

    def factory(caller, reference: str, **fields: Any) -> dict[str, Any]:
        resp = caller.post(f"/cases/{reference}/relatives", json=relative_body(**fields))
        assert resp.status_code == 201, resp.json
        return resp.json

    return factory


@pytest.fixture
def identification_confirmed():
    """The identification domain has not landed: a registered hook provider says yes."""
    with registry.registered(registry.IDENTIFICATION_CONFIRMED, lambda session, case: True):
        yield


@pytest.fixture
def audit_events(database):
    def fetch(action: str | None = None, reference: str | None = None) -> list[AuditEvent]:
        with database.session() as s:
            stmt = select(AuditEvent).order_by(AuditEvent.seq)
            if action:
                stmt = stmt.where(AuditEvent.action == action)
            if reference:
                stmt = stmt.where(AuditEvent.case_reference == reference)
            return list(s.scalars(stmt))

    return fetch


def table_count(database, model) -> int:
    from sqlalchemy import func

    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0
