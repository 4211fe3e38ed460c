"""Sample references of a case and their chain of custody: the order, the date rules, the
version check, and each step in the case's timeline."""

from __future__ import annotations

from tests.dna.conftest import days
from tests.dna.helpers import CANARY_RELATIONSHIP, CANARY_SAMPLE, family_body


def _family(world, **overrides):
    resp = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json=family_body(world.database, world.relative, **overrides),
    )
    assert resp.status_code == 201, resp.json
    return resp.json


def _step(world, ref, status, version, **body):
    return world.focal.post(
        f"/dna-references/{ref['id']}/custody",
        json={"status": status, "version": version, **body},
    )


def test_a_family_reference_starts_collected_with_its_first_step(world):
    ref = _family(world, collected_date=days(-10))
    assert ref["sample_kind"] == "family_reference"
    assert ref["case_reference"] == world.case
    assert ref["relative_id"] == world.relative
    assert ref["remains_id"] is None
    assert ref["sample_id"] == CANARY_SAMPLE
    assert ref["donor_relationship"] == CANARY_RELATIONSHIP
    assert ref["database_id"] == world.database
    assert ref["custody_status"] == "collected"
    assert ref["version"] == 1
    assert [(h["status"], h["date"]) for h in ref["custody_history"]] == [("collected", days(-10))]
    assert ref["custody_history"][0]["by"] == world.focal.user.email
    got = world.focal.get(f"/dna-references/{ref['id']}")
    assert got.status_code == 200 and got.json == ref


def test_custody_moves_only_to_the_next_step(world):
    ref = _family(world, collected_date=days(-10))
    skipped = _step(world, ref, "received", 1, date=days(-5))
    assert skipped.status_code == 409
    assert skipped.json["error"]["code"] == "custody_out_of_order"
    assert skipped.json["error"]["expected"] == "shipped"
    assert "shipped" in skipped.json["error"]["message"]
    again = _step(world, ref, "collected", 1)
    assert again.status_code == 409 and again.json["error"]["code"] == "custody_out_of_order"

    version = 1
    for n, status in enumerate(["shipped", "received", "profiled", "uploaded"]):
        resp = _step(world, ref, status, version, date=days(-8 + n), note=f"step {n}")
        assert resp.status_code == 200, resp.json
        assert resp.json["custody_status"] == status
        version = resp.json["version"]
        assert version == n + 2
    history = resp.json["custody_history"]
    assert [h["status"] for h in history] == [
        "collected",
        "shipped",
        "received",
        "profiled",
        "uploaded",
    ]
    assert history[1]["note"] == "step 0"
    done = _step(world, ref, "uploaded", version)
    assert done.status_code == 409 and done.json["error"]["code"] == "custody_out_of_order"
    assert done.json["error"]["expected"] is None


def test_step_dates_not_before_the_previous_one_nor_in_the_future(world):
    ref = _family(world, collected_date=days(-3))
    before = _step(world, ref, "shipped", 1, date=days(-4))
    assert before.status_code == 422 and "date" in before.json["error"]["fields"]
    future = _step(world, ref, "shipped", 1, date=days(1))
    assert future.status_code == 422 and "date" in future.json["error"]["fields"]
    # Nothing was stored by the refusals.
    assert world.focal.get(f"/dna-references/{ref['id']}").json["version"] == 1
    same_day = _step(world, ref, "shipped", 1, date=days(-3))
    assert same_day.status_code == 200
    default_today = _step(world, ref, "received", 2)
    assert default_today.status_code == 200
    assert default_today.json["custody_history"][-1]["date"] == days(0)


def test_a_collection_date_in_the_future_is_refused(world):
    resp = world.focal.post(
        f"/cases/{world.case}/dna-references",
        json=family_body(world.database, world.relative, collected_date=days(1)),
    )
    assert resp.status_code == 422 and "collected_date" in resp.json["error"]["fields"]
    assert world.focal.get(f"/cases/{world.case}/dna-references").json["total"] == 0


def test_custody_is_version_checked(world):
    ref = _family(world)
    assert _step(world, ref, "shipped", 1).status_code == 200
    stale = _step(world, ref, "received", 1)
    assert stale.status_code == 409 and stale.json["error"]["code"] == "version_conflict"
    missing = world.focal.post(f"/dna-references/{ref['id']}/custody", json={"status": "received"})
    assert missing.status_code == 422 and "version" in missing.json["error"]["fields"]
    by_header = world.focal.post(
        f"/dna-references/{ref['id']}/custody",
        json={"status": "received"},
        headers={"If-Match": '"2"'},
    )
    assert by_header.status_code == 200 and by_header.json["version"] == 3


def test_each_step_goes_into_the_case_timeline(world):
    ref = _family(world)
    _step(world, ref, "shipped", 1)
    timeline = world.focal.get(f"/cases/{world.case}/timeline").json["items"]
    custody = [e for e in timeline if e["kind"] == "dna_custody"]
    assert [e["detail"] for e in custody] == ["collected", "shipped"]


def test_post_mortem_samples_have_custody_but_no_case(world):
    resp = world.forensic.post(
        f"/remains/{world.remains}/dna-references",
        json={"database_id": world.database, "sample_id": "PM-0001"},
    )
    assert resp.status_code == 201, resp.json
    ref = resp.json
    assert ref["sample_kind"] == "post_mortem" and ref["remains_id"] == world.remains
    assert ref["case_reference"] is None and ref["relative_id"] is None
    step = world.forensic.post(
        f"/dna-references/{ref['id']}/custody", json={"status": "shipped", "version": 1}
    )
    assert step.status_code == 200 and step.json["custody_status"] == "shipped"
    listed = world.forensic.get(f"/remains/{world.remains}/dna-references").json
    assert [r["id"] for r in listed["items"]] == [ref["id"]]
