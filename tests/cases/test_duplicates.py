"""Possible duplicates on registration and edit, and linking one case into another."""

from __future__ import annotations

import pytest

from tests.cases.test_transitions import force_status


@pytest.fixture
def original(focal, make_case):
    return make_case(
        focal,
        given_names="Juan Carlos",
        family_names="Pérez",
        sex="male",
        date_of_birth="1990-05",
        nationality="SV",
        last_seen_country="MX",
        last_seen_date="2024-03",
    )["reference"]


def test_registration_reports_possible_duplicates_with_reasons(focal, original):
    resp = focal.post(
        "/cases",
        json={"given_names": "Juan Carlos", "family_names": "Peres", "date_of_birth": "1990",
              "nationality": "SV", "last_seen_country": "MX", "last_seen_date": "2024"},
    )  # fmt: skip
    assert resp.status_code == 201
    [dup] = resp.json["possible_duplicates"]
    assert dup["reference"] == original
    assert dup["reasons"] == [
        "name", "date_of_birth", "nationality", "last_seen_country", "last_seen_date"
    ]  # fmt: skip
    assert 0 < dup["score"] <= 1


@pytest.mark.parametrize(
    "fields",
    [
        {"given_names": "Juan", "family_names": "Rodríguez"},  # one common name part only
        {"given_names": "Juan Carlos", "family_names": "Pérez", "nationality": "HN"},
        {"given_names": "Juan Carlos", "family_names": "Pérez", "date_of_birth": "1960"},
        {"given_names": "Juan Carlos", "family_names": "Pérez", "sex": "female"},
    ],
)
def test_contradicting_cases_are_not_duplicates(focal, original, fields):
    assert focal.post("/cases", json=fields).json["possible_duplicates"] == []


def test_editing_reports_possible_duplicates(focal, original, make_case):
    ref = make_case(focal, given_names="Pedro")["reference"]
    resp = focal.patch(
        f"/cases/{ref}", json={"version": 1, "given_names": "Juan Carlos", "family_names": "Perez"}
    )
    assert [d["reference"] for d in resp.json["possible_duplicates"]] == [original]


def test_duplicates_stay_within_the_organisation(api, make_org, original):
    other = api("focal_point", make_org("SV"))
    resp = other.post("/cases", json={"given_names": "Juan Carlos", "family_names": "Pérez"})
    assert resp.json["possible_duplicates"] == []


def test_linking_closes_the_duplicate_and_keeps_its_history_visible(focal, original):
    dup = focal.post("/cases", json={"given_names": "Juan Carlos", "family_names": "Peres"})
    dup_ref = dup.json["reference"]
    focal.post(f"/cases/{dup_ref}/status", json={"status": "active_search", "note": "dup search"})

    resp = focal.post(
        f"/cases/{original}/link-duplicate",
        json={"duplicate_reference": dup_ref.lower(), "note": "Same man, reported by his aunt"},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["linked_duplicates"] == [dup_ref]

    closed = focal.get(f"/cases/{dup_ref}").json
    assert closed["status"] == "closed"
    assert closed["closure_reason"] == "duplicate"
    assert closed["duplicate_of"] == original

    events = focal.get(f"/cases/{original}/timeline").json["items"]
    mine = [(e["case_reference"], e["kind"]) for e in events]
    assert (original, "duplicate_linked") in mine
    assert (dup_ref, "created") in mine
    assert (dup_ref, "status_changed") in mine
    assert (dup_ref, "linked_as_duplicate") in mine
    dup_note = next(e for e in events if e["note"] == "dup search")
    assert dup_note["case_reference"] == dup_ref

    # A linked duplicate is no longer offered as a possible duplicate.
    again = focal.post("/cases", json={"given_names": "Juan Carlos", "family_names": "Perez"})
    assert [d["reference"] for d in again.json["possible_duplicates"]] == [original]


def test_link_refusals(focal, original, make_case, database):
    dup = make_case(focal, given_names="Juan Carlos", family_names="Pérez")["reference"]
    # itself
    resp = focal.post(
        f"/cases/{original}/link-duplicate", json={"duplicate_reference": original, "note": "n"}
    )
    assert resp.status_code == 422 and "duplicate_reference" in resp.json["error"]["fields"]
    # a note is required
    resp = focal.post(f"/cases/{original}/link-duplicate", json={"duplicate_reference": dup})
    assert resp.status_code == 422 and "note" in resp.json["error"]["fields"]
    # a located person cannot be closed as a duplicate: 409 naming what is allowed
    located = make_case(focal, given_names="Juan Carlos", family_names="Peres")["reference"]
    force_status(database, located, _status("located_alive"))
    resp = focal.post(
        f"/cases/{original}/link-duplicate", json={"duplicate_reference": located, "note": "n"}
    )
    assert resp.status_code == 409
    assert resp.json["error"]["linkable_statuses"] == ["reported", "active_search"]
    assert "located_alive" in resp.json["error"]["message"]
    # a case already linked cannot be linked again, nor receive duplicates itself
    assert (
        focal.post(
            f"/cases/{original}/link-duplicate", json={"duplicate_reference": dup, "note": "n"}
        ).status_code
        == 200
    )
    resp = focal.post(
        f"/cases/{original}/link-duplicate", json={"duplicate_reference": dup, "note": "n"}
    )
    assert resp.status_code == 409
    resp = focal.post(
        f"/cases/{dup}/link-duplicate", json={"duplicate_reference": located, "note": "n"}
    )
    assert resp.status_code == 409
    # unknown duplicate reference
    resp = focal.post(
        f"/cases/{original}/link-duplicate",
        json={"duplicate_reference": "SLV-2000-000999", "note": "n"},
    )
    assert resp.status_code == 404


def _status(value):
    from casework.cases.models import CaseStatus

    return CaseStatus(value)
