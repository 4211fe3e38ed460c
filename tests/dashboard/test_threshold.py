"""The suppression threshold comes from the settings (here 3 instead of the default 5), and the
notifications due are counted as the worklist counts them."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dashboard.conftest import today
from tests.families.helpers import relative_body

PATH = "/dashboard/statistics"


@pytest.fixture
def settings(settings):
    return settings.with_(statistics_min_cell=3)


def test_the_threshold_is_configurable(world, client, login):
    body = world.focal.get(PATH).json
    assert body["threshold"] == 3
    counts = body["counts"]
    # With 5, closed (3) and located alive (5) were null; with 3 neither is small.
    assert counts["status"] == {
        "reported": 21,
        "active_search": 11,
        "located_alive": 5,
        "deceased_identified": 0,
        "closed": 3,
    }
    # ES (1) and IT (2) are small; together they reach 3, so Libya (6) is published now.
    assert counts["last_seen_country"] == {
        "ES": None,
        "GT": 10,
        "IT": None,
        "LY": 6,
        "MX": 14,
        "unknown": 7,
    }
    login(world.focal.user)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "A count under 3 is not shown" in html and "under 5" not in html
    assert "not shown</td>" in html


def _day(offset: int) -> str:
    return (today() + dt.timedelta(days=offset)).isoformat()


def test_notifications_due_overdue_today_and_next_seven_days(api):
    focal, liaison = api("focal_point"), api("family_liaison")
    reference = focal.post("/cases", json={"given_names": "Ana"}).json["reference"]
    mother = liaison.post(f"/cases/{reference}/relatives", json=relative_body()).json
    brother = liaison.post(
        f"/cases/{reference}/relatives",
        json=relative_body(full_name="Pedro", relationship="brother", is_reporting_person=False),
    ).json

    def plan(relative, planned: int, **extra):
        body = {
            "relative_id": relative["id"],
            "kind": "progress_update",
            "planned_date": _day(planned),
        } | extra
        resp = liaison.post(f"/cases/{reference}/notifications", json=body)
        assert resp.status_code == 201, resp.json

    for offset in (-1, -5, -30):  # overdue: 3
        plan(mother, offset)
    for _ in range(2):  # due today: 2 planned ...
        plan(mother, 0)
    # ... and 1 given, whose follow-up is due today and still open.
    plan(
        mother,
        -10,
        outcome="delivered",
        delivered_date=_day(0),
        channel="phone",
        follow_up_due=_day(0),
    )
    for offset in (1, 3, 7, 7):  # within the next seven days: 4
        plan(mother, offset)
    plan(mother, 8)  # later: not counted
    # Given, no follow-up: nothing is due.
    plan(mother, -2, outcome="delivered", delivered_date=_day(0), channel="phone")
    # An erased relative's overdue notification: nobody can be contacted any more.
    plan(brother, -3)
    erased = liaison.post(
        f"/relatives/{brother['id']}/erase", json={"confirm": True, "note": "Asked to."}
    )
    assert erased.status_code == 200, erased.json

    body = focal.get(PATH).json
    assert body["as_of"] == today().isoformat()
    assert body["counts"]["notifications_due"] == {"overdue": 3, "today": 3, "next_7_days": 4}
    # The worklist (the liaison officer's view of the same thing) agrees.
    listed = liaison.get(f"/notifications?due_before={_day(7)}&per_page=100").json
    assert listed["total"] == 10
