"""No sample identifier, donor relationship, lab report reference, custody note or exclusion
reason is stored, audited or echoed in clear; erasing the donor erases their reference; every
read and write is audited with categories only."""

from __future__ import annotations

import json

from casework.audit import verify
from tests.dna.conftest import days
from tests.dna.helpers import (
    CANARY_LAB_REPORT,
    CANARY_NOTE,
    CANARY_REASON,
    CANARY_RELATIONSHIP,
    CANARY_SAMPLE,
    CANARY_SAMPLE_NORMALISED,
    family_body,
)
from tests.helpers import raw_database_dump

CANARIES = [
    CANARY_SAMPLE,
    CANARY_SAMPLE_NORMALISED,
    "00123-QZX",
    CANARY_RELATIONSHIP,
    CANARY_LAB_REPORT,
    CANARY_NOTE,
    "Quetzalcanary",
    CANARY_REASON,
    "mislabelled tube",
]


def _journey(world) -> dict:
    """Every write and read the DNA API offers, with canary values."""
    family = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json=family_body(world.database, world.relative, note=CANARY_NOTE),
    ).json
    world.focal.post(
        f"/dna-references/{family['id']}/custody",
        json={"status": "shipped", "note": CANARY_NOTE + " 2", "version": 1},
    )
    world.focal.patch(
        f"/dna-references/{family['id']}",
        json={"donor_relationship": CANARY_RELATIONSHIP + " B", "version": 2},
    )
    pm = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={
            "database_id": world.database,
            "sample_id": CANARY_SAMPLE + "-PM",
            "note": CANARY_NOTE,
        },
    ).json
    report = world.forensic.post(
        "/match-reports",
        json={
            "family_reference_id": family["id"],
            "post_mortem_reference_id": pm["id"],
            "lab_report_reference": CANARY_LAB_REPORT,
            "likelihood_ratio": 3.4e10,
            "reported_date": days(0),
        },
    ).json
    world.forensic.post(f"/match-reports/{report['id']}/exclude", json={"reason": CANARY_REASON})
    world.focal.get(f"/dna-references/{family['id']}")
    world.focal.get(f"/cases/{world.case}/dna-references")
    world.forensic.get(f"/remains/{world.remains}/dna-references")
    world.focal.post("/dna-references/search", json={"sample_id": CANARY_SAMPLE})
    world.forensic.get(f"/match-reports/{report['id']}")
    world.forensic.get("/match-reports")
    return {"family": family, "pm": pm, "report": report}


def test_the_raw_database_holds_no_canary_in_clear(world, database):
    made = _journey(world)
    got = world.forensic.get(f"/match-reports/{made['report']['id']}").json
    assert got["lab_report_reference"] == CANARY_LAB_REPORT
    assert got["exclusion_reason"] == CANARY_REASON
    raw = raw_database_dump(database)
    for canary in CANARIES:
        assert canary.encode() not in raw, canary
        assert canary.lower().encode() not in raw.lower(), canary


def test_audit_events_name_records_and_categories_never_values(world, audit_events, database):
    made = _journey(world)
    events = audit_events()
    actions = [e.action for e in events]
    for action in (
        "dna_reference.create",
        "dna_reference.custody",
        "dna_reference.update",
        "dna_reference.read",
        "dna_reference.list",
        "match_report.create",
        "match_report.exclude",
        "match_report.read",
        "match_report.list",
    ):
        assert action in actions, action
    (create,) = [
        e for e in audit_events("dna_reference.create") if e.object_id == made["family"]["id"]
    ]
    assert create.case_reference == world.case
    assert create.categories == ["dna_references"]
    assert create.details["kind"] == "family_reference"
    (read,) = [e for e in audit_events("dna_reference.read") if e.details.get("view") == "dna_ref"]
    assert read.object_id == made["family"]["id"] and read.categories == ["dna_references"]
    dumped = json.dumps(
        [{"d": e.details, "a": e.action, "o": e.object_id, "c": e.case_reference} for e in events],
        ensure_ascii=False,
    )
    for canary in CANARIES:
        assert canary not in dumped, canary
    with database.session() as s:
        assert verify(s).ok


def test_errors_never_echo_the_sample_id(world):
    resp = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json=family_body(world.database, world.relative, sample_id="Z" * 100 + CANARY_SAMPLE),
    )
    assert resp.status_code == 422
    assert CANARY_SAMPLE not in resp.get_data(as_text=True)


def test_erasing_the_donor_erases_their_family_reference(world, api):
    made = _journey(world)
    effect = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json={
            "database_id": world.database,
            "sample_id": "EFFECT-1",
            "sample_kind": "personal_effect",
        },
    ).json
    erased = world.focal.post(f"/relatives/{world.relative}/erase", json={"confirm": True})
    assert erased.status_code == 200, erased.json
    ref = world.focal.get(f"/dna-references/{made['family']['id']}").json
    assert ref["sample_id"] is None and ref["donor_relationship"] is None
    assert [h["note"] for h in ref["custody_history"]] == [None, None]
    # The non-personal facts stay; the look-up no longer finds it; custody cannot move on.
    assert ref["custody_status"] == "shipped"
    found = world.focal.post("/dna-references/search", json={"sample_id": CANARY_SAMPLE}).json
    assert found["items"] == []
    step = world.focal.post(
        f"/dna-references/{ref['id']}/custody", json={"status": "received", "version": 3}
    )
    assert step.status_code == 409
    # The personal effect (the case's key) and the match report (the case's key) are intact.
    assert world.focal.get(f"/dna-references/{effect['id']}").json["sample_id"] == "EFFECT-1"
    report = world.forensic.get(f"/match-reports/{made['report']['id']}").json
    assert report["lab_report_reference"] == CANARY_LAB_REPORT
    # The case page lists the reference as erased, without a next step.
    listed = world.focal.get(f"/cases/{world.case}/dna-references").json["items"]
    assert {r["id"]: r["sample_id"] for r in listed} == {ref["id"]: None, effect["id"]: "EFFECT-1"}
