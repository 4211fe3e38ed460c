"""Invalid input is a 422 naming the field, with nothing stored; no request is a 500."""

from __future__ import annotations

import pytest

from casework.dna.models import CustodyStep, DnaDatabase, DnaMatchReport, DnaReference
from casework.keys import BlindIndexEntry
from tests.dna.conftest import days, table_count
from tests.dna.helpers import family_body

MISSING = "00000000-0000-0000-0000-000000000000"


def _counts(database) -> tuple[int, ...]:
    return tuple(
        table_count(database, m)
        for m in (DnaReference, CustodyStep, DnaMatchReport, DnaDatabase, BlindIndexEntry)
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sample_id": ""}, "sample_id"),
        ({"sample_id": " -/ . "}, "sample_id"),
        ({"sample_id": "x" * 101}, "sample_id"),
        ({"sample_id": 12345}, "sample_id"),
        ({"sample_id": "A\x00B"}, "sample_id"),
        ({"sample_kind": "post_mortem"}, "sample_kind"),
        ({"sample_kind": "profile"}, "sample_kind"),
        ({"database_id": MISSING}, "database_id"),
        ({"database_id": "not-a-uuid"}, "database_id"),
        ({"relative_id": None}, "relative_id"),
        ({"donor_relationship": ""}, "donor_relationship"),
        ({"donor_relationship": "x" * 101}, "donor_relationship"),
        ({"collected_date": days(2)}, "collected_date"),
        ({"collected_date": "2026-02-30"}, "collected_date"),
        ({"consent_id": "nope"}, "consent_id"),
    ],
)
def test_family_reference_validation(world, database, overrides, field):
    before = _counts(database)
    body = {**family_body(world.database, world.relative), **overrides}
    resp = world.focal.post(f"/cases/{world.case}/dna-references", json=body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"], resp.json
    assert _counts(database) == before


def test_a_personal_effect_takes_no_relative(world, database):
    before = _counts(database)
    resp = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json=family_body(world.database, world.relative, sample_kind="personal_effect"),
    )
    assert resp.status_code == 422
    assert set(resp.json["error"]["fields"]) == {"relative_id", "donor_relationship"}
    assert _counts(database) == before


def test_post_mortem_only_through_remains(world, database):
    before = _counts(database)
    wrong_kind = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={"database_id": world.database, "sample_id": "A-1", "sample_kind": "family_reference"},
    )
    assert wrong_kind.status_code == 422 and "sample_kind" in wrong_kind.json["error"]["fields"]
    unknown_remains = world.forensic.post(
        f"/remains/{MISSING}/dna-references",
        json={"database_id": world.database, "sample_id": "A-1"},
    )
    assert unknown_remains.status_code == 404
    bad_id = world.forensic.get("/remains/not-a-uuid/dna-references")
    assert bad_id.status_code == 404
    assert _counts(database) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "institution": "I", "country": "SV", "kind": "icmp"}, "name"),
        ({"name": "N", "institution": "", "country": "SV", "kind": "icmp"}, "institution"),
        ({"name": "N", "institution": "I", "country": "XX", "kind": "icmp"}, "country"),
        ({"name": "N", "institution": "I", "country": "", "kind": "icmp"}, "country"),
        ({"name": "N", "institution": "I", "country": "SV", "kind": "bank"}, "kind"),
        ({"name": "N" * 201, "institution": "I", "country": "SV", "kind": "icmp"}, "name"),
    ],
)
def test_database_validation(api, database, body, field):
    admin = api("admin")
    before = _counts(database)
    resp = admin.post("/dna-databases", json=body)
    assert resp.status_code == 422 and field in resp.json["error"]["fields"], resp.json
    assert _counts(database) == before


def test_database_registry(api):
    admin = api("admin")
    body = {"name": "ICMP", "institution": "ICMP", "country": "nl", "kind": "icmp"}
    created = admin.post("/dna-databases", json=body)
    assert created.status_code == 201
    assert {k: created.json[k] for k in ("name", "institution", "country", "kind")} == {
        "name": "ICMP",
        "institution": "ICMP",
        "country": "NL",
        "kind": "icmp",
    }
    duplicate = admin.post("/dna-databases", json=body)
    assert duplicate.status_code == 409
    listed = api("forensic").get("/dna-databases").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == created.json["id"]


def test_update_rules(world, database):
    ref = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    path = f"/dna-references/{ref['id']}"
    no_version = world.focal.patch(path, json={"sample_id": "NEW-1"})
    assert no_version.status_code == 422 and "version" in no_version.json["error"]["fields"]
    blank = world.focal.patch(path, json={"sample_id": "--", "version": 1})
    assert blank.status_code == 422 and "sample_id" in blank.json["error"]["fields"]
    ok = world.focal.patch(path, json={"sample_id": "NEW-1", "version": 1})
    assert ok.status_code == 200 and ok.json["sample_id"] == "NEW-1" and ok.json["version"] == 2
    stale = world.focal.patch(path, json={"sample_id": "NEW-2", "version": 1})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "version_conflict"
    # The index follows the new identifier.
    found = world.focal.post("/dna-references/search", json={"sample_id": "new 1"}).json
    assert [r["id"] for r in found["items"]] == [ref["id"]]
    old = world.focal.post("/dna-references/search", json={"sample_id": ref["sample_id"]}).json
    assert old["items"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"likelihood_ratio": 0}, "likelihood_ratio"),
        ({"likelihood_ratio": -3}, "likelihood_ratio"),
        ({"likelihood_ratio": "lots"}, "likelihood_ratio"),
        ({"likelihood_ratio": True}, "likelihood_ratio"),
        ({"likelihood_ratio": 1e301}, "likelihood_ratio"),
        ({"reported_date": days(3)}, "reported_date"),
        ({"lab_report_reference": ""}, "lab_report_reference"),
        ({"family_reference_id": MISSING}, "family_reference_id"),
        ({"post_mortem_reference_id": MISSING}, "post_mortem_reference_id"),
    ],
)
def test_match_report_validation(world, database, overrides, field):
    family = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    pm = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={"database_id": world.database, "sample_id": "PM-1"},
    ).json
    before = _counts(database)
    body = {
        "family_reference_id": family["id"],
        "post_mortem_reference_id": pm["id"],
        "lab_report_reference": "LAB-1",
        "likelihood_ratio": 1e9,
        "reported_date": days(0),
        **overrides,
    }
    resp = world.forensic.post("/match-reports", json=body)
    assert resp.status_code == 422 and field in resp.json["error"]["fields"], resp.json
    assert _counts(database) == before


def test_match_report_references_of_the_wrong_kind(world):
    family = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    pm = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={"database_id": world.database, "sample_id": "PM-1"},
    ).json
    swapped = world.forensic.post(
        "/match-reports",
        json={
            "family_reference_id": pm["id"],
            "post_mortem_reference_id": family["id"],
            "lab_report_reference": "LAB-1",
            "likelihood_ratio": 5,
            "reported_date": days(0),
        },
    )
    assert swapped.status_code == 422
    assert set(swapped.json["error"]["fields"]) == {
        "family_reference_id",
        "post_mortem_reference_id",
    }
