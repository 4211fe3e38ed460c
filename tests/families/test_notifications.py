"""Notifications to families: planning, recording, versions, the identification rules, the
case-closing rule, and the liaison worklist."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.families.helpers import CANARY_NOTES

TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


@pytest.fixture
def mother(liaison, case_ref, add_relative):
    return add_relative(liaison, case_ref)


def plan(caller, reference, relative_id, **body):
    body = {"relative_id": relative_id, "kind": "progress_update", "planned_date": days(3)} | body
    return caller.post(f"/cases/{reference}/notifications", json=body)


CONTRACT = {
    "id",
    "relative_id",
    "kind",
    "planned_date",
    "delivered_date",
    "channel",
    "language",
    "outcome",
    "support_offered",
    "follow_up_due",
    "notes",
}


def test_plan_answers_201_with_the_whole_record(liaison, case_ref, mother):
    resp = plan(liaison, case_ref, mother["id"], channel="phone", language="es", notes=CANARY_NOTES)
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert set(body) >= CONTRACT
    assert body["relative_id"] == mother["id"]
    assert body["kind"] == "progress_update"
    assert body["planned_date"] == days(3)
    assert body["notes"] == CANARY_NOTES
    assert body["outcome"] is None and body["delivered_date"] is None
    assert body["version"] == 1
    listing = liaison.get(f"/cases/{case_ref}/notifications")
    assert listing.json["total"] == 1 and listing.json["items"][0]["id"] == body["id"]


def test_record_delivery_with_versions(liaison, case_ref, mother):
    n = plan(liaison, case_ref, mother["id"]).json
    path = f"/notifications/{n['id']}"
    resp = liaison.patch(
        path,
        json={
            "delivered_date": days(0),
            "outcome": "delivered",
            "channel": "in_person",
            "support_offered": "offered",
            "follow_up_due": days(10),
            "version": 1,
        },
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["outcome"] == "delivered" and resp.json["version"] == 2
    stale = liaison.patch(path, json={"notes": "late", "version": 1})
    assert stale.status_code == 409
    missing = liaison.patch(path, json={"notes": "no version"})
    assert missing.status_code == 422 and "version" in missing.json["error"]["fields"]
    header = liaison.patch(path, json={"follow_up_completed": True}, headers={"If-Match": '"2"'})
    assert header.status_code == 200, header.json
    assert header.json["follow_up_completed"] is True


def test_a_delivery_date_alone_means_delivered(liaison, case_ref, mother):
    n = plan(liaison, case_ref, mother["id"], planned_date=days(-1)).json
    resp = liaison.patch(
        f"/notifications/{n['id']}", json={"delivered_date": days(0), "version": 1}
    )
    assert resp.json["outcome"] == "delivered"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"outcome": "delivered"}, "delivered_date"),
        ({"outcome": "not_reached", "delivered_date": days(0)}, "delivered_date"),
        ({"delivered_date": days(5)}, "delivered_date"),
        ({"follow_up_due": days(-30)}, "follow_up_due"),
        ({"outcome": "lost"}, "outcome"),
        ({"channel": "pigeon"}, "channel"),
        ({"support_offered": "maybe"}, "support_offered"),
        ({"language": "xx-nonsense-tag-"}, "language"),
        ({"planned_date": "2026-02-30"}, "planned_date"),
        ({"follow_up_completed": "yes"}, "follow_up_completed"),
        ({"kind": "identification"}, "kind"),
        ({"officer_id": "00000000-0000-0000-0000-000000000000"}, "officer_id"),
        ({"notes": "x" * 1_000_000}, "notes"),
    ],
)
def test_bad_updates_are_422_naming_the_field(liaison, case_ref, mother, body, field):
    n = plan(liaison, case_ref, mother["id"]).json
    resp = liaison.patch(f"/notifications/{n['id']}", json=body | {"version": 1})
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]
    after = liaison.get(f"/cases/{case_ref}/notifications").json["items"][0]
    assert after["version"] == 1 and after["outcome"] is None


def test_only_family_liaison_manages_notifications(api, case_ref, mother):
    focal = api("focal_point")
    assert plan(focal, case_ref, mother["id"]).status_code == 403
    assert focal.get(f"/cases/{case_ref}/notifications").status_code == 200
    assert focal.get("/notifications").status_code == 403


# --- identification notifications -----------------------------------------------------------


def identification(caller, reference, relative_id, **body):
    body = {
        "kind": "identification",
        "channel": "in_person",
        "officer_id": str(caller.user.id),
        "support_offered": "referred",
    } | body
    return plan(caller, reference, relative_id, **body)


def test_identification_needs_a_confirmed_identification(liaison, make_case, add_relative):
    ref = make_case(status="deceased_identified")
    rel = add_relative(liaison, ref)
    resp = identification(liaison, ref, rel["id"])
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "identification_required"
    assert liaison.get(f"/cases/{ref}/notifications").json["total"] == 0


@pytest.mark.usefixtures("identification_confirmed")
def test_identification_needs_officer_channel_and_support(liaison, make_case, add_relative):
    ref = make_case(status="deceased_identified")
    rel = add_relative(liaison, ref)
    resp = identification(
        liaison, ref, rel["id"], officer_id=None, channel=None, support_offered="none"
    )
    assert resp.status_code == 422
    assert {"officer_id", "channel", "support_offered"} <= set(resp.json["error"]["fields"])
    ok = identification(liaison, ref, rel["id"])
    assert ok.status_code == 201, ok.json
    cleared = liaison.patch(f"/notifications/{ok.json['id']}", json={"channel": None, "version": 1})
    assert cleared.status_code == 422 and "channel" in cleared.json["error"]["fields"]


@pytest.mark.usefixtures("identification_confirmed")
def test_the_officer_must_belong_to_the_organisation(
    liaison, make_case, add_relative, make_org, make_user
):
    ref = make_case(status="deceased_identified")
    rel = add_relative(liaison, ref)
    stranger = make_user("family_liaison", make_org("GT"))
    resp = identification(liaison, ref, rel["id"], officer_id=str(stranger.id))
    assert resp.status_code == 422 and "officer_id" in resp.json["error"]["fields"]


# --- the closing rule -----------------------------------------------------------------------


def close(caller, reference):
    return caller.post(
        f"/cases/{reference}/status",
        json={"status": "closed", "closure_reason": "identified", "note": "Remains returned."},
    )


@pytest.mark.usefixtures("identification_confirmed")
def test_a_deceased_identified_case_closes_only_after_a_delivered_notification(
    api, liaison, make_case, add_relative
):
    focal = api("focal_point")
    ref = make_case(status="deceased_identified")
    rel = add_relative(liaison, ref)
    refused = close(focal, ref)
    assert refused.status_code == 409, refused.json
    assert "status" in refused.json["error"]["fields"]
    n = identification(liaison, ref, rel["id"], planned_date=days(-1)).json
    assert close(focal, ref).status_code == 409  # planned is not delivered
    liaison.patch(f"/notifications/{n['id']}", json={"outcome": "not_reached", "version": 1})
    assert close(focal, ref).status_code == 409  # attempted is not delivered
    liaison.patch(
        f"/notifications/{n['id']}",
        json={"outcome": "delivered", "delivered_date": days(0), "version": 2},
    )
    done = close(focal, ref)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "closed"


def test_or_with_a_documented_reason_that_nobody_could_be_reached(
    api, liaison, make_case, audit_events
):
    focal = api("focal_point")
    ref = make_case(status="deceased_identified")
    assert close(focal, ref).status_code == 409
    empty = liaison.post(f"/cases/{ref}/no-relative-reachable", json={})
    assert empty.status_code == 422
    assert "no_relative_reachable_reason" in empty.json["error"]["fields"]
    resp = liaison.post(
        f"/cases/{ref}/no-relative-reachable",
        json={"no_relative_reachable_reason": "No known relatives; consulate searched 6 months."},
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["case_reference"] == ref
    assert close(focal, ref).status_code == 200
    (event,) = audit_events("notification.unreachable")
    assert event.case_reference == ref


def test_other_closures_are_not_affected(api, make_case):
    focal = api("focal_point")
    ref = make_case(status="located_alive")
    resp = focal.post(
        f"/cases/{ref}/status",
        json={"status": "closed", "closure_reason": "located", "note": "Found alive."},
    )
    assert resp.status_code == 200, resp.json


# --- worklist -------------------------------------------------------------------------------


def test_worklist_order_and_scope(liaison, make_case, add_relative, make_org, api):
    ref = make_case()
    rel = add_relative(liaison, ref)
    overdue = plan(liaison, ref, rel["id"], planned_date=days(-5)).json
    due_today = plan(liaison, ref, rel["id"], planned_date=days(0)).json
    later = plan(liaison, ref, rel["id"], planned_date=days(20)).json
    delivered = plan(liaison, ref, rel["id"], planned_date=days(-9)).json
    liaison.patch(
        f"/notifications/{delivered['id']}",
        json={"delivered_date": days(-8), "follow_up_due": days(-2), "version": 1},
    )
    closed_out = plan(liaison, ref, rel["id"], planned_date=days(-7)).json
    liaison.patch(
        f"/notifications/{closed_out['id']}",
        json={
            "delivered_date": days(-7),
            "follow_up_due": days(-3),
            "follow_up_completed": True,
            "version": 1,
        },
    )
    declined = plan(liaison, ref, rel["id"], planned_date=days(-4)).json
    liaison.patch(f"/notifications/{declined['id']}", json={"outcome": "declined", "version": 1})
    rescheduled = plan(liaison, ref, rel["id"], planned_date=days(-6)).json
    liaison.patch(
        f"/notifications/{rescheduled['id']}",
        json={"outcome": "rescheduled", "planned_date": days(-1), "version": 1},
    )
    # Another organisation's overdue notification never shows.
    gt = make_org("GT")
    other = api("family_liaison", gt)
    other_ref = make_case(gt)
    other_rel = add_relative(other, other_ref)
    plan(other, other_ref, other_rel["id"], planned_date=days(-30))

    resp = liaison.get(f"/notifications?due_before={days(0)}")
    assert resp.status_code == 200, resp.json
    items = resp.json["items"]
    assert [i["id"] for i in items] == [
        overdue["id"],
        delivered["id"],
        rescheduled["id"],
        due_today["id"],
    ]
    assert [i["due_date"] for i in items] == [days(-5), days(-2), days(-1), days(0)]
    assert [i["due_reason"] for i in items] == ["delivery", "follow_up", "delivery", "delivery"]
    assert [i["is_overdue"] for i in items] == [True, True, True, False]
    assert all("notes" not in i for i in items)
    assert resp.json["total"] == 4
    # Default: due by today; a later date includes later ones; pages.
    assert liaison.get("/notifications").json["total"] == 4
    assert liaison.get(f"/notifications?due_before={days(30)}").json["total"] == 5
    assert later["id"] in [
        i["id"] for i in liaison.get(f"/notifications?due_before={days(30)}").json["items"]
    ]
    page2 = liaison.get(f"/notifications?due_before={days(0)}&per_page=3&page=2").json
    assert [i["id"] for i in page2["items"]] == [due_today["id"]]
    assert (page2["page"], page2["per_page"], page2["total"]) == (2, 3, 4)


@pytest.mark.parametrize(
    "query", ["due_before=tomorrow", "due_before=2026-13-01", "page=0", "per_page=1000"]
)
def test_bad_worklist_queries_are_422(liaison, query):
    resp = liaison.get("/notifications?" + query)
    assert resp.status_code == 422
    assert resp.json["error"]["fields"]


@pytest.mark.usefixtures("identification_confirmed")
def test_the_officer_must_be_a_liaison_officer_or_focal_point(
    liaison, make_case, add_relative, make_user
):
    ref = make_case(status="deceased_identified")
    rel = add_relative(liaison, ref)
    auditor = make_user("auditor")
    resp = identification(liaison, ref, rel["id"], officer_id=str(auditor.id))
    assert resp.status_code == 422 and "officer_id" in resp.json["error"]["fields"]
    focal = make_user("focal_point")
    assert identification(liaison, ref, rel["id"], officer_id=str(focal.id)).status_code == 201


def test_one_notification_can_be_read_and_the_read_is_audited(
    api, make_org, liaison, case_ref, mother, audit_events
):
    # The README lists GET /notifications/<id>; it answered 405.
    n = plan(liaison, case_ref, mother["id"], notes=CANARY_NOTES).json
    resp = liaison.get(f"/notifications/{n['id']}")
    assert resp.status_code == 200, resp.json
    assert resp.json["id"] == n["id"] and resp.json["notes"] == CANARY_NOTES
    assert resp.headers["ETag"] == '"1"'
    [read] = [
        e
        for e in audit_events("relative.read", case_ref)
        if e.details.get("view") == "notification"
    ]
    assert read.categories == ["notifications"]
    # Another organisation's liaison: 404; a role without notifications: 403.
    other = api("family_liaison", make_org("GT"))
    assert other.get(f"/notifications/{n['id']}").status_code == 404
    assert api("forensic").get(f"/notifications/{n['id']}").status_code == 403
    assert liaison.get("/notifications/not-a-uuid").status_code == 404
