"""Bad input of every kind: a 4xx naming the field in the contract's error shape; nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.families.models import Relative
from casework.keys import BlindIndexEntry, DataKey
from tests.families.helpers import relative_body

MB = "x" * 1_000_000


def _counts(database) -> tuple[int, int, int]:
    with database.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Relative)),
            s.scalar(select(func.count()).select_from(BlindIndexEntry)),
            s.scalar(select(func.count()).select_from(DataKey)),
        )


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"phone": "12"}, "phone"),
        ({"phone": "+503 0000 0000"}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"phone": 71234567}, "phone"),
        ({"phone_region": "ZZ"}, "phone_region"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@"}, "email"),
        ({"preferred_channel": "carrier_pigeon"}, "preferred_channel"),
        ({"preferred_language": "klingon-1"}, "preferred_language"),
        ({"preferred_language": "zz"}, "preferred_language"),
        ({"is_reporting_person": "yes"}, "is_reporting_person"),
        ({"is_reporting_person": 1}, "is_reporting_person"),
        ({"full_name": 42}, "full_name"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": None}, "full_name"),
        ({"relationship": ["mother"]}, "relationship"),
        ({"address": {"street": "x"}}, "address"),
        ({"full_name": MB}, "full_name"),
        ({"address": MB}, "address"),
        ({"safety_note": MB}, "safety_note"),
        ({"full_name": "nul\x00byte"}, "full_name"),
        ({"is_admin": True}, "is_admin"),
        ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
    ],
)
def test_invalid_relative_is_422_naming_the_field(liaison, case_ref, database, overrides, field):
    before = _counts(database)
    resp = liaison.post(f"/cases/{case_ref}/relatives", json=relative_body(**overrides))
    assert resp.status_code == 422, resp.json
    error = resp.json["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert field in error["fields"], error
    assert _counts(database) == before


def test_missing_required_fields_are_named(liaison, case_ref):
    resp = liaison.post(f"/cases/{case_ref}/relatives", json={})
    assert resp.status_code == 422
    assert {"full_name", "relationship"} <= set(resp.json["error"]["fields"])


@pytest.mark.parametrize("body", [b'{"full_name": "A", ', b"[]", b'"text"', b"null", b"123"])
def test_malformed_json_is_4xx(liaison, case_ref, database, body):
    before = _counts(database)
    resp = liaison.post(
        f"/cases/{case_ref}/relatives", data=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= resp.status_code < 500
    assert set(resp.json["error"]) >= {"code", "message", "fields"}
    assert _counts(database) == before


def test_oversized_body_is_413(liaison, case_ref, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    resp = liaison.post(
        f"/cases/{case_ref}/relatives",
        data=b'{"full_name": "' + b"x" * (limit + 10) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "too_large"


def test_invalid_update_leaves_the_record_unchanged(liaison, case_ref, add_relative):
    rel = add_relative(liaison, case_ref)
    for body, field in [
        ({"phone": "nope", "version": 1}, "phone"),
        ({"email": "nope", "version": 1}, "email"),
        ({"preferred_channel": "x", "version": 1}, "preferred_channel"),
        ({"version": "1"}, "version"),
        ({"address": "x"}, "version"),
    ]:
        resp = liaison.patch(f"/relatives/{rel['id']}", json=body)
        assert resp.status_code == 422, (body, resp.json)
        assert field in resp.json["error"]["fields"]
    after = liaison.get(f"/relatives/{rel['id']}").json
    assert after == rel | {"updated_at": after["updated_at"]}


def test_bad_if_match_is_422(liaison, case_ref, add_relative):
    rel = add_relative(liaison, case_ref)
    resp = liaison.patch(
        f"/relatives/{rel['id']}", json={"address": "x"}, headers={"If-Match": "abc"}
    )
    assert resp.status_code == 422


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "relative_id"),
        (
            {"relative_id": "nope", "kind": "acknowledgement", "planned_date": "2026-01-01"},
            "relative_id",
        ),
        ({"kind": "wake", "planned_date": "2026-01-01"}, "kind"),
        ({"kind": "acknowledgement", "planned_date": "01/02/2026"}, "planned_date"),
        ({"kind": "acknowledgement"}, "planned_date"),
        ({"kind": "acknowledgement", "planned_date": "2026-01-01", "notes": MB}, "notes"),
        ({"kind": "acknowledgement", "planned_date": "2026-01-01", "channel": 3}, "channel"),
    ],
)
def test_invalid_notifications_are_422(liaison, case_ref, add_relative, body, field):
    rel = add_relative(liaison, case_ref)
    if "relative_id" not in body and field != "relative_id":
        body = body | {"relative_id": rel["id"]}
    resp = liaison.post(f"/cases/{case_ref}/notifications", json=body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]
    assert liaison.get(f"/cases/{case_ref}/notifications").json["total"] == 0


def test_nothing_is_5xx_on_hostile_paths(liaison):
    for path in [
        "/relatives/%00",
        "/relatives/" + "9" * 5000,
        "/consents/x/withdraw",
        "/notifications/%ff",
    ]:
        assert liaison.get(path).status_code < 500
        assert liaison.post(path, json={}).status_code < 500
