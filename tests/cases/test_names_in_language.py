"""Languages and route countries typed by name in the page's language (issue 14, problem 5,
found by a tester in Spanish, French and Arabic): names in that language, English names and
codes are all accepted, stored as codes, and shown back as names in the page's language."""

from __future__ import annotations

import pytest

from tests.cases.pages import form_values
from tests.cases.test_desk_pages import REF

CASES = [
    ("es", "español, árabe, ti", "Guatemala, México", ["es", "ar", "ti"], ["GT", "MX"]),
    ("fr", "espagnol, Arabic, tigrigna", "Guatemala, Mexique", ["es", "ar", "ti"], ["GT", "MX"]),
    ("ar", "الإسبانية، ar", "غواتيمالا، المكسيك", ["es", "ar"], ["GT", "MX"]),
]


@pytest.mark.parametrize(("language", "languages", "route", "tags", "countries"), CASES)
def test_names_in_the_page_language_are_accepted_and_shown_back(
    client, login, make_user, api, language, languages, route, tags, countries
):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    headers = {"Accept-Language": language}
    page = client.get("/cases/new", headers=headers).get_data(as_text=True)
    data = form_values(page, "/cases/new")
    data.update(given_names="Amal", languages=languages, route_countries=route)
    resp = client.post("/cases/new", data=data, headers=headers)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    html = client.get(resp.headers["Location"].split("#")[0], headers=headers)
    reference = REF.search(html.get_data(as_text=True)).group(1)
    body = api("focal_point").get(f"/cases/{reference}")
    assert body.status_code == 200
    assert body.json["languages"] == tags
    assert body.json["route_countries"] == countries
    edit = client.get(f"/cases/{reference}/edit", headers=headers).get_data(as_text=True)
    shown = form_values(edit, f"/cases/{reference}/edit")
    for tag in tags:
        assert tag not in shown["languages"].replace(",", " ").replace("،", " ").split()
    assert "GT" not in shown["route_countries"] and "MX" not in shown["route_countries"]
