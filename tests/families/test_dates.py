"""Dates of the family records take the same days as the case dates, with the same messages
(issue 12 review): an impossible day is "There is no such day." everywhere, nothing before 1900,
and plans and follow-ups not centuries ahead."""

from __future__ import annotations

import pytest


@pytest.fixture
def mother(liaison, case_ref, add_relative):
    return add_relative(liaison, case_ref)


def _plan(liaison, case_ref, mother, **body):
    body = {"relative_id": mother["id"], "kind": "progress_update"} | body
    return liaison.post(f"/cases/{case_ref}/notifications", json=body)


def test_an_impossible_day_says_so_in_every_domain(api, liaison, case_ref, mother):
    case = api("focal_point").post(
        "/cases", json={"given_names": "Ana", "last_seen_date": "2026-02-30"}
    )
    consent = liaison.post(
        f"/relatives/{mother['id']}/consents",
        json={"purpose": "tracing", "scope": [{"kind": "any"}], "given_at": "2026-02-30"},
    )
    plan = _plan(liaison, case_ref, mother, planned_date="2026-02-30")
    answers = {
        "last_seen_date": case,
        "given_at": consent,
        "planned_date": plan,
    }
    for field, resp in answers.items():
        assert resp.status_code == 422, (field, resp.json)
        assert resp.json["error"]["fields"][field] == ["There is no such day."], field


@pytest.mark.parametrize(
    "field, value",
    [
        ("planned_date", "9999-12-31"),
        ("planned_date", "1899-12-31"),
        ("follow_up_due", "9999-12-31"),
    ],
)
def test_a_notification_date_centuries_away_is_refused(liaison, case_ref, mother, field, value):
    body = {"planned_date": "2027-01-04"} | {field: value}
    resp = _plan(liaison, case_ref, mother, **body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]
    assert liaison.get(f"/cases/{case_ref}/notifications").json["total"] == 0


def test_a_consent_given_before_1900_is_refused(liaison, mother):
    resp = liaison.post(
        f"/relatives/{mother['id']}/consents",
        json={"purpose": "tracing", "scope": [{"kind": "any"}], "given_at": "1800-01-01"},
    )
    assert resp.status_code == 422, resp.json
    assert "given_at" in resp.json["error"]["fields"]
    assert liaison.get(f"/relatives/{mother['id']}/consents").json["total"] == 0
