"""Fixtures of the case tests: payloads, a case factory through the API, audit look-ups."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from casework.audit import AuditEvent

FULL_CASE: dict[str, Any] = {
    "given_names": "José María",
    "family_names": "González Pérez",
    "aliases": ["Chema"],
    "sex": "male",
    "date_of_birth": "1994-03",
    "nationality": "SV",
    "languages": ["es", "en-US"],
    "place_of_origin": "Chalatenango",
    "identity_documents": [
        {"kind": "national_id", "number": "04567890-1", "issuing_country": "SV"}
    ],
    "last_seen_date": "2025-06-14",
    "last_seen_country": "MX",
    "last_seen_place": "Tapachula, bus terminal",
    "route_countries": ["GT", "MX"],
    "event_type": "land_crossing",
    "circumstances": "Travelled north with two cousins; last phone call from Tapachula.",
    "distinguishing_marks": "Scar on the left eyebrow",
    "clothing_and_belongings": "Red cap, black backpack",
    "vulnerabilities": ["other"],
    "protection_flags": [
        {"kind": "country", "value": "SV", "reason": "Threatened by a gang with police ties"}
    ],
}


def full_case(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(FULL_CASE)
    data.update(overrides)
    return data


@pytest.fixture
def focal(api):
    """A focal point of a Salvadoran organisation (the default `org`)."""
    return api("focal_point")


@pytest.fixture
def make_case():
    """`make_case(caller, **fields)` registers a case through the API and returns its JSON."""

    def factory(caller, **fields: Any) -> dict[str, Any]:
        body = {"given_names": "Ana"} | fields
        resp = caller.post("/cases", json=body)
        assert resp.status_code == 201, resp.json
        return resp.json

    return factory


@pytest.fixture
def audit_events(database):
    """`audit_events(reference)`: the audit events of a case, oldest first."""

    def fetch(reference: str | None = None, action: str | None = None) -> list[AuditEvent]:
        with database.session() as s:
            stmt = select(AuditEvent).order_by(AuditEvent.seq)
            if reference:
                stmt = stmt.where(AuditEvent.case_reference == reference)
            if action:
                stmt = stmt.where(AuditEvent.action == action)
            return list(s.scalars(stmt))

    return fetch
