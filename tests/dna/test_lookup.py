"""The sample-id look-up: any writing of the identifier finds the reference, within the caller's
organisation only; the value never appears in the audit trail."""

from __future__ import annotations

import json

from tests.dna.helpers import (
    CANARY_SAMPLE,
    CANARY_SAMPLE_NORMALISED,
    CANARY_SAMPLE_OTHER_WRITING,
    family_body,
)


def _search(caller, sample_id, **extra):
    return caller.post("/dna-references/search", json={"sample_id": sample_id, **extra})


def test_any_writing_finds_the_sample(world):
    created = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    pm = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={"database_id": world.database, "sample_id": "pm/2026-77"},
    ).json
    for writing in (
        CANARY_SAMPLE,
        CANARY_SAMPLE_OTHER_WRITING,
        CANARY_SAMPLE_NORMALISED,
        "  sv_fr.2026:00123 / QZX ",
        "ＳＶ－ＦＲ－２０２６／００１２３ＱＺＸ",  # full-width characters fold too
    ):
        resp = _search(world.focal, writing)
        assert resp.status_code == 200, resp.json
        assert [r["id"] for r in resp.json["items"]] == [created["id"]], writing
        assert resp.json["items"][0]["sample_id"] == CANARY_SAMPLE
        assert resp.json["total"] == 1
    found = _search(world.forensic, "PM 2026 77").json["items"]
    assert [r["id"] for r in found] == [pm["id"]]
    assert _search(world.focal, "SV-FR-2026/00124-QZX").json["items"] == []


def test_the_look_up_stays_in_the_organisation(world, api, make_org, make_case, make_relative):
    other_org = make_org("GT")
    other_case = make_case(organisation=other_org)
    other_focal = api("focal_point", organisation=other_org)
    mine = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    theirs = other_focal.post(
        f"/cases/{other_case}/dna-references",
        json=family_body(world.database, make_relative(other_case, organisation=other_org)),
    ).json
    assert [r["id"] for r in _search(world.focal, CANARY_SAMPLE).json["items"]] == [mine["id"]]
    assert [r["id"] for r in _search(other_focal, CANARY_SAMPLE_OTHER_WRITING).json["items"]] == [
        theirs["id"]
    ]


def test_a_sample_id_of_separators_only_is_refused(world):
    for bad in ("", "  ", "--//..", "x" * 101):
        resp = _search(world.focal, bad)
        assert resp.status_code == 422 and "sample_id" in resp.json["error"]["fields"], bad


def test_the_look_up_is_audited_without_the_value(world, audit_events):
    created = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    _search(world.focal, CANARY_SAMPLE_OTHER_WRITING)
    (event,) = [
        e for e in audit_events("dna_reference.list") if e.details["view"] == "sample_lookup"
    ]
    assert event.details["references"] == [created["id"]]
    assert event.categories == ["dna_references"]
    dumped = json.dumps(
        [{"d": e.details, "a": e.action, "o": e.object_id} for e in audit_events()],
        ensure_ascii=False,
    )
    for canary in (CANARY_SAMPLE, CANARY_SAMPLE_NORMALISED, "sv fr 2026"):
        assert canary not in dumped
