"""The case pages at the desk (issue 14): the heading names the person, the status change has
no pre-selected action and asks for a closure reason only when closing, placeholders show a
format, the timeline speaks in labels, the message is in view after a post, and the
edit-conflict page merges the colleague's version instead of wiping it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.cases.pages import form_values

REF = re.compile(r'id="case-reference">([A-Z]{3}-\d{4}-\d{6})<')


@pytest.fixture
def officer(client, login, make_user):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    return user


def _register(client, **fields) -> str:
    page = client.get("/cases/new").get_data(as_text=True)
    data = form_values(page, "/cases/new")
    data.update(fields)
    resp = client.post("/cases/new", data=data)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:3000]
    html = client.get(resp.headers["Location"].split("#")[0]).get_data(as_text=True)
    return REF.search(html).group(1)


def _h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)


def _select(html: str, name: str) -> str:
    match = re.search(rf'<select[^>]*\bname="{name}"[^>]*>.*?</select>', html, re.S)
    assert match, name
    return match.group(0)


def test_the_case_heading_names_the_person_with_the_reference(client, officer):
    ref = _register(client, given_names="Amal", family_names="Haddad")
    heading = _h1(client.get(f"/cases/{ref}").get_data(as_text=True))
    assert "Amal Haddad" in heading and ref in heading
    heading = _h1(client.get(f"/cases/{ref}/edit").get_data(as_text=True))
    assert "Amal Haddad" in heading and ref in heading


def test_the_status_change_starts_blank_and_the_closure_reason_is_only_for_closing(client, officer):
    ref = _register(client, given_names="Ana")
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    status = _select(page, "status")
    first = re.search(r"<option[^>]*>", status).group(0)
    assert 'value=""' in first and "selected" not in status
    assert "Choose…" in status
    # The closure reason sits in a fieldset that says it is only for closing.
    fieldset = re.search(
        r"<fieldset[^>]*>.*?</fieldset>", page[page.index('id="change-status"') :], re.S
    )
    assert fieldset and 'name="closure_reason"' in fieldset.group(0)
    assert "only when closing" in fieldset.group(0).lower()

    # Sent as offered (no status chosen): refused at the status field, nothing changed.
    data = form_values(page, f"/cases/{ref}/status")
    data["note"] = "a note"
    resp = client.post(f"/cases/{ref}/status", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in re.search(r'<select[^>]*name="status"[^>]*>', html).group(0)
    assert "Choose the new status." in html
    assert 'data-status="reported"' in html

    # A closure reason with a status that is not "closed" is refused by the server.
    data.update(status="active_search", closure_reason="located")
    resp = client.post(f"/cases/{ref}/status", data=data)
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in re.search(
        r'<select[^>]*name="closure_reason"[^>]*>', resp.get_data(as_text=True)
    ).group(0)


def test_after_a_status_change_the_redirect_lands_on_the_message(client, officer):
    ref = _register(client, given_names="Ana")
    data = form_values(client.get(f"/cases/{ref}").get_data(as_text=True), f"/cases/{ref}/status")
    data.update(status="active_search", note="searching")
    resp = client.post(f"/cases/{ref}/status", data=data)
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/cases/{ref}#messages")


def test_reference_placeholders_show_a_format_not_a_real_reference(client, officer):
    ref = _register(client, given_names="Ana")
    _register(client, given_names="Ana")
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    placeholders = re.findall(
        r'<input[^>]*name="(?:duplicate_of|duplicate_reference)"[^>]*placeholder="([^"]*)"', page
    )
    assert placeholders
    year = dt.date.today().year
    for placeholder in placeholders:
        assert not re.search(r"[A-Z]{3}-\d{4}-0*[1-9]", placeholder), placeholder
        assert placeholder == f"{year}-000000", placeholder


def test_the_timeline_names_fields_and_roles_in_words(client, officer):
    ref = _register(client, given_names="Ana")
    edit = form_values(
        client.get(f"/cases/{ref}/edit").get_data(as_text=True), f"/cases/{ref}/edit"
    )
    edit.update(date_of_birth="1990-04", distinguishing_marks="scar")
    assert client.post(f"/cases/{ref}/edit", data=edit).status_code == 303
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') :]
    assert "date_of_birth" not in timeline and "distinguishing_marks" not in timeline
    assert "Date of birth" in timeline and "Distinguishing marks" in timeline
    assert "(focal_point)" not in timeline and "(Focal point)" in timeline


def test_the_conflict_page_merges_the_colleagues_version(client, officer):
    ref = _register(
        client,
        given_names="Fatima",
        family_names="Zahra",
        place_of_origin="Oujda",
        circumstances="Left Oujda in May.",
    )
    loaded = form_values(
        client.get(f"/cases/{ref}/edit").get_data(as_text=True), f"/cases/{ref}/edit"
    )

    # A colleague saves first: new circumstances (only they change them), a new family name.
    colleague = dict(loaded)
    colleague.update(
        circumstances="Left Oujda in May; seen in Melilla in June.", family_names="Zahra Benali"
    )
    assert client.post(f"/cases/{ref}/edit", data=colleague).status_code == 303

    # The user, from the old version: a new place of origin (only they change it) and another
    # family name (both changed it).
    mine = dict(loaded)
    mine.update(place_of_origin="Nador", family_names="Zahraa")
    conflict = client.post(f"/cases/{ref}/edit", data=mine)
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    offered = form_values(html, f"/cases/{ref}/edit")
    # Only the colleague changed it: theirs. Only the user: theirs is the old value, so yours.
    assert offered["circumstances"] == "Left Oujda in May; seen in Melilla in June."
    assert offered["place_of_origin"] == "Nador"
    # Both changed it: the colleague's is offered, and the field is marked for review with
    # both values shown.
    assert offered["family_names"] == "Zahra Benali"
    review = html[html.index('id="to-review"') :]
    review = review[: review.index("</ul>")]
    assert 'href="#family_names"' in review
    row = re.search(r'<tr data-field="family_names"[^>]*>.*?</tr>', html, re.S).group(0)
    assert "Zahraa" in row and "Zahra Benali" in row

    # Saving as offered keeps the colleague's text.
    assert client.post(f"/cases/{ref}/edit", data=offered).status_code == 303
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "seen in Melilla in June" in page and "Nador" in page and "Zahra Benali" in page


def test_the_registration_form_sends_the_country_list_once_and_takes_names(client, officer, api):
    html = client.get("/cases/new").get_data(as_text=True)
    assert html.count('<datalist id="countries">') == 1
    for name in ("nationality", "last_seen_country", "identity_documents-0-issuing_country"):
        tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
        assert tag and 'list="countries"' in tag.group(0), name
    # The countries once for the country boxes (the protection flags' grouped choice, which
    # also names organisations, is the one other list): not four times.
    assert html.count(">Libya<") + html.count('"Libya"') <= 2

    ref = _register(
        client,
        given_names="Amal",
        nationality="El Salvador",
        last_seen_country="mexico",
        languages="Spanish, Arabic",
        route_countries="Guatemala, Mexico",
    )
    case = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Spanish, Arabic" in case and "Guatemala → Mexico" in case
    edit = form_values(
        client.get(f"/cases/{ref}/edit").get_data(as_text=True), f"/cases/{ref}/edit"
    )
    assert edit["nationality"] == "El Salvador" and edit["last_seen_country"] == "Mexico"
    assert edit["languages"] == "Spanish, Arabic"
    assert edit["route_countries"] == "Guatemala, Mexico"
    # Stored as codes: the API says so.
    body = api("focal_point").get(f"/cases/{ref}")
    if body.status_code == 200:
        assert body.json["nationality"] == "SV" and body.json["last_seen_country"] == "MX"
        assert body.json["languages"] == ["es", "ar"]
        assert body.json["route_countries"] == ["GT", "MX"]


def test_a_country_not_on_the_list_is_refused_in_plain_words(client, officer):
    page = client.get("/cases/new").get_data(as_text=True)
    data = form_values(page, "/cases/new")
    data.update(given_names="Amal", nationality="Narnia", languages="Quenyaish")
    resp = client.post("/cases/new", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Choose a country from the list." in html
    assert "Choose a language from the list." in html
    assert "ISO 3166" not in html and "BCP 47" not in html
