"""Every detail read and every write of a case is in the audit trail, with the categories it
touched and without personal values."""

from __future__ import annotations

from casework.audit import verify


def test_each_read_and_write_is_audited_with_categories(focal, api, make_case, audit_events):
    resp = focal.post(
        "/cases",
        json={
            "given_names": "Amina",
            "circumstances": "Left Agadez",
            "distinguishing_marks": "scar",
        },
    )
    ref = resp.json["reference"]
    [create] = audit_events(ref, "case.create")
    assert create.categories == ["identity", "circumstances", "physical_description"]
    assert create.object_type == "case" and create.object_id == ref
    assert create.actor_id == focal.user.id and create.organisation_id == focal.user.organisation_id
    assert create.decision == "allow"
    assert "given_names" in create.details["fields"]

    focal.get(f"/cases/{ref}")
    [read] = audit_events(ref, "case.read")
    assert read.categories == ["identity", "circumstances", "physical_description"]

    focal.get("/cases")  # list rows are not detail reads
    focal.get("/cases", query_string={"q": "Amina"})
    assert len(audit_events(ref, "case.read")) == 1

    focal.patch(f"/cases/{ref}", json={"version": 1, "distinguishing_marks": "two scars"})
    [update] = audit_events(ref, "case.update")
    assert update.categories == ["physical_description"]
    assert update.details == {"fields": ["distinguishing_marks"], "version": 2}

    focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "opened"})
    [status] = audit_events(ref, "case.status")
    assert status.details["from"] == "reported" and status.details["to"] == "active_search"

    focal.get(f"/cases/{ref}/timeline")
    timeline = audit_events(ref, "case.read")[-1]
    assert timeline.details == {"view": "timeline"}

    dup = make_case(focal, given_names="Amina")["reference"]
    focal.post(f"/cases/{ref}/link-duplicate", json={"duplicate_reference": dup, "note": "same"})
    assert audit_events(ref, "case.link_duplicate")[0].details["duplicate"] == dup
    assert audit_events(dup, "case.link_duplicate")[0].details["to"] == "closed"

    # A reader of another role is audited too.
    api("forensic").get(f"/cases/{ref}")
    assert audit_events(ref, "case.read")[-1].role == "forensic"


def test_refused_writes_leave_no_allow_event(focal, make_case, audit_events):
    ref = make_case(focal)["reference"]
    focal.patch(f"/cases/{ref}", json={"version": 5, "sex": "male"})
    focal.post(f"/cases/{ref}/status", json={"status": "closed", "note": "n"})
    assert [e.action for e in audit_events(ref)] == ["case.create"]


def test_the_chain_stays_intact(focal, make_case, database):
    ref = make_case(focal)["reference"]
    focal.get(f"/cases/{ref}")
    focal.patch(f"/cases/{ref}", json={"version": 1, "sex": "female"})
    with database.session() as s:
        assert verify(s).ok


def test_pages_audit_what_they_show(client, login, focal, make_case, audit_events):
    ref = make_case(focal)["reference"]
    login(focal.user)
    client.get(f"/cases/{ref}")
    client.get(f"/cases/{ref}/edit")
    views = [e.details["view"] for e in audit_events(ref, "case.read")]
    assert views == ["case", "edit"]
