"""Bad remains input of every kind: 422 naming the field in the contract's error shape, and
nothing stored (no remains row, no data key, no index entry, no audit event)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from casework.audit import AuditEvent
from casework.keys import BlindIndexEntry, DataKey
from casework.remains.models import Remains
from tests.remains.conftest import remains_body

MB = "x" * 1_000_000
TOMORROW = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
NEXT_YEAR = str(dt.datetime.now(dt.UTC).year + 1)


def _counts(database) -> tuple[int, ...]:
    with database.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Remains, DataKey, BlindIndexEntry, AuditEvent)
        )


BAD = [
    # ranges upside down: the upper bound is named
    ({"age_min": 30, "age_max": 20}, "age_max"),
    ({"stature_min_cm": 180, "stature_max_cm": 170}, "stature_max_cm"),
    # out of bounds
    ({"age_min": -1}, "age_min"),
    ({"age_max": 121}, "age_max"),
    ({"stature_min_cm": 39}, "stature_min_cm"),
    ({"stature_max_cm": 251}, "stature_max_cm"),
    # invented vocabulary
    ({"sex": "alien"}, "sex"),
    ({"sex": None}, "sex"),
    ({"found_country": "ZZ"}, "found_country"),
    ({"found_country": "Narnia"}, "found_country"),
    # dates: in the future, impossible, malformed
    ({"found_date": TOMORROW}, "found_date"),
    ({"found_date": NEXT_YEAR}, "found_date"),
    ({"found_date": "2025-02-30"}, "found_date"),
    ({"found_date": "2025-13"}, "found_date"),
    ({"found_date": "1850"}, "found_date"),
    ({"found_date": "last winter"}, "found_date"),
    ({"found_date": "10/02/2025"}, "found_date"),
    # wrong types
    ({"age_min": "14"}, "age_min"),
    ({"age_max": 19.5}, "age_max"),
    ({"age_min": True}, "age_min"),
    ({"stature_min_cm": [150]}, "stature_min_cm"),
    ({"found_date": 2025}, "found_date"),
    ({"found_country": 1}, "found_country"),
    ({"found_place": 42}, "found_place"),
    ({"recovery_context": {"a": 1}}, "recovery_context"),
    ({"distinguishing_marks": ["scar"]}, "distinguishing_marks"),
    ({"effects": False}, "effects"),
    # hostile strings
    ({"found_place": "nul\x00byte"}, "found_place"),
    ({"distinguishing_marks": "lone \ud800 surrogate"}, "distinguishing_marks"),
    ({"effects": MB}, "effects"),
    ({"found_place": MB}, "found_place"),
    ({"recovery_context": MB}, "recovery_context"),
    # fields that are not the client's to write
    ({"status": "identified"}, "status"),
    ({"reference": "SLV-UR-2026-000001"}, "reference"),
    ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
    ({"identified_case_id": "00000000-0000-0000-0000-000000000000"}, "identified_case_id"),
    ({"version": 3}, "version"),
]


@pytest.mark.parametrize("overrides, field", BAD)
def test_invalid_remains_is_422_naming_the_field_with_nothing_stored(
    forensic, database, overrides, field
):
    before = _counts(database)
    resp = forensic.post("/remains", json=remains_body(**overrides))
    assert resp.status_code == 422, resp.json
    error = resp.json["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert field in error["fields"], error
    assert _counts(database) == before


@pytest.mark.parametrize("overrides, field", [b for b in BAD if b[1] not in ("status", "version")])
def test_invalid_update_is_422_and_changes_nothing(
    forensic, add_remains, database, overrides, field
):
    created = add_remains(forensic)
    before = _counts(database)
    resp = forensic.patch(f"/remains/{created['id']}", json={"version": 1, **overrides})
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"], resp.json
    assert _counts(database) == before
    assert forensic.get(f"/remains/{created['id']}").json == created


@pytest.mark.parametrize(
    "body",
    [
        {"version": "1"},
        {"version": 0},
        {"version": 1.5},
        {"version": 1, "status": "lost"},
        {"version": 1, "status": 3},
    ],
)
def test_bad_version_or_status_is_422(forensic, add_remains, body):
    created = add_remains(forensic)
    resp = forensic.patch(f"/remains/{created['id']}", json=body)
    assert resp.status_code == 422, resp.json
    assert forensic.get(f"/remains/{created['id']}").json == created


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 422),
        ('"text"', "application/json", 422),
        ("null", "application/json", 422),
        ("[" * 100_000, "application/json", 400),
    ],
)
def test_malformed_bodies_are_4xx_with_nothing_stored(
    client, forensic, database, data, content_type, status
):
    before = _counts(database)
    resp = client.post(
        "/api/v1/remains",
        data=data,
        content_type=content_type,
        headers={"Authorization": f"Bearer {forensic.token}"},
    )
    assert resp.status_code == status, resp.get_data(as_text=True)[:200]
    assert "error" in resp.json
    assert _counts(database) == before


def test_errors_never_quote_the_value(forensic):
    resp = forensic.post(
        "/remains",
        json=remains_body(found_date="Zanzibarian dawn", found_country="Quokkaland"),
    )
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "Zanzibarian" not in text and "Quokkaland" not in text


def test_service_refuses_the_same_input_without_the_schema(
    database, make_user, actor_of, remains_count
):
    """Pages and the demo call the service directly: it holds the same rules."""
    from casework.errors import InvalidInput
    from casework.remains import operations

    actor = actor_of(make_user("forensic"))
    before = remains_count()
    for overrides, field in [
        ({"age_min": 30, "age_max": 20}, "age_max"),
        ({"stature_max_cm": 300}, "stature_max_cm"),
        ({"sex": "alien"}, "sex"),
        ({"found_country": "ZZ"}, "found_country"),
        ({"found_date": TOMORROW}, "found_date"),
        ({"found_date": "2025-02-30"}, "found_date"),
        ({"age_min": "3"}, "age_min"),
        ({"effects": 5}, "effects"),
    ]:
        with database.session() as s, pytest.raises(InvalidInput) as caught:
            operations.create_remains(s, actor, remains_body(**overrides))
        assert field in caught.value.fields
    assert remains_count() == before
