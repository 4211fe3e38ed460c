"""Match reports: recorded by forensic staff between a family reference and a post-mortem
sample, listed with filters, excluded with a reason, confirmed by the identification domain
(confirm_match_report)."""

from __future__ import annotations

import pytest

from casework.access import Access
from casework.auth.models import User
from casework.auth.policy import Actor
from casework.dna import operations, queries
from casework.errors import Conflict, NotFound
from tests.dna.conftest import days
from tests.dna.helpers import CANARY_LAB_REPORT, family_body


@pytest.fixture
def pair(world):
    family = world.focal.post(
        f"/cases/{world.case}/dna-references", json=family_body(world.database, world.relative)
    ).json
    pm = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={"database_id": world.database, "sample_id": "PM-1"},
    ).json
    return family, pm


def _report(world, pair, **overrides):
    family, pm = pair
    body = {
        "family_reference_id": family["id"],
        "post_mortem_reference_id": pm["id"],
        "lab_report_reference": CANARY_LAB_REPORT,
        "likelihood_ratio": 2.3e11,
        "reported_date": days(-1),
        **overrides,
    }
    resp = world.forensic.post("/match-reports", json=body)
    assert resp.status_code == 201, resp.json
    return resp.json


def test_a_match_report_is_recorded_with_its_derived_case_and_remains(world, pair):
    family, pm = pair
    report = _report(world, pair)
    assert report["case_reference"] == world.case
    assert report["remains_id"] == world.remains
    assert report["family_reference_id"] == family["id"]
    assert report["post_mortem_reference_id"] == pm["id"]
    assert report["lab_report_reference"] == CANARY_LAB_REPORT
    assert report["likelihood_ratio"] == 2.3e11
    assert report["reported_date"] == days(-1)
    assert report["status"] == "reported"
    assert report["version"] == 1
    assert world.focal.get(f"/match-reports/{report['id']}").json == report


def test_match_reports_are_listed_with_filters(world, pair, make_case, make_relative):
    first = _report(world, pair)
    second = _report(world, pair, lab_report_reference="LAB-2")
    world.forensic.post(f"/match-reports/{second['id']}/exclude", json={"reason": "contamination"})
    listed = world.focal.get("/match-reports").json
    assert [r["id"] for r in listed["items"]] == [second["id"], first["id"]]  # newest first
    assert listed["total"] == 2 and listed["page"] == 1
    by_status = world.focal.get("/match-reports?status=reported").json["items"]
    assert [r["id"] for r in by_status] == [first["id"]]
    by_case = world.focal.get(f"/match-reports?case={world.case.lower()}").json["items"]
    assert {r["id"] for r in by_case} == {first["id"], second["id"]}
    assert world.focal.get("/match-reports?case=SLV-2026-999999").json["total"] == 0
    by_remains = world.focal.get(f"/match-reports?remains_id={world.remains}").json
    assert by_remains["total"] == 2
    bad = world.focal.get("/match-reports?status=maybe")
    assert bad.status_code == 422 and "status" in bad.json["error"]["fields"]


def test_excluding_a_report(world, pair):
    report = _report(world, pair)
    path = f"/match-reports/{report['id']}/exclude"
    blank = world.forensic.post(path, json={"reason": "  "})
    assert blank.status_code == 422 and "reason" in blank.json["error"]["fields"]
    stale = world.forensic.post(path, json={"reason": "mislabelled", "version": 7})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "version_conflict"
    focal = world.focal.post(path, json={"reason": "mislabelled"})
    assert focal.status_code == 403
    done = world.forensic.post(path, json={"reason": "mislabelled", "version": 1})
    assert done.status_code == 200
    assert done.json["status"] == "excluded" and done.json["exclusion_reason"] == "mislabelled"
    assert done.json["version"] == 2 and done.json["reviewed_at"] is not None
    again = world.forensic.post(path, json={"reason": "again"})
    assert again.status_code == 409 and again.json["error"]["code"] == "match_report_closed"


def _confirm(database, world, report_id, user=None):
    with database.session() as s:
        actor = Actor.for_user(s.get(User, (user or world.forensic.user).id))
        report = queries.owned_match_report_or_404(Access(s, actor), report_id, for_update=True)
        operations.confirm_match_report(s, actor, report)


def test_confirm_match_report(world, pair, database, audit_events):
    report = _report(world, pair)
    _confirm(database, world, report["id"], world.focal.user)
    got = world.forensic.get(f"/match-reports/{report['id']}").json
    assert got["status"] == "confirmed" and got["version"] == 2
    assert got["reviewed_at"] is not None
    (event,) = audit_events("match_report.confirm")
    assert event.object_id == report["id"] and event.case_reference == world.case
    assert event.actor_id == world.focal.user.id
    assert event.categories == ["dna_references"]
    # Confirming again changes nothing; a confirmed report cannot be excluded.
    _confirm(database, world, report["id"])
    assert world.forensic.get(f"/match-reports/{report['id']}").json["version"] == 2
    assert len(audit_events("match_report.confirm")) == 1
    refused = world.forensic.post(
        f"/match-reports/{report['id']}/exclude", json={"reason": "too late"}
    )
    assert refused.status_code == 409


def test_an_excluded_report_cannot_be_confirmed(world, pair, database):
    report = _report(world, pair)
    world.forensic.post(f"/match-reports/{report['id']}/exclude", json={"reason": "no"})
    with pytest.raises(Conflict) as refused:
        _confirm(database, world, report["id"])
    assert refused.value.status == 409
    assert world.forensic.get(f"/match-reports/{report['id']}").json["status"] == "excluded"


def test_owned_match_report_or_404_is_the_organisations_only(
    world, pair, database, make_org, make_user
):
    report = _report(world, pair)
    stranger = make_user("forensic", make_org("GT"))
    with pytest.raises(NotFound):
        _confirm(database, world, report["id"], stranger)
    with database.session() as s:
        actor = Actor.for_user(s.get(User, world.forensic.user.id))
        with pytest.raises(NotFound):
            queries.owned_match_report_or_404(Access(s, actor), "not-a-uuid")
    assert world.forensic.get(f"/match-reports/{report['id']}").json["status"] == "reported"
