"""The remains edit-conflict page merges the colleague's version (issue 14): where only the
colleague changed a field, theirs; where only the user did, theirs is the old value, so the
user's; where both did, the colleague's, marked to review. Saving as offered wipes nothing."""

from __future__ import annotations

import re

from tests.cases.pages import form_values
from tests.remains.conftest import remains_body


def test_the_remains_conflict_page_merges_the_colleagues_version(
    client, login, make_user, forensic
):
    created = forensic.post(
        "/remains", json=remains_body(found_place="Sasabe", effects="Pink backpack")
    ).json
    url = f"/remains/{created['id']}"
    assert login(make_user("forensic")).status_code == 302
    loaded = form_values(client.get(url + "/edit").get_data(as_text=True), url + "/edit")
    assert loaded["found_place"] == "Sasabe"

    # A colleague saves first (through the API): new effects, a new place.
    other = forensic.patch(
        url,
        json={"version": 1, "effects": "Pink backpack, rosary", "found_place": "Sasabe wash"},
    )
    assert other.status_code == 200

    # The user, from version 1: new marks (only they change them), another place (both do).
    mine = dict(loaded)
    mine.update(distinguishing_marks="Pierced ears", found_place="Near Sasabe")
    conflict = client.post(url + "/edit", data=mine)
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    offered = form_values(html, f"{url}/edit")
    assert offered["effects"] == "Pink backpack, rosary"  # only the colleague changed it
    assert offered["distinguishing_marks"] == "Pierced ears"  # only the user changed it
    assert offered["found_place"] == "Sasabe wash"  # both: the colleague's, to review
    review = html[html.index('id="to-review"') :]
    assert 'href="#found_place"' in review[: review.index("</ul>")]
    row = re.search(r'<tr data-field="found_place"[^>]*>.*?</tr>', html, re.S).group(0)
    assert "Near Sasabe" in row and "Sasabe wash" in row

    # Saving as offered keeps the colleague's text and adds the user's.
    saved = client.post(url + "/edit", data=offered)
    assert saved.status_code == 303
    record = forensic.get(url).json
    assert record["effects"] == "Pink backpack, rosary"
    assert record["distinguishing_marks"] == "Pierced ears"
    assert record["found_place"] == "Sasabe wash"


def test_a_refused_remains_form_sums_its_errors_up_at_the_top(client, login, make_user):
    assert login(make_user("forensic")).status_code == 302
    page = client.get("/remains/new").get_data(as_text=True)
    data = form_values(page, "/remains/new")
    data.update(found_date="2025-02-30", found_country="ZZ", age_min="30", age_max="20")
    resp = client.post("/remains/new", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</div>", start)]
    for name in ("found_date", "found_country", "age_max"):
        assert f'href="#{name}"' in summary, name
    # The summary comes before the fields, and the browser focuses it.
    assert start < html.index('name="found_date"')
    assert "autofocus" in html[html.rindex("<div", 0, start) : start + 200]
    assert "Choose a country from the list." in html


def test_country_names_follow_the_pages_language(client, login, make_user, forensic):
    created = forensic.post("/remains", json=remains_body(found_country="US")).json
    assert login(make_user("forensic")).status_code == 302
    spanish = {"Accept-Language": "es"}
    form = client.get("/remains/new", headers=spanish).get_data(as_text=True)
    assert '<option value="US">Estados Unidos</option>' in form
    page = client.get(f"/remains/{created['id']}", headers=spanish).get_data(as_text=True)
    assert "Estados Unidos" in page and "United States" not in page
