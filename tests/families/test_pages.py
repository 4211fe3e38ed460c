"""A liaison officer's whole journey through the pages alone (Flask test client): add a relative,
record consent, plan and deliver a notification, see the worklist; plus the look-up page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.families.helpers import CANARY_NAME, CANARY_SAFETY
from tests.helpers import csrf_from

TODAY = dt.date.today()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()


def _page(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _post(client, url: str, page_html: str, data: dict, status: int = 302):
    resp = client.post(url, data={"csrf_token": csrf_from(page_html), **data})
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:3000])
    return resp


def test_liaison_journey_through_the_pages(client, login, make_user, make_case):
    ref = make_case()
    officer = make_user("family_liaison")
    assert login(officer).status_code == 302

    home = _page(client, "/")
    assert 'href="/worklist"' in home and 'href="/relatives/lookup"' in home

    # Add a relative on the case's family page.
    family = _page(client, f"/cases/{ref}/family")
    assert 'id="submit"' in family
    resp = _post(
        client,
        f"/cases/{ref}/family",
        family,
        {
            "full_name": CANARY_NAME,
            "relationship": "mother",
            "country_of_residence": "SV",
            "phone": "7123-4567",
            "email": "rosa@example.org",
            "address": "Calle 1",
            "preferred_language": "es",
            "preferred_channel": "phone",
            "is_reporting_person": "y",
            "safety_note": CANARY_SAFETY,
        },
    )
    # The redirect lands on the message ("Relative added.") at the top of the page.
    relative_url = resp.headers["Location"].removesuffix("#messages")
    assert re.fullmatch(r"/relatives/[0-9a-f-]{36}", relative_url)
    relative = _page(client, relative_url)
    assert CANARY_NAME in relative and "+50371234567" in relative
    assert CANARY_SAFETY in relative
    assert relative.index(CANARY_SAFETY) < relative.index("+50371234567")  # safety note first
    for element in ('id="submit-consent"', 'id="submit-notification"'):
        assert element in relative

    # Record consent.
    _post(
        client,
        relative_url + "/consents",
        relative,
        {
            "purpose": "tracing",
            "scope": "category:humanitarian",
            "given_at": TODAY.isoformat(),
            "evidence_reference": "Form 12",
        },
    )
    relative = _page(client, relative_url)
    assert "Form 12" in relative and "humanitarian" in relative

    # Plan a notification that is already due: it shows on the worklist, overdue.
    _post(
        client,
        relative_url + "/notifications",
        relative,
        {
            "kind": "progress_update",
            "planned_date": YESTERDAY,
            "channel": "phone",
            "officer_id": str(officer.id),
            "language": "es",
            "support_offered": "none",
            "notes": "Call after work",
        },
    )
    relative = _page(client, relative_url)
    (notification_url,) = set(re.findall(r'href="(/notifications/[0-9a-f-]{36})"', relative))
    worklist = _page(client, "/worklist")
    assert ref in worklist and 'class="overdue"' in worklist and "overdue" in worklist
    assert notification_url in worklist

    # Record the delivery with a follow-up in a week. The form proposes no outcome and no
    # date: saving it as offered must not record a delivery that never happened.
    form = _page(client, notification_url)
    assert 'id="submit-delivery"' in form
    outcome = re.search(r'<select[^>]*name="outcome".*?</select>', form, re.S).group(0)
    assert re.search(r'<option selected value="[^"]+"', outcome) is None  # only the blank
    assert re.search(r'name="delivered_date"[^>]*value="[^"]+"', form) is None
    version = re.search(r'name="version"[^>]*value="(\d+)"', form).group(1)
    _post(
        client,
        notification_url,
        form,
        {
            "outcome": "delivered",
            "delivered_date": TODAY.isoformat(),
            "planned_date": YESTERDAY,
            "channel": "phone",
            "officer_id": str(officer.id),
            "language": "es",
            "support_offered": "offered",
            "follow_up_due": (TODAY + dt.timedelta(days=7)).isoformat(),
            "notes": "Delivered; mother calm",
            "version": version,
        },
    )
    assert "Nothing is due" in _page(client, "/worklist")
    later = (TODAY + dt.timedelta(days=8)).isoformat()
    assert "follow-up" in _page(client, f"/worklist?due_before={later}")

    # The hotline look-up is a POST form: the number never goes into the URL.
    lookup = _page(client, "/relatives/lookup")
    assert 'method="post"' in lookup
    resp = _post(client, "/relatives/lookup", lookup, {"phone": "00503 7123 4567"}, status=200)
    assert CANARY_NAME in resp.get_data(as_text=True)
    assert ref in resp.get_data(as_text=True)
    resp = _post(client, "/relatives/lookup", lookup, {"phone": "7999 9999"}, status=200)
    assert CANARY_NAME not in resp.get_data(as_text=True)
    resp = _post(client, "/relatives/lookup", lookup, {"phone": "garbage"}, status=422)

    # Withdraw the consent.
    relative = _page(client, relative_url)
    (withdraw_url,) = re.findall(r'href="(/consents/[0-9a-f-]{36}/withdraw)"', relative)
    page = _page(client, withdraw_url)
    assert 'id="submit-withdraw"' in page
    _post(client, withdraw_url, page, {"reason": "The family asked"})
    assert "withdrawn" in _page(client, relative_url)


def test_invalid_form_input_is_shown_on_the_form(client, login, make_user, make_case, database):
    ref = make_case()
    login(make_user("family_liaison"))
    family = _page(client, f"/cases/{ref}/family")
    resp = _post(
        client,
        f"/cases/{ref}/family",
        family,
        {"full_name": "", "relationship": "son", "phone": "123", "email": "nope"},
        status=422,
    )
    html = resp.get_data(as_text=True)
    assert html.count('class="error"') == 2  # full_name, email (the schema's checks)
    assert "No relatives recorded yet" in html
    resp = _post(
        client,
        f"/cases/{ref}/family",
        family,
        {"full_name": "Ana", "relationship": "son", "country_of_residence": "SV", "phone": "123"},
        status=422,
    )
    assert "Not a valid phone number." in resp.get_data(as_text=True)
    assert "No relatives recorded yet" in resp.get_data(as_text=True)


def test_missing_csrf_token_is_refused(client, login, make_user, make_case):
    ref = make_case()
    login(make_user("family_liaison"))
    resp = client.post(f"/cases/{ref}/family", data={"full_name": "X", "relationship": "y"})
    assert resp.status_code == 400


@pytest.mark.usefixtures("identification_confirmed")
def test_identification_rules_on_the_page(client, login, make_user, make_case):
    ref = make_case(status="deceased_identified")
    officer = make_user("family_liaison")
    login(officer)
    family = _page(client, f"/cases/{ref}/family")
    assert "Identification notification outstanding" in family
    resp = _post(
        client, f"/cases/{ref}/family", family, {"full_name": "Rosa", "relationship": "wife"}
    )
    # The redirect lands on the message ("Relative added.") at the top of the page.
    relative_url = resp.headers["Location"].removesuffix("#messages")
    relative = _page(client, relative_url)
    refused = _post(
        client,
        relative_url + "/notifications",
        relative,
        {"kind": "identification", "planned_date": TODAY.isoformat()},
        status=422,
    )
    html = refused.get_data(as_text=True)
    assert html.count('class="error"') >= 3  # officer, channel, support
    unreachable = _page(client, f"/cases/{ref}/family")
    _post(
        client,
        f"/cases/{ref}/family/no-relative-reachable",
        unreachable,
        {"no_relative_reachable_reason": "Nobody answers"},
    )
    assert "Identification notification outstanding" not in _page(client, f"/cases/{ref}/family")


def test_pages_of_another_organisation_are_404(
    client, login, make_user, make_case, make_org, api, add_relative
):
    gt = make_org("GT")
    ref = make_case(gt)
    rel = add_relative(api("family_liaison", gt), ref)
    login(make_user("family_liaison"))
    for url in (
        f"/cases/{ref}/family",
        f"/relatives/{rel['id']}",
        f"/relatives/{rel['id']}/edit",
        f"/relatives/{rel['id']}/erase",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["forensic", "admin", "auditor", "partner"])
def test_pages_refuse_other_roles(client, login, make_user, make_case, role):
    ref = make_case()
    login(make_user(role))
    for url in (f"/cases/{ref}/family", "/worklist", "/relatives/lookup"):
        assert client.get(url).status_code == 403, url
    assert "/worklist" not in _page(client, "/")


def test_focal_point_sees_the_family_but_not_the_worklist(client, login, make_user, make_case):
    ref = make_case()
    login(make_user("focal_point"))
    family = _page(client, f"/cases/{ref}/family")
    assert 'id="submit"' in family
    assert client.get("/worklist").status_code == 403
    assert 'href="/worklist"' not in _page(client, "/")


def test_edit_and_erase_pages(client, login, make_user, make_case):
    ref = make_case()
    login(make_user("family_liaison"))
    family = _page(client, f"/cases/{ref}/family")
    resp = _post(
        client,
        f"/cases/{ref}/family",
        family,
        {"full_name": CANARY_NAME, "relationship": "son", "phone": "+50370000009"},
    )
    # The redirect lands on the message ("Relative added.") at the top of the page.
    relative_url = resp.headers["Location"].removesuffix("#messages")
    edit = _page(client, relative_url + "/edit")
    assert CANARY_NAME in edit
    _post(
        client,
        relative_url + "/edit",
        edit,
        {
            "full_name": "Renamed Person",
            "relationship": "son",
            "country_of_residence": "SV",
            "phone": "7000 0008",
            "version": "1",
        },
    )
    assert "+50370000008" in _page(client, relative_url)
    stale = _post(
        client,
        relative_url + "/edit",
        edit,
        {"full_name": "Stale", "relationship": "son", "version": "1"},
        status=409,
    )
    assert "Stale" not in _page(client, relative_url)
    assert stale.status_code == 409
    erase = _page(client, relative_url + "/erase")
    assert 'id="submit-erase"' in erase
    _post(client, relative_url + "/erase", erase, {"note": "no confirm"}, status=422)
    _post(client, relative_url + "/erase", erase, {"confirm": "y", "note": "by letter"})
    page = _page(client, relative_url)
    assert "Erased relative" in page and "Renamed Person" not in page


def test_consent_scope_names_an_organisation_chosen_by_name(
    client, login, make_user, make_case, make_org, liaison, add_relative
):
    ref = make_case()
    partner = make_org("CH", "humanitarian", name="Tracing Partners of Geneva")
    officer = make_user("family_liaison")
    rel = add_relative(liaison, ref)
    login(officer)
    url = f"/relatives/{rel['id']}"
    page = _page(client, url)
    # The organisation is offered by name; nobody types an id.
    option = re.search(r'<option value="([0-9a-f-]{36})">Tracing Partners of Geneva \(CH\)', page)
    assert option and option.group(1) == str(partner.id)
    _post(
        client,
        url + "/consents",
        page,
        {
            "purpose": "tracing",
            "scope_organisation": str(partner.id),
            "given_at": TODAY.isoformat(),
            "evidence_reference": "Form 13",
        },
    )
    consents = liaison.get(f"/relatives/{rel['id']}/consents").json["items"]
    assert consents[0]["scope"] == [{"kind": "organisation", "value": str(partner.id)}]
    # The consent list names the organisation, not its id.
    after = _page(client, url)
    row = after[after.index("Form 13") - 600 : after.index("Form 13")]
    assert "Tracing Partners of Geneva" in row and str(partner.id) not in row
