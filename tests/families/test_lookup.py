"""The hotline look-up: a relative calls, and the number alone finds their case however it is
written; emails regardless of case; through the blind index, re-checked after decryption."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.families.helpers import CANARY_NAME


@pytest.fixture
def mother(liaison, case_ref, add_relative):
    return add_relative(liaison, case_ref)


@pytest.mark.parametrize(
    "written",
    [
        "+503 7123 4567",
        "00503 7123-4567",
        "7123 4567",
        "71234567",
        "+503-7123-4567",
        "(503) 7123 4567",
    ],
)
def test_any_writing_of_the_number_finds_the_same_relative(liaison, mother, case_ref, written):
    if written.startswith("(503)"):
        written = "+" + written.replace("(", "").replace(")", "")
    resp = liaison.get("/relatives?phone=" + quote(written))
    assert resp.status_code == 200, resp.json
    assert resp.json["total"] == 1
    found = resp.json["items"][0]
    assert found["id"] == mother["id"]
    assert found["case_reference"] == case_ref
    assert found["full_name"] == CANARY_NAME


def test_region_hint_reads_national_numbers_of_another_country(liaison, case_ref, add_relative):
    rel = add_relative(liaison, case_ref, phone="+502 5123 4567", email=None)
    assert liaison.get("/relatives?phone=51234567").json["total"] == 0  # read as Salvadoran
    resp = liaison.get("/relatives?phone=5123-4567&region=GT")
    assert [r["id"] for r in resp.json["items"]] == [rel["id"]]


def test_email_look_up_ignores_case_and_spaces(liaison, mother):
    resp = liaison.get("/relatives?email=" + quote("  zephyrine.canary@EXAMPLE.ORG "))
    assert resp.status_code == 200, resp.json
    assert [r["id"] for r in resp.json["items"]] == [mother["id"]]


def test_several_relatives_across_cases_share_a_number(liaison, make_case, add_relative):
    first, second = make_case(), make_case()
    a = add_relative(liaison, first, phone="+50370000001")
    b = add_relative(liaison, second, phone="7000 0001")
    add_relative(liaison, second, phone="7000 0002", full_name="Other Person")
    resp = liaison.get("/relatives?phone=70000001")
    assert {r["id"] for r in resp.json["items"]} == {a["id"], b["id"]}
    assert {r["case_reference"] for r in resp.json["items"]} == {first, second}


def test_unknown_number_finds_nothing(liaison, mother):
    resp = liaison.get("/relatives?phone=" + quote("+503 7999 9999"))
    assert resp.status_code == 200
    assert resp.json == {"items": [], "page": 1, "per_page": 25, "total": 0}


def test_index_collisions_are_removed_by_the_re_check(liaison, mother, monkeypatch):
    # Force every phone onto one token, as a truncated index does by design for some values.
    from casework.crypto import BlindIndexer

    monkeypatch.setattr(BlindIndexer, "token", lambda self, field, value: 7)
    resp = liaison.get("/relatives?phone=" + quote("+503 7999 9999"))
    assert resp.json["total"] == 0


def test_focal_point_may_use_the_look_up(api, mother):
    assert api("focal_point").get("/relatives?phone=71234567").json["total"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("", "phone"),
        ("?phone=12", "phone"),
        ("?phone=not-a-number", "phone"),
        ("?phone=71234567&email=a@b.org", "phone"),
        ("?email=not-an-email", "email"),
        ("?phone=71234567&region=XX", "region"),
        ("?phone=" + "7" * 5000, "phone"),
    ],
)
def test_bad_look_ups_are_422_naming_the_field(liaison, mother, query, field):
    resp = liaison.get("/relatives" + query)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]


def test_look_ups_are_audited_without_the_value(liaison, mother, audit_events):
    before = len(audit_events())
    liaison.get("/relatives?phone=71234567")
    (read,) = audit_events()[before:]
    assert read.action == "relative.list"
    assert read.details == {"view": "lookup", "page": 1, "count": 1, "references": [mother["id"]]}
    assert read.categories == ["family_contacts"]
