"""The case API: create (minimal, full), read, update with versions, list envelope, timeline."""

from __future__ import annotations

import re

import pytest

from tests.cases.conftest import FULL_CASE, full_case

REFERENCE = re.compile(r"^SLV-\d{4}-\d{6}$")
CONTRACT_FIELDS = {
    "reference", "version", "status", "given_names", "family_names", "aliases", "sex",
    "date_of_birth", "nationality", "languages", "last_seen_date", "last_seen_country",
    "last_seen_place", "route_countries", "circumstances", "distinguishing_marks",
    "vulnerabilities", "protection_flags",
    # beyond the contract's list
    "place_of_origin", "identity_documents", "clothing_and_belongings", "event_type",
    "age_band", "closure_reason", "created_at", "updated_at",
}  # fmt: skip


def test_create_with_minimal_data(focal):
    resp = focal.post("/cases", json={"given_names": "Ana"})
    assert resp.status_code == 201
    body = resp.json
    assert REFERENCE.match(body["reference"])
    assert body["version"] == 1
    assert body["status"] == "reported"
    assert body["sex"] == "unknown"
    assert body["given_names"] == "Ana"
    assert body["family_names"] is None
    assert body["vulnerabilities"] == [] and body["protection_flags"] == []
    assert body["possible_duplicates"] == []
    assert resp.headers["ETag"] == '"1"'
    assert resp.headers["Location"].endswith("/api/v1/cases/" + body["reference"])
    assert set(body) >= CONTRACT_FIELDS


def test_create_with_full_data_answers_the_whole_record(focal):
    resp = focal.post("/cases", json=full_case())
    assert resp.status_code == 201
    body = resp.json
    for name, value in FULL_CASE.items():
        assert body[name] == value, name
    # Derived from the date of birth (1994-03) and the last-seen date (2025-06-14): 31 years.
    assert body["age_band"] == "25-34"
    again = focal.get("/cases/" + body["reference"])
    assert again.status_code == 200
    assert {k: v for k, v in again.json.items()} == {
        k: v for k, v in body.items() if k != "possible_duplicates"
    }


def test_references_count_up_per_country_and_year(focal, api, make_org):
    first = focal.post("/cases", json={"given_names": "A"}).json["reference"]
    second = focal.post("/cases", json={"given_names": "B"}).json["reference"]
    assert int(second[-6:]) == int(first[-6:]) + 1
    guatemalan = api("focal_point", make_org("GT"))
    assert guatemalan.post("/cases", json={"given_names": "C"}).json["reference"].startswith("GTM-")


def test_update_with_body_version(focal, make_case):
    ref = make_case(focal)["reference"]
    resp = focal.patch(f"/cases/{ref}", json={"version": 1, "family_names": "Gómez"})
    assert resp.status_code == 200
    assert resp.json["version"] == 2
    assert resp.json["family_names"] == "Gómez"
    assert resp.headers["ETag"] == '"2"'


def test_update_with_if_match(focal, make_case):
    ref = make_case(focal)["reference"]
    resp = focal.patch(f"/cases/{ref}", json={"sex": "female"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 200
    assert resp.json["version"] == 2


@pytest.mark.parametrize("how", ["body", "if-match"])
def test_stale_version_is_409_with_the_current_version_and_nothing_changes(focal, make_case, how):
    ref = make_case(focal, family_names="Original")["reference"]
    assert focal.patch(f"/cases/{ref}", json={"version": 1, "sex": "female"}).status_code == 200
    if how == "body":
        resp = focal.patch(f"/cases/{ref}", json={"version": 1, "family_names": "Overwrite"})
    else:
        resp = focal.patch(
            f"/cases/{ref}", json={"family_names": "Overwrite"}, headers={"If-Match": "1"}
        )
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "version_conflict"
    assert resp.json["error"]["current_version"] == 2
    current = focal.get(f"/cases/{ref}").json
    assert current["family_names"] == "Original"
    assert current["version"] == 2


def test_update_without_version_is_refused(focal, make_case):
    ref = make_case(focal)["reference"]
    resp = focal.patch(f"/cases/{ref}", json={"family_names": "X"})
    assert resp.status_code == 422
    assert "version" in resp.json["error"]["fields"]


def test_body_version_and_if_match_must_agree(focal, make_case):
    ref = make_case(focal)["reference"]
    resp = focal.patch(f"/cases/{ref}", json={"version": 1}, headers={"If-Match": '"2"'})
    assert resp.status_code == 422
    resp = focal.patch(f"/cases/{ref}", json={}, headers={"If-Match": "*"})
    assert resp.status_code == 422


def test_an_update_that_changes_nothing_keeps_the_version(focal, make_case):
    ref = make_case(focal, family_names="Same")["reference"]
    resp = focal.patch(f"/cases/{ref}", json={"version": 1, "family_names": "Same"})
    assert resp.status_code == 200
    assert resp.json["version"] == 1


def test_fields_can_be_cleared(focal):
    ref = focal.post("/cases", json=full_case()).json["reference"]
    resp = focal.patch(
        f"/cases/{ref}",
        json={
            "version": 1,
            "aliases": [],
            "circumstances": None,
            "protection_flags": [],
            "vulnerabilities": None,
            "last_seen_date": None,
        },
    )
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["aliases"] is None and body["circumstances"] is None
    assert body["protection_flags"] == [] and body["vulnerabilities"] == []
    assert body["last_seen_date"] is None


def test_given_names_cannot_be_removed(focal, make_case):
    ref = make_case(focal)["reference"]
    resp = focal.patch(f"/cases/{ref}", json={"version": 1, "given_names": "  "})
    assert resp.status_code == 422
    assert "given_names" in resp.json["error"]["fields"]


def test_age_band_is_checked_against_the_date_of_birth(focal):
    resp = focal.post(
        "/cases",
        json={"given_names": "A", "date_of_birth": "2010", "age_band": "45-59"},
    )
    assert resp.status_code == 422
    assert "age_band" in resp.json["error"]["fields"]
    ok = focal.post("/cases", json={"given_names": "A", "age_band": "45-59"})
    assert ok.status_code == 201 and ok.json["age_band"] == "45-59"


def test_protection_flag_organisation_must_exist(focal, org):
    flag = {"kind": "organisation", "value": str(org.id), "reason": "r"}
    assert (
        focal.post("/cases", json={"given_names": "A", "protection_flags": [flag]}).status_code
        == 201
    )
    flag["value"] = "3f1d1a9e-0000-4000-8000-000000000000"
    resp = focal.post("/cases", json={"given_names": "A", "protection_flags": [flag]})
    assert resp.status_code == 422
    assert "protection_flags" in resp.json["error"]["fields"]


def test_list_envelope_and_stable_order(focal, make_case):
    refs = [make_case(focal, given_names=f"Person {i}")["reference"] for i in range(5)]
    seen = []
    for page in (1, 2, 3):
        resp = focal.get(f"/cases?per_page=2&page={page}")
        assert resp.status_code == 200
        assert set(resp.json) == {"items", "page", "per_page", "total"}
        assert resp.json["total"] == 5 and resp.json["page"] == page
        seen += [item["reference"] for item in resp.json["items"]]
    assert seen == list(reversed(refs))  # newest first, every case once


def test_list_rows_hold_no_narrative(focal):
    focal.post("/cases", json=full_case())
    row = focal.get("/cases").json["items"][0]
    assert "circumstances" not in row and "identity_documents" not in row
    assert row["has_protection_flags"] is True


def test_timeline_records_actor_time_and_notes(focal, make_case):
    ref = make_case(focal)["reference"]
    focal.patch(f"/cases/{ref}", json={"version": 1, "family_names": "Gómez"})
    focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "Search opened"})
    resp = focal.get(f"/cases/{ref}/timeline")
    assert resp.status_code == 200
    assert set(resp.json) == {"items", "page", "per_page", "total"}
    kinds = [e["kind"] for e in resp.json["items"]]
    assert kinds == ["created", "updated", "status_changed"]
    last = resp.json["items"][-1]
    assert last["note"] == "Search opened"
    assert last["actor"] == focal.user.email
    assert (last["from_status"], last["to_status"]) == ("reported", "active_search")
    assert last["occurred_at"]
    assert resp.json["items"][1]["fields_changed"] == ["family_names"]


def test_openapi_documents_the_case_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{reference}",
        "/api/v1/cases/{reference}/status",
        "/api/v1/cases/{reference}/timeline",
        "/api/v1/cases/{reference}/link-duplicate",
    ):
        assert path in doc["paths"], path
    assert {"CaseCreate", "CaseUpdate", "Case", "StatusChange"} <= set(doc["components"]["schemas"])


def test_concurrent_updates_with_one_version_let_exactly_one_through(app, focal, make_case):
    import threading

    ref = make_case(focal)["reference"]
    results: list[int] = []
    start = threading.Barrier(6)

    def patch(n: int) -> None:
        client = app.test_client()  # one client per thread, as separate browsers would be
        start.wait()
        resp = client.patch(
            f"/api/v1/cases/{ref}",
            json={"version": 1, "place_of_origin": f"Town {n}"},
            headers={"Authorization": f"Bearer {focal.token}"},
        )
        results.append(resp.status_code)

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [200] + [409] * 5
    assert focal.get(f"/cases/{ref}").json["version"] == 2
