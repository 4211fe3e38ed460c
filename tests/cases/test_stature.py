"""A case's stature range (as the family describes it, for matching with remains): API, pages,
and the rules on it (whole centimetres 40–250, the lower end not above the upper)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from casework.cases.models import Case
from tests.cases.pages import form_values

REF = re.compile(r'id="case-reference">([A-Z]{3}-\d{4}-\d{6})<')


def _count(database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count(Case.id))) or 0


def test_stature_is_written_read_and_updated(focal, make_case):
    case = make_case(focal, stature_min_cm=150, stature_max_cm=160)
    assert (case["stature_min_cm"], case["stature_max_cm"]) == (150, 160)
    got = focal.get(f"/cases/{case['reference']}").json
    assert (got["stature_min_cm"], got["stature_max_cm"]) == (150, 160)
    resp = focal.patch(
        f"/cases/{case['reference']}", json={"version": got["version"], "stature_max_cm": 165}
    )
    assert resp.status_code == 200, resp.json
    assert focal.get(f"/cases/{case['reference']}").json["stature_max_cm"] == 165


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stature_min_cm": 39}, "stature_min_cm"),
        ({"stature_max_cm": 251}, "stature_max_cm"),
        ({"stature_min_cm": "150"}, "stature_min_cm"),
        ({"stature_min_cm": 150.5}, "stature_min_cm"),
        ({"stature_max_cm": True}, "stature_max_cm"),
        ({"stature_min_cm": 170, "stature_max_cm": 160}, "stature_max_cm"),
    ],
)
def test_bad_stature_is_a_422_naming_the_field_and_stores_nothing(focal, database, body, field):
    resp = focal.post("/cases", json={"given_names": "Ana", **body})
    assert resp.status_code == 422
    assert field in resp.json["error"]["fields"]
    assert _count(database) == 0


def test_an_update_of_one_end_is_checked_against_the_stored_other_end(focal, make_case, database):
    case = make_case(focal, stature_min_cm=150, stature_max_cm=160)
    ref = case["reference"]
    resp = focal.patch(f"/cases/{ref}", json={"version": case["version"], "stature_min_cm": 170})
    assert resp.status_code == 422
    assert "stature_max_cm" in resp.json["error"]["fields"]
    after = focal.get(f"/cases/{ref}").json
    assert (after["stature_min_cm"], after["version"]) == (150, case["version"])


@pytest.fixture
def officer(client, login, make_user):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    return user


def test_stature_through_the_pages(client, officer, database):
    data = form_values(client.get("/cases/new").get_data(as_text=True), "/cases/new")
    assert data["stature_min_cm"] == "" and data["stature_max_cm"] == ""
    bad = dict(data, given_names="Ana", stature_min_cm="tall", stature_max_cm="140")
    resp = client.post("/cases/new", data=bad)
    assert resp.status_code == 422
    assert "Not a valid integer." in resp.get_data(as_text=True)
    assert _count(database) == 0

    good = dict(data, given_names="Ana", stature_min_cm=" 152 ", stature_max_cm="158")
    resp = client.post("/cases/new", data=good)
    assert resp.status_code in (302, 303)
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'id="stature"' in html and "152–158 cm" in html
    ref = REF.search(html).group(1)
    edit = form_values(
        client.get(f"/cases/{ref}/edit").get_data(as_text=True), f"/cases/{ref}/edit"
    )
    assert (edit["stature_min_cm"], edit["stature_max_cm"]) == ("152", "158")
    edit["stature_min_cm"] = "170"
    resp = client.post(f"/cases/{ref}/edit", data=edit)
    assert resp.status_code == 422
    assert "Must be at least the lower stature." in resp.get_data(as_text=True)
