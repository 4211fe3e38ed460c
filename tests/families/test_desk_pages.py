"""The families pages at the desk (issue 14): messages in view after a post, pages about one
relative naming them with their safety note, the worklist showing whom to call and how, errors
tied to their fields, required fields marked, pickers that show names, irreversible actions
styled and confirmed."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.families.helpers import CANARY_NAME, CANARY_PHONE, CANARY_SAFETY
from tests.helpers import csrf_from

TODAY = dt.date.today()


@pytest.fixture
def desk(client, login, make_user, liaison, case_ref, add_relative):
    """A liaison officer signed in on the pages, with a relative (who has a safety note) of a
    case, and a notification to that relative due yesterday."""
    relative = add_relative(liaison, case_ref)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    resp = liaison.post(
        f"/cases/{case_ref}/notifications",
        json={"relative_id": relative["id"], "kind": "progress_update", "planned_date": yesterday},
    )
    assert resp.status_code == 201, resp.json
    officer = make_user("family_liaison")
    assert login(officer).status_code == 302
    return {"relative": relative, "notification": resp.json, "reference": case_ref}


def _page(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "no heading"
    return match.group(1)


def _tag(html: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def test_after_recording_consent_the_redirect_lands_on_the_message(client, desk):
    url = f"/relatives/{desk['relative']['id']}"
    page = _page(client, url)
    resp = client.post(
        url + "/consents",
        data={
            "csrf_token": csrf_from(page),
            "purpose": "tracing",
            "given_at": TODAY.isoformat(),
        },
    )
    assert resp.status_code == 302
    # Not a section far down the page (#consents): the message itself, at the top.
    assert resp.headers["Location"] == url + "#messages"
    shown = _page(client, url)
    messages = shown[shown.index('id="messages"') :]
    assert "Consent recorded." in messages[: messages.index("</div>")]
    assert 'tabindex="-1"' in _tag(shown, "messages")


def test_a_refused_consent_has_a_summary_linking_to_its_fields(client, desk):
    url = f"/relatives/{desk['relative']['id']}"
    page = _page(client, url)
    resp = client.post(
        url + "/consents",
        data={"csrf_token": csrf_from(page), "purpose": "", "given_at": "2020-02-30"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'href="#purpose"' in summary and 'href="#given_at"' in summary
    assert "autofocus" in html[html.rindex("<div", 0, html.index('class="error-summary"')) :][:300]
    purpose = _tag(html, "purpose")
    assert 'aria-invalid="true"' in purpose
    described = re.search(r'aria-describedby="([^"]+)"', purpose).group(1).split()
    for error_id in described:
        assert f'id="{error_id}"' in html
    # Plain words, not the schema's jargon.
    assert "Missing data for required field." not in html
    assert "This field is required." in html


def test_pages_about_one_relative_name_them_and_show_the_safety_note(client, desk, database):
    relative_id = desk["relative"]["id"]
    page = _page(client, f"/relatives/{relative_id}")
    client.post(
        f"/relatives/{relative_id}/consents",
        data={"csrf_token": csrf_from(page), "purpose": "tracing", "given_at": TODAY.isoformat()},
    )
    page = _page(client, f"/relatives/{relative_id}")
    (withdraw_url,) = set(re.findall(r'href="(/consents/[0-9a-f-]{36}/withdraw)"', page))
    pages = {
        "withdraw": withdraw_url,
        "delivery": f"/notifications/{desk['notification']['id']}",
        "erase": f"/relatives/{relative_id}/erase",
    }
    for name, url in pages.items():
        html = _page(client, url)
        assert CANARY_NAME in _h1(html), name
        assert CANARY_SAFETY in html, name


def test_the_erase_page_names_the_relative_and_its_button_is_a_danger(
    client, login, make_user, liaison, case_ref, add_relative
):
    relative = add_relative(liaison, case_ref)
    assert login(make_user("focal_point")).status_code == 302
    html = _page(client, f"/relatives/{relative['id']}/erase")
    assert CANARY_NAME in _h1(html)
    assert CANARY_SAFETY in html
    button = _tag(html, "submit-erase")
    assert re.search(r'class="[^"]*\bdanger\b', button)
    # The relative page's link to it too.
    page = _page(client, f"/relatives/{relative['id']}")
    link = re.search(r'<a [^>]*href="/relatives/[0-9a-f-]{36}/erase"[^>]*>', page).group(0)
    assert re.search(r'class="[^"]*\bdanger\b', link)
    # Without the confirmation ticked nothing is erased, and the box says why.
    resp = client.post(
        f"/relatives/{relative['id']}/erase",
        data={"csrf_token": csrf_from(html), "note": "asked by phone"},
    )
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in _tag(resp.get_data(as_text=True), "confirm")
    assert CANARY_NAME in _page(client, f"/relatives/{relative['id']}")


def test_the_worklist_shows_whom_to_call_and_how(client, desk):
    html = _page(client, "/worklist")
    table = html[html.index('id="worklist"') :]
    header = table[: table.index("</thead>")]
    assert CANARY_NAME in table
    assert CANARY_SAFETY in table
    # The phone as stored (E.164), the preferred language by its name, not its tag.
    assert "+50371234567" in table or CANARY_PHONE in table
    assert "Spanish" in table
    # Every column has a header: the actions' too.
    headers = re.findall(r"<th[^>]*>(.*?)</th>", header, re.S)
    assert headers and all(h.strip() for h in headers), headers


def test_the_worklist_reads_the_relatives_through_the_gateway(client, desk, audit_events):
    before = len(audit_events())
    _page(client, "/worklist")
    reads = [e for e in audit_events()[before:] if e.action == "relative.list"]
    assert len(reads) == 1
    assert desk["relative"]["id"] in str(reads[0].details)
    assert CANARY_NAME not in str(reads[0].details)


def test_the_relative_form_marks_required_fields_and_offers_names(client, desk):
    html = _page(client, f"/cases/{desk['reference']}/family")
    form = html[html.index('id="add-relative"') :]
    assert "(required)" in form and "required-note" in form
    name_input = _tag(form, "full_name")
    assert "required" in name_input and 'dir="auto"' in name_input
    # The language and the phone's country are chosen by name, and post codes.
    language = form[form.index('id="preferred_language"') :]
    language = language[: language.index("</select>")]
    assert re.search(r'<option value="es">Spanish</option>', language)
    region = form[form.index('id="phone_region"') :]
    region = region[: region.index("</select>")]
    assert re.search(r'<option value="LY">Libya</option>', region)
    # Phone inputs are text inputs styled like the others (type=tel, class of a text input).
    assert 'type="tel"' in _tag(form, "phone")


def test_the_relative_form_posts_codes_chosen_by_name(client, desk):
    html = _page(client, f"/cases/{desk['reference']}/family")
    data = {
        "csrf_token": csrf_from(html),
        "full_name": "Nadia Benali",
        "relationship": "sister",
        "country_of_residence": "",
        "phone": "091 234 5678",
        "phone_region": "LY",
        "preferred_language": "ar",
    }
    resp = client.post(f"/cases/{desk['reference']}/family", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    shown = _page(client, resp.headers["Location"].split("#")[0])
    assert "+218912345678" in shown
    assert "Arabic" in shown
