"""The identifications API: recording (validation), four eyes, what a confirmation opens and
changes, rejection, versions."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from casework.dna.models import DnaMatchReport
from casework.remains.models import Remains
from tests.identification.helpers import (
    CANARY_BY,
    CANARY_DOC,
    CANARY_NOTES,
    CANARY_REASON,
    CANARY_REF,
    dna_body,
)


def _record(caller, body):
    resp = caller.post("/identifications", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json


def _to_deceased(caller, ref):
    return caller.post(
        f"/cases/{ref}/status", json={"status": "deceased_identified", "note": "Identified."}
    )


def _plan_identification_notice(liaison, ref):
    rel = liaison.post(
        f"/cases/{ref}/relatives",
        json={"full_name": "Dawit Tesfaye", "relationship": "brother", "phone": "+14165550199"},
    )
    assert rel.status_code == 201, rel.json
    return liaison.post(
        f"/cases/{ref}/notifications",
        json={
            "relative_id": rel.json["id"],
            "kind": "identification",
            "planned_date": "2026-02-01",
            "officer_id": str(liaison.user.id),
            "channel": "in_person",
            "support_offered": "offered",
        },
    )


# --- recording --------------------------------------------------------------------------------


def test_record_answers_201_with_the_whole_record(forensic, dna_world):
    resp = forensic.post("/identifications", json=dna_body(dna_world))
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["case_reference"] == dna_world["case"]
    assert body["remains_id"] == dna_world["remains"]
    assert body["match_report_id"] == dna_world["report"]
    assert body["method"] == "dna"
    assert body["source"] == "local"
    assert body["status"] == "recorded"
    assert body["recorded_by"] == forensic.user.email
    assert body["confirmed_by"] is None
    assert body["identified_date"] == "2026-01-15"
    assert body["notes"] == CANARY_NOTES
    assert body["version"] == 1
    assert resp.headers["ETag"] == '"1"'
    got = forensic.get(f"/identifications/{body['id']}")
    assert got.status_code == 200
    assert got.json == body


def test_recording_adds_a_timeline_entry(forensic, focal, dna_world):
    _record(forensic, dna_body(dna_world))
    timeline = focal.get(f"/cases/{dna_world['case']}/timeline").json["items"]
    kinds = [(e["kind"], e.get("detail")) for e in timeline]
    assert ("identification_recorded", "dna") in kinds


def test_dna_without_a_match_report_is_422_and_stores_nothing(
    forensic, dna_world, identification_count
):
    resp = forensic.post("/identifications", json=dna_body(dna_world, match_report_id=None))
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "invalid"
    assert "match_report_id" in resp.json["error"]["fields"]
    body = dna_body(dna_world)
    del body["match_report_id"]
    assert forensic.post("/identifications", json=body).status_code == 422
    assert identification_count() == 0


def test_dna_with_an_excluded_match_report_is_422(
    forensic, make_case, record_remains, make_report, identification_count
):
    ref = make_case(status="active_search")
    remains_id = record_remains()
    excluded = make_report(ref, remains_id, status="excluded")
    world = {"case": ref, "remains": remains_id, "report": excluded}
    resp = forensic.post("/identifications", json=dna_body(world))
    assert resp.status_code == 422
    assert "match_report_id" in resp.json["error"]["fields"]
    assert identification_count() == 0


def test_match_report_of_another_case_or_remains_or_unknown_is_422(
    forensic, dna_world, make_case, record_remains, make_report
):
    other_case = make_case(status="active_search")
    other_remains = record_remains()
    of_other_case = make_report(other_case, dna_world["remains"])
    of_other_remains = make_report(dna_world["case"], other_remains)
    for report_id in (of_other_case, of_other_remains, str(uuid.uuid4())):
        resp = forensic.post(
            "/identifications", json=dna_body(dna_world, match_report_id=report_id)
        )
        assert resp.status_code == 422, report_id
        assert "match_report_id" in resp.json["error"]["fields"]


def test_a_match_report_only_goes_with_the_dna_method(forensic, dna_world):
    resp = forensic.post("/identifications", json=dna_body(dna_world, method="dental"))
    assert resp.status_code == 422
    assert "match_report_id" in resp.json["error"]["fields"]
    ok = forensic.post(
        "/identifications", json=dna_body(dna_world, method="dental", match_report_id=None)
    )
    assert ok.status_code == 201, ok.json
    assert ok.json["match_report_id"] is None


def test_external_source_needs_who_identified_and_their_reference(
    forensic, make_case, identification_count
):
    ref = make_case(status="active_search")
    base = {"case_reference": ref, "method": "fingerprints", "source": "external"}
    resp = forensic.post("/identifications", json=base)
    assert resp.status_code == 422
    assert set(resp.json["error"]["fields"]) == {"identified_by", "external_reference"}
    resp = forensic.post("/identifications", json={**base, "identified_by": CANARY_BY})
    assert set(resp.json["error"]["fields"]) == {"external_reference"}
    resp = forensic.post("/identifications", json={**base, "identified_by": "  "})
    assert resp.status_code == 422
    assert identification_count() == 0
    ok = forensic.post(
        "/identifications",
        json={
            **base,
            "identified_by": CANARY_BY,
            "external_reference": CANARY_REF,
            "document_reference": CANARY_DOC,
        },
    )
    assert ok.status_code == 201, ok.json
    assert ok.json["source"] == "external"
    assert ok.json["identified_by"] == CANARY_BY
    assert ok.json["external_reference"] == CANARY_REF
    assert ok.json["document_reference"] == CANARY_DOC
    assert ok.json["remains_id"] is None


def test_local_source_takes_no_external_fields(forensic, make_case):
    ref = make_case(status="active_search")
    resp = forensic.post(
        "/identifications",
        json={"case_reference": ref, "method": "dental", "identified_by": CANARY_BY},
    )
    assert resp.status_code == 422
    assert "identified_by" in resp.json["error"]["fields"]


def test_bad_input_is_422_naming_the_field(forensic, make_case, identification_count):
    ref = make_case(status="active_search")
    cases = [
        ({"method": "dental"}, "case_reference"),
        ({"case_reference": ref}, "method"),
        ({"case_reference": ref, "method": "telepathy"}, "method"),
        ({"case_reference": ref, "method": "dental", "source": "rumour"}, "source"),
        ({"case_reference": ref, "method": "dental", "identified_date": "2026-02-30"}, None),
        ({"case_reference": ref, "method": "dental", "identified_date": "2999-01-01"}, None),
        ({"case_reference": ref, "method": "dental", "remains_id": "not-a-uuid"}, "remains_id"),
        ({"case_reference": ref, "method": "dental", "notes": "x" * 20_000}, "notes"),
    ]
    for body, field in cases:
        resp = forensic.post("/identifications", json=body)
        assert resp.status_code == 422, (body, resp.json)
        assert (field or "identified_date") in resp.json["error"]["fields"], body
    assert identification_count() == 0


def test_case_closed_or_located_alive_is_409(forensic, make_case):
    for status in ("closed", "located_alive"):
        ref = make_case(status=status)
        resp = forensic.post("/identifications", json={"case_reference": ref, "method": "dental"})
        assert resp.status_code == 409, status
        assert resp.json["error"]["code"] == "case_not_open"


def test_remains_not_unidentified_is_409(forensic, focal, dna_world, make_case, database):
    with database.session() as s:
        s.get(Remains, uuid.UUID(dna_world["remains"])).status = "returned_to_family"
    resp = forensic.post("/identifications", json=dna_body(dna_world))
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "remains_not_unidentified"


def test_unknown_case_or_remains_is_404(forensic, dna_world):
    resp = forensic.post(
        "/identifications", json={"case_reference": "SLV-2026-999999", "method": "dental"}
    )
    assert resp.status_code == 404
    resp = forensic.post(
        "/identifications",
        json={
            "case_reference": dna_world["case"],
            "method": "dental",
            "remains_id": str(uuid.uuid4()),
        },
    )
    assert resp.status_code == 404


# --- four eyes --------------------------------------------------------------------------------


def test_the_recorder_cannot_confirm_or_reject(forensic, dna_world):
    ident = _record(forensic, dna_body(dna_world))
    resp = forensic.post(f"/identifications/{ident['id']}/confirm", json={})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "four_eyes_required"
    resp = forensic.post(f"/identifications/{ident['id']}/reject", json={"reason": "no"})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "four_eyes_required"
    assert forensic.get(f"/identifications/{ident['id']}").json["status"] == "recorded"


def test_another_user_confirms(forensic, focal, dna_world):
    ident = _record(forensic, dna_body(dna_world))
    resp = focal.post(f"/identifications/{ident['id']}/confirm", json={})
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "confirmed"
    assert resp.json["confirmed_by"] == focal.user.email
    assert resp.json["recorded_by"] == forensic.user.email
    assert resp.json["decided_at"]
    assert resp.json["version"] == 2


def test_confirm_without_a_body_works_too(forensic, focal, dna_world, client):
    ident = _record(forensic, dna_body(dna_world))
    resp = client.post(
        f"/api/v1/identifications/{ident['id']}/confirm",
        headers={"Authorization": f"Bearer {focal.token}"},
    )
    assert resp.status_code == 200, resp.json


def test_only_recorded_identifications_can_be_decided(forensic, focal, api, dna_world):
    ident = _record(forensic, dna_body(dna_world))
    assert focal.post(f"/identifications/{ident['id']}/confirm", json={}).status_code == 200
    third = api("forensic")
    for path, body in (("confirm", {}), ("reject", {"reason": "late"})):
        resp = third.post(f"/identifications/{ident['id']}/{path}", json=body)
        assert resp.status_code == 409
        assert resp.json["error"]["code"] == "already_decided"


def test_a_stale_version_is_409(forensic, focal, dna_world):
    ident = _record(forensic, dna_body(dna_world))
    resp = focal.post(f"/identifications/{ident['id']}/confirm", json={"version": 7})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "version_conflict"
    resp = focal.post(
        f"/identifications/{ident['id']}/confirm", json={}, headers={"If-Match": '"1"'}
    )
    assert resp.status_code == 200


# --- what confirming does ---------------------------------------------------------------------


def test_confirmation_opens_deceased_identified_and_the_notification(
    forensic, focal, api, dna_world
):
    liaison = api("family_liaison")
    ref = dna_world["case"]
    refused = _to_deceased(focal, ref)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "identification_required"
    notice = _plan_identification_notice(liaison, ref)
    assert notice.status_code == 409
    assert notice.json["error"]["code"] == "identification_required"

    ident = _record(forensic, dna_body(dna_world))
    # Recorded is not enough.
    assert _to_deceased(focal, ref).status_code == 409
    assert focal.post(f"/identifications/{ident['id']}/confirm", json={}).status_code == 200

    moved = _to_deceased(focal, ref)
    assert moved.status_code == 200, moved.json
    assert moved.json["status"] == "deceased_identified"
    notice = _plan_identification_notice(liaison, ref)
    assert notice.status_code == 201, notice.json


def test_confirmation_marks_remains_identified_and_confirms_the_report(
    forensic, focal, dna_world, database
):
    ident = _record(forensic, dna_body(dna_world))
    assert focal.post(f"/identifications/{ident['id']}/confirm", json={}).status_code == 200
    remains = forensic.get(f"/remains/{dna_world['remains']}").json
    assert remains["status"] == "identified"
    with database.session() as s:
        row = s.get(Remains, uuid.UUID(dna_world["remains"]))
        assert row.identified_case_id is not None
        from casework.cases.models import Case

        case = s.scalar(select(Case).where(Case.reference == dna_world["case"]))
        assert row.identified_case_id == case.id
        report = s.get(DnaMatchReport, uuid.UUID(dna_world["report"]))
        assert report.status.value == "confirmed"
        assert report.reviewed_by == focal.user.id
    timeline = focal.get(f"/cases/{dna_world['case']}/timeline").json["items"]
    assert ("identification_confirmed", "dna") in [(e["kind"], e.get("detail")) for e in timeline]


def test_a_report_excluded_after_recording_blocks_confirmation(
    forensic, focal, dna_world, database
):
    ident = _record(forensic, dna_body(dna_world))
    with database.session() as s:
        s.get(DnaMatchReport, uuid.UUID(dna_world["report"])).status = "excluded"
    resp = focal.post(f"/identifications/{ident['id']}/confirm", json={})
    assert resp.status_code == 409
    got = forensic.get(f"/identifications/{ident['id']}").json
    assert got["status"] == "recorded"
    assert forensic.get(f"/remains/{dna_world['remains']}").json["status"] == "unidentified"


def test_a_failed_confirmation_writes_nothing(forensic, focal, dna_world, database):
    """The remains were identified as someone else meanwhile: the whole confirmation is
    refused, the match report stays reported."""
    ident = _record(forensic, dna_body(dna_world))
    with database.session() as s:
        s.get(Remains, uuid.UUID(dna_world["remains"])).status = "identified"
    resp = focal.post(f"/identifications/{ident['id']}/confirm", json={})
    assert resp.status_code == 409
    assert forensic.get(f"/identifications/{ident['id']}").json["status"] == "recorded"
    with database.session() as s:
        assert s.get(DnaMatchReport, uuid.UUID(dna_world["report"])).status.value == "reported"
    assert _to_deceased(focal, dna_world["case"]).status_code == 409


# --- rejection --------------------------------------------------------------------------------


def test_rejection_records_the_reason_and_opens_nothing(forensic, focal, api, dna_world):
    liaison = api("family_liaison")
    ident = _record(forensic, dna_body(dna_world))
    resp = focal.post(f"/identifications/{ident['id']}/reject", json={"reason": CANARY_REASON})
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "rejected"
    assert resp.json["rejection_reason"] == CANARY_REASON
    assert resp.json["confirmed_by"] is None
    assert resp.json["decided_by"] == focal.user.email
    assert _to_deceased(focal, dna_world["case"]).status_code == 409
    assert _plan_identification_notice(liaison, dna_world["case"]).status_code == 409
    assert forensic.get(f"/remains/{dna_world['remains']}").json["status"] == "unidentified"
    timeline = focal.get(f"/cases/{dna_world['case']}/timeline").json["items"]
    assert ("identification_rejected", "dna") in [(e["kind"], e.get("detail")) for e in timeline]


def test_rejection_needs_a_reason(forensic, focal, dna_world):
    ident = _record(forensic, dna_body(dna_world))
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        resp = focal.post(f"/identifications/{ident['id']}/reject", json=body)
        assert resp.status_code == 422, body
        assert "reason" in resp.json["error"]["fields"]
    assert forensic.get(f"/identifications/{ident['id']}").json["status"] == "recorded"


def test_after_a_rejection_a_new_identification_can_be_confirmed(forensic, focal, dna_world):
    first = _record(forensic, dna_body(dna_world))
    focal.post(f"/identifications/{first['id']}/reject", json={"reason": "wrong"})
    second = _record(forensic, dna_body(dna_world))
    assert focal.post(f"/identifications/{second['id']}/confirm", json={}).status_code == 200
    assert _to_deceased(focal, dna_world["case"]).status_code == 200


# --- lists ------------------------------------------------------------------------------------


def test_list_filters_by_case_and_status(forensic, focal, dna_world, make_case):
    other = make_case(status="active_search")
    a = _record(forensic, dna_body(dna_world))
    b = _record(forensic, {"case_reference": other, "method": "dental"})
    focal.post(f"/identifications/{a['id']}/confirm", json={})
    everything = forensic.get("/identifications").json
    assert everything["total"] == 2
    assert {i["id"] for i in everything["items"]} == {a["id"], b["id"]}
    assert set(everything) == {"items", "page", "per_page", "total"}
    by_case = forensic.get(f"/identifications?case={other}").json
    assert [i["id"] for i in by_case["items"]] == [b["id"]]
    confirmed = forensic.get("/identifications?status=confirmed").json
    assert [i["id"] for i in confirmed["items"]] == [a["id"]]
    assert forensic.get("/identifications?status=bogus").status_code == 422
    assert forensic.get("/identifications?case=nonsense").json["total"] == 0
