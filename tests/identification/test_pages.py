"""The identification pages with the Flask test client: one user records an identification from
the case's page, the same user is told it awaits a second person, another user confirms it (or
rejects it); errors are shown on the form and nothing is stored."""

from __future__ import annotations

import re

from tests.helpers import PASSWORD, csrf_from
from tests.identification.helpers import CANARY_NOTES, CANARY_REASON


def _sign_in(app, user):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    resp = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert resp.status_code == 302
    return client


def _page(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _post(client, url: str, page_html: str, data: dict, status: int = 302):
    resp = client.post(url, data={"csrf_token": csrf_from(page_html), **data})
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:3000])
    return resp


def _record_from_case_page(client, world) -> str:
    case_page = _page(client, f"/cases/{world['case']}")
    assert f'href="/cases/{world["case"]}/identifications"' in case_page
    listing = _page(client, f"/cases/{world['case']}/identifications")
    assert 'id="record-identification"' in listing
    form = _page(client, f"/identifications/new?case={world['case']}")
    # The case's match report and the remains are offered.
    assert f'value="{world["report"]}"' in form
    assert f'value="{world["remains"]}"' in form
    resp = _post(
        client,
        "/identifications/new",
        form,
        {
            "case_reference": world["case"],
            "method": "dna",
            "match_report_id": world["report"],
            "remains_id": world["remains"],
            "source": "local",
            "identified_date": "2026-01-15",
            "notes": CANARY_NOTES,
        },
    )
    url = resp.headers["Location"]
    assert re.fullmatch(r"/identifications/[0-9a-f-]{36}", url)
    return url


def test_record_as_one_user_and_confirm_as_another(app, make_user, dna_world):
    recorder = _sign_in(app, make_user("forensic"))
    url = _record_from_case_page(recorder, dna_world)
    detail = _page(recorder, url)
    assert CANARY_NOTES in detail
    # Links to the remains and the match report pages.
    assert f'href="/remains/{dna_world["remains"]}"' in detail
    assert f'href="/match-reports/{dna_world["report"]}"' in detail
    assert 'id="awaiting-second-person"' in detail
    assert 'id="submit-confirm"' not in detail and 'id="submit-reject"' not in detail
    # The recorder's list marks it as awaiting a second person.
    listing = _page(recorder, "/identifications")
    assert "awaiting a second person" in listing and "<mark>" in listing

    # The recorder posting the confirm form anyway is refused (four eyes).
    resp = recorder.post(url + "/confirm", data={"csrf_token": csrf_from(detail), "version": "1"})
    assert resp.status_code == 409
    assert 'data-status="recorded"' in _page(recorder, url)

    reviewer = _sign_in(app, make_user("focal_point"))
    detail = _page(reviewer, url)
    assert 'id="submit-confirm"' in detail and 'id="submit-reject"' in detail
    assert 'id="awaiting-second-person"' not in detail
    assert "awaiting your review" in _page(reviewer, "/identifications")
    resp = _post(reviewer, url + "/confirm", detail, {"version": "1"})
    assert resp.headers["Location"] == url
    detail = _page(reviewer, url)
    assert 'data-status="confirmed"' in detail and 'id="confirmed-by"' in detail
    assert 'id="submit-confirm"' not in detail

    # The case may now be marked deceased and identified through its own page.
    case_page = _page(reviewer, f"/cases/{dna_world['case']}")
    assert "Identification confirmed" in case_page


def test_reject_through_the_page_needs_a_reason(app, make_user, dna_world):
    recorder = _sign_in(app, make_user("forensic"))
    url = _record_from_case_page(recorder, dna_world)
    reviewer = _sign_in(app, make_user("forensic"))
    detail = _page(reviewer, url)
    resp = _post(reviewer, url + "/reject", detail, {"version": "1", "reason": ""}, status=422)
    assert 'data-status="recorded"' in resp.get_data(as_text=True)
    _post(reviewer, url + "/reject", detail, {"version": "1", "reason": CANARY_REASON})
    detail = _page(reviewer, url)
    assert 'data-status="rejected"' in detail and CANARY_REASON in detail


def test_form_errors_are_shown_and_nothing_is_stored(
    app, make_user, dna_world, identification_count
):
    client = _sign_in(app, make_user("forensic"))
    form = _page(client, f"/identifications/new?case={dna_world['case']}")
    resp = _post(
        client,
        "/identifications/new",
        form,
        {"case_reference": dna_world["case"], "method": "dna", "source": "external"},
        status=422,
    )
    html = resp.get_data(as_text=True)
    assert "Required when the method is dna." in html
    assert "Required when the source is external." in html
    assert identification_count() == 0
    # Without a CSRF token: refused, nothing stored.
    resp = client.post(
        "/identifications/new", data={"case_reference": dna_world["case"], "method": "dental"}
    )
    assert resp.status_code == 400
    assert identification_count() == 0


def test_the_new_page_asks_for_the_case_first(app, make_user, make_case, make_org):
    client = _sign_in(app, make_user("focal_point"))
    html = _page(client, "/identifications/new")
    assert 'name="case"' in html and 'id="submit-case"' in html
    other = make_case(organisation=make_org("GT"), status="active_search")
    _page(client, f"/identifications/new?case={other}", status=404)


def test_liaison_reads_the_pages_but_records_nothing(app, make_user, dna_world, forensic):
    resp = forensic.post(
        "/identifications",
        json={
            "case_reference": dna_world["case"],
            "method": "dental",
            "remains_id": dna_world["remains"],
        },
    )
    ident_id = resp.json["id"]
    liaison = _sign_in(app, make_user("family_liaison"))
    listing = _page(liaison, "/identifications")
    assert ident_id in listing
    assert 'id="record-identification"' not in listing
    detail = _page(liaison, f"/identifications/{ident_id}")
    assert 'id="submit-confirm"' not in detail
    # No link to pages the liaison may not open.
    assert 'href="/remains/' not in detail
    _page(liaison, f"/identifications/new?case={dna_world['case']}", status=403)
    nav = _page(liaison, "/")
    assert 'href="/identifications"' in nav
