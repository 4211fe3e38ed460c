"""Bad input of every kind gets a 4xx naming the field, and nothing at all is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.audit import AuditEvent
from casework.cases.models import Case, CaseEvent, CaseVulnerability, ReferenceCounter
from casework.keys import BlindIndexEntry, DataKey

MB = "x" * 1_000_000
TABLES = (
    Case,
    CaseEvent,
    CaseVulnerability,
    ReferenceCounter,
    DataKey,
    BlindIndexEntry,
    AuditEvent,
)


@pytest.fixture
def row_counts(database):
    def counts() -> dict[str, int]:
        with database.session() as s:
            return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}

    return counts


BAD_CREATES = [
    ({"given_names": 42}, "given_names"),
    ({"given_names": ["Ana"]}, "given_names"),
    ({}, "given_names"),
    ({"given_names": "   "}, "given_names"),
    ({"sex": "yes"}, "sex"),
    ({"sex": None}, "sex"),
    ({"age_band": "middle"}, "age_band"),
    ({"event_type": "storm"}, "event_type"),
    ({"vulnerabilities": ["child", "tall"]}, "vulnerabilities"),
    ({"vulnerabilities": "child"}, "vulnerabilities"),
    ({"vulnerabilities": ["child", "child"]}, "vulnerabilities"),
    ({"date_of_birth": "2025-02-30"}, "date_of_birth"),
    ({"date_of_birth": "1990-13"}, "date_of_birth"),
    ({"date_of_birth": "30/01/1990"}, "date_of_birth"),
    ({"date_of_birth": 1990}, "date_of_birth"),
    ({"date_of_birth": "2099"}, "date_of_birth"),
    ({"last_seen_date": "2030-01-01"}, "last_seen_date"),
    ({"date_of_birth": "2020", "last_seen_date": "2019-05"}, "date_of_birth"),
    ({"nationality": "XX"}, "nationality"),
    ({"nationality": "SLV"}, "nationality"),
    ({"last_seen_country": 7}, "last_seen_country"),
    ({"route_countries": ["GT", "Narnia"]}, "route_countries"),
    ({"languages": ["klingon"]}, "languages"),
    ({"languages": "es"}, "languages"),
    ({"aliases": ["ok", ""]}, "aliases"),
    ({"aliases": ["a"] * 21}, "aliases"),
    ({"identity_documents": [{"kind": "passport"}]}, "identity_documents"),
    ({"identity_documents": [{"kind": "visa", "number": "1"}]}, "identity_documents"),
    ({"protection_flags": [{"kind": "country", "value": "XX", "reason": "r"}]}, "protection_flags"),
    ({"protection_flags": [{"kind": "church", "value": "SV", "reason": "r"}]}, "protection_flags"),
    ({"protection_flags": [{"kind": "country", "value": "SV"}]}, "protection_flags"),
    ({"protection_flags": [{"kind": "organisation", "value": "x", "reason": "r"}]},
     "protection_flags"),
    ({"given_names": "A\x00B"}, "given_names"),
    ({"secret_field": 1}, "secret_field"),
    ({"reference": "SLV-2026-000001"}, "reference"),
    ({"status": "closed"}, "status"),
    ({"version": 3}, "version"),
]  # fmt: skip
STRING_FIELDS = [
    "given_names", "family_names", "place_of_origin", "last_seen_place", "circumstances",
    "distinguishing_marks", "clothing_and_belongings",
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), BAD_CREATES)
def test_bad_create_is_422_naming_the_field_and_stores_nothing(focal, row_counts, body, field):
    before = row_counts()
    payload = ({"given_names": "Ana"} | body) if field != "given_names" else body
    resp = focal.post("/cases", json=payload)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"], resp.json
    assert row_counts() == before


@pytest.mark.parametrize("field", STRING_FIELDS)
def test_one_megabyte_strings_are_refused(focal, row_counts, field):
    before = row_counts()
    resp = focal.post("/cases", json={"given_names": "Ana", field: MB})
    assert resp.status_code == 422
    assert field in resp.json["error"]["fields"]
    assert MB[:100] not in resp.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize(
    "raw",
    [b'{"given_names": "Ana", ', b"[]", b'"Ana"', b"null", b"\xff\xfe", b"{" * 10_000],
)
def test_malformed_json_is_4xx_and_stores_nothing(focal, row_counts, raw):
    before = row_counts()
    resp = focal.post("/cases", data=raw, headers={"Content-Type": "application/json"})
    assert 400 <= resp.status_code < 500
    assert set(resp.json["error"]) >= {"code", "message", "fields"}
    assert row_counts() == before


def test_too_large_body_is_413(focal, app):
    resp = focal.post(
        "/cases",
        data=b'{"given_names": "' + b"a" * app.config["MAX_CONTENT_LENGTH"] + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 413


@pytest.mark.parametrize(("body", "field"), [b for b in BAD_CREATES if b[1] != "version"][3:])
def test_bad_update_is_refused_and_changes_nothing(focal, make_case, row_counts, body, field):
    ref = make_case(focal, family_names="Kept")["reference"]
    before = row_counts()
    resp = focal.patch(f"/cases/{ref}", json={"version": 1} | body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]
    assert row_counts() == before
    current = focal.get(f"/cases/{ref}").json
    assert (current["version"], current["family_names"]) == (1, "Kept")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "lost", "note": "n"}, "status"),
        ({"status": "active_search", "note": 5}, "note"),
        ({"status": "active_search", "note": "x" * 10_001}, "note"),
        ({"status": "closed", "note": "n", "closure_reason": "bored"}, "closure_reason"),
        ({"status": "active_search", "note": "n", "extra": 1}, "extra"),
        ({"status": "active_search", "note": "n", "version": "1"}, "version"),
        ({"status": "active_search", "note": "n", "version": True}, "version"),
    ],
)
def test_bad_status_change_is_422(focal, make_case, row_counts, body, field):
    ref = make_case(focal)["reference"]
    before = row_counts()
    resp = focal.post(f"/cases/{ref}/status", json=body)
    assert resp.status_code == 422
    assert field in resp.json["error"]["fields"]
    assert row_counts() == before
