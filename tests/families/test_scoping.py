"""Another organisation's relatives, consents and notifications are not found: 404 everywhere."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest


@pytest.fixture
def foreign(make_org, make_case, api, add_relative):
    """A Guatemalan organisation's case with a relative, a consent and a notification."""
    gt = make_org("GT")
    owner = api("family_liaison", gt)
    ref = make_case(gt)
    rel = add_relative(owner, ref, phone="+502 5123 4567", email="foreign@example.org")
    consent = owner.post(
        f"/relatives/{rel['id']}/consents",
        json={"purpose": "tracing", "scope": [{"kind": "any"}]},
    ).json
    notification = owner.post(
        f"/cases/{ref}/notifications",
        json={"relative_id": rel["id"], "kind": "acknowledgement", "planned_date": "2020-01-01"},
    ).json
    return {
        "ref": ref,
        "rel": rel,
        "consent": consent,
        "notification": notification,
        "owner": owner,
    }


def test_every_endpoint_answers_404_for_another_organisations_records(liaison, foreign, case_ref):
    ref, rid = foreign["ref"], foreign["rel"]["id"]
    cid, nid = foreign["consent"]["id"], foreign["notification"]["id"]
    calls = {
        "list relatives": liaison.get(f"/cases/{ref}/relatives"),
        "add relative": liaison.post(
            f"/cases/{ref}/relatives", json={"full_name": "X", "relationship": "y"}
        ),
        "get relative": liaison.get(f"/relatives/{rid}"),
        "patch relative": liaison.patch(f"/relatives/{rid}", json={"address": "x", "version": 1}),
        "erase": liaison.post(f"/relatives/{rid}/erase", json={"confirm": True}),
        "list consents": liaison.get(f"/relatives/{rid}/consents"),
        "give consent": liaison.post(
            f"/relatives/{rid}/consents", json={"purpose": "contact", "scope": [{"kind": "any"}]}
        ),
        "withdraw": liaison.post(f"/consents/{cid}/withdraw", json={"reason": "x"}),
        "list notifications": liaison.get(f"/cases/{ref}/notifications"),
        "plan": liaison.post(
            f"/cases/{ref}/notifications",
            json={"relative_id": rid, "kind": "acknowledgement", "planned_date": "2020-01-01"},
        ),
        "patch notification": liaison.patch(
            f"/notifications/{nid}", json={"outcome": "declined", "version": 1}
        ),
        "unreachable": liaison.post(
            f"/cases/{ref}/no-relative-reachable", json={"no_relative_reachable_reason": "x"}
        ),
        "unknown relative": liaison.get(f"/relatives/{uuid.uuid4()}"),
        "not a uuid": liaison.get("/relatives/123"),
    }
    got = {name: resp.status_code for name, resp in calls.items()}
    assert got == {name: 404 for name in calls}
    for resp in calls.values():
        assert resp.json["error"]["code"] == "not_found"


def test_a_notification_cannot_name_another_organisations_relative(liaison, foreign, case_ref):
    resp = liaison.post(
        f"/cases/{case_ref}/notifications",
        json={
            "relative_id": foreign["rel"]["id"],
            "kind": "acknowledgement",
            "planned_date": "2020-01-01",
        },
    )
    assert resp.status_code == 422
    assert "relative_id" in resp.json["error"]["fields"]


def test_look_up_and_worklist_never_show_another_organisations_relatives(liaison, foreign):
    assert liaison.get("/relatives?phone=%2B50251234567").json["total"] == 0
    assert liaison.get("/relatives?email=foreign@example.org").json["total"] == 0
    far = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    assert liaison.get(f"/notifications?due_before={far}").json["total"] == 0
    # The owner sees them.
    owner = foreign["owner"]
    assert owner.get("/relatives?phone=%2B50251234567").json["total"] == 1
    assert owner.get(f"/notifications?due_before={far}").json["total"] == 1
