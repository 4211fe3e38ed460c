"""The case a duplicate duplicates may be named by the end of its reference, as a search finds it
(000025, 25, 2026-000025): the caller organisation's case with that number; refused, naming the
field, when more than one of its cases could be meant (references of other years or prefixes)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from casework.cases.models import Case
from tests.cases.pages import form_values


@pytest.fixture
def officer(client, login, make_user):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    return user


def _ends(reference: str) -> dict[str, str]:
    _, year, number = reference.split("-")
    return {"number": str(int(number)), "padded": number, "year": f"{year}-{number}"}


def _close_as_duplicate(caller, ref: str, duplicate_of: str):
    return caller.post(
        f"/cases/{ref}/status",
        json={
            "status": "closed",
            "closure_reason": "duplicate",
            "duplicate_of": duplicate_of,
            "note": "reported twice",
        },
    )


@pytest.mark.parametrize("shape", ["number", "padded", "year"])
def test_closing_as_a_duplicate_names_the_other_case_by_the_end_of_its_reference(
    focal, make_case, shape
):
    survivor = make_case(focal)["reference"]
    ref = make_case(focal)["reference"]
    resp = _close_as_duplicate(focal, ref, _ends(survivor)[shape])
    assert resp.status_code == 200, resp.json
    assert resp.json["closure_reason"] == "duplicate"
    assert resp.json["duplicate_of"] == survivor


@pytest.mark.parametrize("shape", ["number", "padded", "year"])
def test_linking_a_duplicate_names_it_by_the_end_of_its_reference(focal, make_case, shape):
    survivor = make_case(focal)["reference"]
    dup = make_case(focal)["reference"]
    resp = focal.post(
        f"/cases/{survivor}/link-duplicate",
        json={"duplicate_reference": _ends(dup)[shape], "note": "same person"},
    )
    assert resp.status_code == 200, resp.json
    assert focal.get(f"/cases/{dup}").json["duplicate_of"] == survivor


def test_the_end_of_another_organisations_reference_names_no_case(api, make_org, make_case):
    mine = api("focal_point")
    theirs = api("focal_point", make_org("SV"))
    own = make_case(mine)["reference"]
    ref = make_case(mine)["reference"]
    other = make_case(theirs)["reference"]
    for end in _ends(other).values():
        resp = _close_as_duplicate(mine, ref, end)
        assert resp.status_code == 422, resp.json
        assert "duplicate_of" in resp.json["error"]["fields"]
        resp = mine.post(
            f"/cases/{ref}/link-duplicate", json={"duplicate_reference": end, "note": "same"}
        )
        assert resp.status_code == 404, resp.json
    assert theirs.get(f"/cases/{other}").json["status"] == "reported"
    resp = _close_as_duplicate(mine, ref, _ends(own)["number"])
    assert resp.status_code == 200, resp.json
    assert resp.json["duplicate_of"] == own


@pytest.fixture
def ambiguous(focal, make_case, database):
    """Two cases of the organisation numbered 1: this year's and one of an earlier year."""
    first = make_case(focal)["reference"]
    older = make_case(focal)["reference"]
    prefix, year, number = first.split("-")
    renamed = f"{prefix}-{int(year) - 1}-{number}"
    with database.session() as s:
        s.execute(
            update(Case)
            .where(Case.reference == older)
            .values(reference=renamed, reference_number=int(number))
        )
    return first, renamed


def test_an_end_that_more_than_one_case_has_is_refused_naming_the_field(
    focal, make_case, ambiguous
):
    first, older = ambiguous
    ref = make_case(focal)["reference"]
    for end in (_ends(first)["number"], _ends(first)["padded"]):
        resp = _close_as_duplicate(focal, ref, end)
        assert resp.status_code == 422, resp.json
        assert "whole reference" in " ".join(resp.json["error"]["fields"]["duplicate_of"])
        resp = focal.post(
            f"/cases/{ref}/link-duplicate", json={"duplicate_reference": end, "note": "same"}
        )
        assert resp.status_code == 422, resp.json
        assert "duplicate_reference" in resp.json["error"]["fields"]
    assert focal.get(f"/cases/{ref}").json["status"] == "reported"
    # With its year, the end names one case.
    resp = _close_as_duplicate(focal, ref, _ends(older)["year"])
    assert resp.status_code == 200, resp.json
    assert resp.json["duplicate_of"] == older


def test_the_page_forms_take_the_end_of_a_reference(client, officer, api, make_case):
    focal = api("focal_point", officer.organisation)
    survivor = make_case(focal)["reference"]
    ref = make_case(focal)["reference"]
    dup = make_case(focal)["reference"]
    form = form_values(client.get(f"/cases/{ref}").get_data(as_text=True), f"/cases/{ref}/status")
    form.update(
        status="closed",
        closure_reason="duplicate",
        duplicate_of=_ends(survivor)["number"],
        note="reported twice",
    )
    resp = client.post(f"/cases/{ref}/status", data=form)
    assert resp.status_code == 303
    assert focal.get(f"/cases/{ref}").json["duplicate_of"] == survivor

    page = client.get(f"/cases/{survivor}").get_data(as_text=True)
    form = form_values(page, f"/cases/{survivor}/link-duplicate")
    form.update(duplicate_reference=_ends(dup)["padded"], note="same person")
    resp = client.post(f"/cases/{survivor}/link-duplicate", data=form)
    assert resp.status_code == 303
    assert focal.get(f"/cases/{dup}").json["duplicate_of"] == survivor


def test_the_page_says_which_field_is_ambiguous(client, officer, api, make_case, database):
    focal = api("focal_point", officer.organisation)
    first = make_case(focal)["reference"]
    older = make_case(focal)["reference"]
    prefix, year, number = first.split("-")
    with database.session() as s:
        s.execute(
            update(Case)
            .where(Case.reference == older)
            .values(reference=f"{prefix}-{int(year) - 1}-{number}", reference_number=int(number))
        )
    ref = make_case(focal)["reference"]
    form = form_values(client.get(f"/cases/{ref}").get_data(as_text=True), f"/cases/{ref}/status")
    form.update(status="closed", closure_reason="duplicate", duplicate_of=number, note="twice")
    resp = client.post(f"/cases/{ref}/status", data=form)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'aria-describedby="duplicate_of-error-1"' in html
    assert "give the whole reference" in html
    assert f'value="{number}"' in html  # what the user typed stays


def test_a_refused_link_keeps_its_note_in_its_own_form_only(client, officer, api, make_case):
    """Both forms of the case page have a `note`: the refused link's note comes back in the
    link form, not in the status form too."""
    focal = api("focal_point", officer.organisation)
    ref = make_case(focal)["reference"]
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    form = form_values(page, f"/cases/{ref}/link-duplicate")
    form.update(duplicate_reference="999999", note="Same person, I believe.")
    resp = client.post(f"/cases/{ref}/link-duplicate", data=form)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert form_values(html, f"/cases/{ref}/link-duplicate")["note"] == "Same person, I believe."
    assert form_values(html, f"/cases/{ref}/status")["note"] == ""
    assert 'aria-describedby="duplicate_reference-error-1"' in html
