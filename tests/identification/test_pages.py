"""The identification pages with the Flask test client: one user records an identification from
the case's page, the same user is told it awaits a second person, another user confirms it (or
rejects it); errors are shown on the form and nothing is stored."""

from __future__ import annotations

import re

from tests.helpers import PASSWORD, csrf_from
from tests.identification.helpers import CANARY_NOTES, CANARY_REASON, dna_body


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
    url = resp.headers["Location"].removesuffix("#messages")  # the message at the top
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
    assert resp.headers["Location"] == url + "#messages"
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
    # An irreversible decision: a danger button, and a confirmation step (issue 14).
    assert re.search(
        r'<input[^>]*class="button danger"[^>]*id="submit-reject"', detail
    ) or re.search(r'<input[^>]*id="submit-reject"[^>]*class="button danger"', detail)
    resp = _post(
        reviewer, url + "/reject", detail, {"version": "1", "reason": CANARY_REASON}, status=422
    )
    html = resp.get_data(as_text=True)
    assert 'data-status="recorded"' in html and "Tick the box to confirm the rejection." in html
    _post(
        reviewer, url + "/reject", detail, {"version": "1", "reason": CANARY_REASON, "confirm": "y"}
    )
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


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section aria-labelledby="{section_id}-heading" id="{section_id}">')
    return html[start : html.index("</section>", start)]


def test_confirm_and_reject_each_have_their_own_labelled_section(app, make_user, dna_world):
    recorder = _sign_in(app, make_user("forensic"))
    url = _record_from_case_page(recorder, dna_world)
    reviewer = _sign_in(app, make_user("focal_point"))
    detail = _page(reviewer, url)
    confirm, reject = _section(detail, "confirm"), _section(detail, "reject")
    assert '<h3 id="confirm-heading">Confirm</h3>' in confirm
    assert 'id="submit-confirm"' in confirm
    assert 'name="reason"' not in confirm and "Why it is rejected" not in confirm
    assert '<h3 id="reject-heading">Reject</h3>' in reject
    assert 'name="reason"' in reject and 'id="submit-reject"' in reject
    assert 'id="submit-confirm"' not in reject


def test_the_case_step_puts_only_the_case_in_the_url(app, make_user):
    client = _sign_in(app, make_user("focal_point"))
    html = _page(client, "/identifications/new")
    start = html.index('<form method="get"')
    form = html[start : html.index("</form>", start)]
    assert 'id="submit-case"' in form and ">Continue<" in form
    # Only the case reference is a named control: the button adds nothing to the URL.
    assert re.findall(r'name="([^"]+)"', form) == ["case"]


def test_the_form_lists_reports_with_a_readable_likelihood_ratio(app, make_user, dna_world):
    client = _sign_in(app, make_user("forensic"))
    form = _page(client, f"/identifications/new?case={dna_world['case']}")
    assert "likelihood ratio 1.2\u00a0×\u00a010⁹" in form  # reported as 1.2e9
    assert "1.2e+09" not in form


def test_a_confirmed_identification_points_to_the_next_steps(
    app, make_user, dna_world, forensic, focal
):
    """Once confirmed: the identification page says the case may now be marked deceased and
    identified (linking to the case page), until it is; the remains page links the case's
    identifications."""
    ref = dna_world["case"]
    ident = forensic.post("/identifications", json=dna_body(dna_world)).json
    url = f"/identifications/{ident['id']}"
    reviewer = _sign_in(app, make_user("focal_point"))
    assert 'id="case-may-follow"' not in _page(reviewer, url)  # recorded only
    remains = _page(reviewer, f"/remains/{dna_world['remains']}")
    assert f'href="/cases/{ref}/identifications"' not in remains

    assert focal.post(f"/identifications/{ident['id']}/confirm", json={}).status_code == 200
    detail = _page(reviewer, url)
    hint = detail[detail.index('id="case-may-follow"') :].split("</p>")[0]
    assert "the case can now be marked “Deceased, identified” on its case page" in hint
    assert f'href="/cases/{ref}#change-status"' in hint  # a focal point changes the status
    officer = _sign_in(app, make_user("forensic"))
    detail = _page(officer, url)
    hint = detail[detail.index('id="case-may-follow"') :].split("</p>")[0]
    assert f'href="/cases/{ref}"' in hint  # to the case page, where they cannot change it
    remains = _page(officer, f"/remains/{dna_world['remains']}")
    links = remains[remains.index('id="remains-links"') :].split("</ul>")[0]
    assert f'href="/cases/{ref}/identifications"' in links
    assert "Identifications of the case" in links

    moved = focal.post(
        f"/cases/{ref}/status", json={"status": "deceased_identified", "note": "Identified."}
    )
    assert moved.status_code == 200, moved.json
    assert 'id="case-may-follow"' not in _page(reviewer, url)
