"""Relatives through the API: create, read, list, update with versions, roles, organisations."""

from __future__ import annotations

import pytest

from tests.families.helpers import (
    CANARY_ADDRESS,
    CANARY_E164,
    CANARY_EMAIL,
    CANARY_NAME,
    CANARY_SAFETY,
    relative_body,
)

CONTRACT_FIELDS = {
    "id",
    "case_reference",
    "full_name",
    "relationship",
    "phone",
    "email",
    "address",
    "preferred_language",
    "preferred_channel",
    "is_reporting_person",
}


def test_create_answers_201_with_the_whole_record_and_e164_phone(liaison, case_ref):
    resp = liaison.post(f"/cases/{case_ref}/relatives", json=relative_body())
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert set(body) >= CONTRACT_FIELDS
    assert body["case_reference"] == case_ref
    assert body["full_name"] == CANARY_NAME
    assert body["phone"] == CANARY_E164
    assert body["email"] == CANARY_EMAIL
    assert body["address"] == CANARY_ADDRESS
    assert body["safety_note"] == CANARY_SAFETY
    assert body["preferred_language"] == "es-SV"
    assert body["preferred_channel"] == "phone"
    assert body["is_reporting_person"] is True
    assert body["version"] == 1
    assert len(body["id"]) == 36  # a UUID, never an integer key
    assert resp.headers["Location"].endswith(f"/api/v1/relatives/{body['id']}")


def test_national_number_is_read_for_the_relatives_country_of_residence(liaison, case_ref):
    resp = liaison.post(f"/cases/{case_ref}/relatives", json=relative_body(phone="7123-4567"))
    assert resp.status_code == 201, resp.json
    assert resp.json["phone"] == CANARY_E164


def test_phone_region_hint_reads_a_foreign_national_number(liaison, case_ref):
    body = relative_body(phone="5123 4567", phone_region="GT")
    resp = liaison.post(f"/cases/{case_ref}/relatives", json=body)
    assert resp.status_code == 201, resp.json
    assert resp.json["phone"] == "+50251234567"


def test_only_name_and_relationship_are_required(liaison, case_ref):
    resp = liaison.post(
        f"/cases/{case_ref}/relatives", json={"full_name": "Rosa", "relationship": "sister"}
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["phone"] is None and resp.json["email"] is None
    assert resp.json["is_reporting_person"] is False


def test_get_and_list(liaison, case_ref, add_relative):
    created = add_relative(liaison, case_ref)
    add_relative(liaison, case_ref, full_name="Second Person", relationship="brother")
    one = liaison.get(f"/relatives/{created['id']}")
    assert one.status_code == 200
    assert one.json["full_name"] == CANARY_NAME
    assert one.headers["ETag"] == '"1"'
    listing = liaison.get(f"/cases/{case_ref}/relatives")
    assert listing.status_code == 200
    assert set(listing.json) == {"items", "page", "per_page", "total"}
    assert listing.json["total"] == 2
    assert [r["relationship"] for r in listing.json["items"]] == ["mother", "brother"]


def test_update_needs_the_current_version(liaison, case_ref, add_relative):
    rel = add_relative(liaison, case_ref)
    path = f"/relatives/{rel['id']}"
    missing = liaison.patch(path, json={"address": "Elsewhere 1"})
    assert missing.status_code == 422
    assert "version" in missing.json["error"]["fields"]
    ok = liaison.patch(path, json={"phone": "00503 7000-0001", "version": 1})
    assert ok.status_code == 200, ok.json
    assert ok.json["phone"] == "+50370000001"
    assert ok.json["version"] == 2
    stale = liaison.patch(path, json={"address": "Elsewhere 2", "version": 1})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "version_conflict"
    via_header = liaison.patch(path, json={"address": "Elsewhere 3"}, headers={"If-Match": '"2"'})
    assert via_header.status_code == 200, via_header.json
    assert via_header.json["version"] == 3
    assert liaison.get(path).json["address"] == "Elsewhere 3"


def test_update_cannot_blank_the_name(liaison, case_ref, add_relative):
    rel = add_relative(liaison, case_ref)
    resp = liaison.patch(f"/relatives/{rel['id']}", json={"full_name": "", "version": 1})
    assert resp.status_code == 422
    assert "full_name" in resp.json["error"]["fields"]


def test_focal_point_reads_and_adds_but_does_not_edit(api, case_ref, add_relative):
    focal = api("focal_point")
    rel = add_relative(focal, case_ref)
    assert focal.get(f"/relatives/{rel['id']}").status_code == 200
    assert focal.get(f"/cases/{case_ref}/relatives").status_code == 200
    resp = focal.patch(f"/relatives/{rel['id']}", json={"address": "x", "version": 1})
    assert resp.status_code == 403


@pytest.mark.parametrize("role", ["forensic", "admin", "auditor", "partner"])
def test_other_roles_get_403_everywhere(api, liaison, case_ref, add_relative, role):
    rel = add_relative(liaison, case_ref)
    caller = api(role)
    calls = [
        caller.get(f"/cases/{case_ref}/relatives"),
        caller.post(f"/cases/{case_ref}/relatives", json=relative_body()),
        caller.get(f"/relatives/{rel['id']}"),
        caller.patch(f"/relatives/{rel['id']}", json={"address": "x", "version": 1}),
        caller.get("/relatives?phone=71234567"),
        caller.get(f"/relatives/{rel['id']}/consents"),
        caller.post(f"/relatives/{rel['id']}/erase", json={"confirm": True}),
        caller.get(f"/cases/{case_ref}/notifications"),
        caller.get("/notifications?due_before=2030-01-01"),
    ]
    assert [c.status_code for c in calls] == [403] * len(calls)


def test_without_a_token_401(client, case_ref):
    assert client.get(f"/api/v1/cases/{case_ref}/relatives").status_code == 401
