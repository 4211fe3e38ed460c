"""The pages alone: register, find, update (including a version conflict) and close a case."""

from __future__ import annotations

import re

import pytest

from tests.cases.pages import form_values
from tests.helpers import csrf_from

REF = re.compile(r'id="case-reference">([A-Z]{3}-\d{4}-\d{6})<')


@pytest.fixture
def officer(client, login, make_user):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    return user


def _register(client, **fields):
    page = client.get("/cases/new")
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True), "/cases/new")
    data.update(fields)
    return client.post("/cases/new", data=data)


def _reference(html: str) -> str:
    match = REF.search(html)
    assert match, "no case reference on the page"
    return match.group(1)


def test_register_find_update_and_close_through_the_pages(client, officer):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/cases"' in home

    resp = _register(
        client,
        given_names="Юсуф",
        family_names="Haddad",
        aliases="Youssef Haddad\nAbu Karim",
        sex="male",
        date_of_birth="1990-04",
        nationality="SY",
        languages="ar, en",
        last_seen_date="2024-02",
        last_seen_country="PA",
        route_countries="CO, PA",
        event_type="land_crossing",
        circumstances="Crossed the Darién with a group of eight.\nLost at the river.",
        vulnerabilities=["disability"],
        **{
            "identity_documents-0-kind": "passport",
            "identity_documents-0-number": "N0123456",
            "identity_documents-0-issuing_country": "SY",
            "protection_flags-0-kind": "country",
            "protection_flags-0-value": "SY",
            "protection_flags-0-reason": "Deserted the army; family fears reprisals",
        },
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    case_url = resp.headers["Location"].removesuffix("#messages")
    page = client.get(case_url).get_data(as_text=True)
    ref = _reference(page)
    assert case_url.endswith("/cases/" + ref)
    assert 'data-status="reported"' in page
    assert 'id="protection-flags"' in page
    assert "Deserted the army; family fears reprisals" in page
    assert "Crossed the Darién with a group of eight.<br>Lost at the river." in page

    # Find it by another spelling and script; the search is a POST, so no name in any URL.
    listing = client.get("/cases")
    search = form_values(listing.get_data(as_text=True), "/cases")
    search["q"] = "Yusuf"
    found = client.post("/cases", data=search)
    assert found.status_code == 200
    assert f'data-reference="{ref}"' in found.get_data(as_text=True)
    assert "Yusuf" not in (found.request.url or "")

    # Update through the edit form.
    edit = client.get(f"/cases/{ref}/edit").get_data(as_text=True)
    data = form_values(edit, f"/cases/{ref}/edit")
    assert data["version"] == "1" and data["given_names"] == "Юсуф"
    data["family_names"] = "Al-Haddad"
    resp = client.post(f"/cases/{ref}/edit", data=data)
    assert resp.status_code == 303
    page = client.get(case_url).get_data(as_text=True)
    assert "Al-Haddad" in page and "version 2" in page
    assert "Deserted the army" in page  # untouched fields stay

    # Close it: first the search, then closing with a reason that fits.
    for status, reason in (("active_search", ""), ("closed", "withdrawn_by_family")):
        form = form_values(client.get(case_url).get_data(as_text=True), f"/cases/{ref}/status")
        form.update(status=status, closure_reason=reason, note=f"Now {status}")
        resp = client.post(f"/cases/{ref}/status", data=form)
        assert resp.status_code == 303
    page = client.get(case_url).get_data(as_text=True)
    assert 'data-status="closed"' in page
    assert 'data-closure-reason="withdrawn_by_family"' in page
    assert "Now closed" in page
    # The one move from closed is reopening it (after the blank "Choose…": nothing is
    # pre-selected).
    status = re.search(r'<select[^>]*name="status".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="([^"]*)"', status) == ["", "active_search"]


def test_edit_conflict_shows_both_versions_and_lets_the_user_reapply(client, officer):
    ref = _reference(
        client.get(
            _register(client, given_names="Fatima", family_names="Zahra").headers["Location"]
        ).get_data(as_text=True)
    )
    first = form_values(
        client.get(f"/cases/{ref}/edit").get_data(as_text=True), f"/cases/{ref}/edit"
    )
    second = dict(first)
    first["family_names"] = "Zahra Benali"
    assert client.post(f"/cases/{ref}/edit", data=first).status_code == 303

    second["family_names"] = "Zahraa"
    second["place_of_origin"] = "Oujda"
    conflict = client.post(f"/cases/{ref}/edit", data=second)
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "Your version" in html and "Current version" in html
    assert 'data-field="family_names"' in html
    assert "Zahraa" in html and "Zahra Benali" in html
    case_page = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Zahra Benali" in case_page and "Oujda" not in case_page  # nothing overwritten

    # Both changed the family name: the colleague's is offered (to review); only the user
    # changed the place of origin: theirs is kept.
    again = form_values(html, f"/cases/{ref}/edit")
    assert again["version"] == "2" and again["family_names"] == "Zahra Benali"
    assert again["place_of_origin"] == "Oujda"
    again["family_names"] = "Zahraa"  # the user, having reviewed it, re-applies theirs
    assert client.post(f"/cases/{ref}/edit", data=again).status_code == 303
    case_page = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Zahraa" in case_page and "Oujda" in case_page


def test_invalid_registration_shows_the_errors_and_stores_nothing(client, officer, database):
    from sqlalchemy import func, select

    from casework.cases.models import Case

    resp = _register(client, given_names="", date_of_birth="2025-02-30", nationality="ZZ")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert html.count('class="error"') >= 3
    with database.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


def test_illegal_status_change_on_the_page_explains_and_changes_nothing(client, officer):
    ref = _reference(
        client.get(_register(client, given_names="Ana").headers["Location"]).get_data(as_text=True)
    )
    form = form_values(client.get(f"/cases/{ref}").get_data(as_text=True), f"/cases/{ref}/status")
    form.update(status="located_alive", note="too early")
    resp = client.post(f"/cases/{ref}/status", data=form, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "cannot move to located_alive" in html
    assert 'data-status="reported"' in html


def test_link_a_duplicate_through_the_page(client, officer):
    first = _reference(
        client.get(
            _register(
                client, given_names="Juan Carlos", family_names="Pérez", nationality="SV"
            ).headers["Location"]
        ).get_data(as_text=True)
    )
    second = _reference(
        client.get(
            _register(
                client, given_names="Juan Carlos", family_names="Peres", nationality="SV"
            ).headers["Location"]
        ).get_data(as_text=True)
    )
    page = client.get(f"/cases/{first}").get_data(as_text=True)
    assert 'id="possible-duplicates"' in page and second in page
    form = form_values(page, f"/cases/{first}/link-duplicate")
    form.update(duplicate_reference=second, note="Same person, reported twice")
    resp = client.post(f"/cases/{first}/link-duplicate", data=form, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert 'id="linked-duplicates"' in html
    assert f'data-case="{second}"' in html  # the duplicate's history, on the survivor
    dup = client.get(f"/cases/{second}").get_data(as_text=True)
    assert 'data-closure-reason="duplicate"' in dup and 'id="duplicate-of"' in dup


def test_forms_carry_api_field_names_and_stable_ids(client, officer):
    html = client.get("/cases/new").get_data(as_text=True)
    for name in (
        "given_names",
        "family_names",
        "date_of_birth",
        "nationality",
        "last_seen_date",
        "last_seen_country",
        "circumstances",
        "vulnerabilities",
        "protection_flags-0-kind",
    ):
        assert f'name="{name}"' in html, name  # fmt: skip
    assert 'id="submit"' in html
    assert csrf_from(html)


def test_read_only_roles_see_no_forms(client, login, make_user, make_case, api, org):
    focal = api("focal_point")
    ref = make_case(focal)["reference"]
    login(make_user("family_liaison"))
    page = client.get(f"/cases/{ref}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/status" not in html and "/edit" not in html and "link-duplicate" not in html
    assert client.get("/cases/new").status_code == 403


@pytest.mark.parametrize("role", ["admin", "auditor", "partner"])
def test_other_roles_get_403_and_no_nav_entry(client, login, make_user, role):
    login(make_user(role))
    assert client.get("/cases").status_code == 403
    assert 'href="/cases"' not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(client):
    resp = client.get("/cases")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_row_errors_point_at_the_right_row(client, officer):
    resp = _register(
        client,
        given_names="Ana",
        **{
            # The first flag row is left blank; the second one is wrong.
            "protection_flags-0-kind": "",
            "protection_flags-1-kind": "country",
            "protection_flags-1-value": "XX",
            "protection_flags-1-reason": "Kept reason",
        },
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    values = form_values(html, "/cases/new")
    assert values["protection_flags-0-value"] == "XX"
    assert values["protection_flags-0-reason"] == "Kept reason"
    assert 'id="protection_flags-0-value"' in html
    row = html[html.index('id="protection_flags-0-value"') :]
    assert row.index('class="error"') < row.index('id="protection_flags-1-kind"')


def test_a_protection_flag_names_an_organisation_chosen_by_name(client, officer, make_org, org):
    consulate = make_org("GT", "consulate", name="Consulado de Guatemala en Tapachula")
    page = client.get("/cases/new").get_data(as_text=True)
    options = dict(re.findall(r'<option value="([0-9a-f-]{36})">([^<]+)</option>', page))
    # Other organisations are offered by name; the case's own organisation is not.
    assert options[str(consulate.id)] == "Consulado de Guatemala en Tapachula (GT)"
    assert str(org.id) not in options
    resp = _register(
        client,
        given_names="Ana",
        **{
            "protection_flags-0-kind": "organisation",
            "protection_flags-0-value": str(consulate.id),
            "protection_flags-0-reason": "Fled the authorities of her country",
        },
    )
    assert resp.status_code == 303
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    flags = html[html.index('id="protection-flags"') :]
    assert "Consulado de Guatemala en Tapachula" in flags[: flags.index("</section>")]
