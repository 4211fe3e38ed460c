"""Issue 12, defects 6 and 9, found by trying casework as its users would: a consent for an
organisation that does not exist, deliveries dated before the notification or the case, and
phone numbers written without their country code."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.families.helpers import relative_body
from tests.helpers import csrf_from

TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def _relative(caller, reference: str, **fields):
    body = relative_body(**fields)
    for name in [k for k, v in body.items() if v is ...]:
        del body[name]
    return caller.post(f"/cases/{reference}/relatives", json=body)


# --- defect 9: a phone number without its country code ------------------------------------------


def test_a_national_number_is_read_for_the_relatives_country(liaison, case_ref):
    # The organisation is Salvadoran; the mother lives in Ukraine.
    resp = _relative(liaison, case_ref, country_of_residence="ua", phone="067 123 4567")
    assert resp.status_code == 201, resp.json
    assert resp.json["phone"] == "+380671234567"
    assert resp.json["country_of_residence"] == "UA"


def test_a_national_number_without_the_relatives_country_is_refused(liaison, case_ref):
    resp = _relative(liaison, case_ref, country_of_residence=..., phone="7123 4567")
    assert resp.status_code == 422, resp.json
    [message] = resp.json["error"]["fields"]["phone"]
    assert "country code (+" in message
    assert "7123" not in str(resp.json)  # the number itself is never echoed
    assert liaison.get(f"/cases/{case_ref}/relatives").json["total"] == 0
    # With its country code, no country is needed.
    for written in ("+380 67 123 4567", "00380 67 123 4567"):
        resp = _relative(liaison, case_ref, country_of_residence=..., phone=written)
        assert resp.status_code == 201, resp.json
        assert resp.json["phone"] == "+380671234567"


def test_an_update_reads_a_national_number_for_the_stored_country(liaison, case_ref):
    rel = _relative(liaison, case_ref, country_of_residence="GT", phone="+50251234567").json
    resp = liaison.patch(f"/relatives/{rel['id']}", json={"phone": "5123 4568", "version": 1})
    assert resp.status_code == 200, resp.json
    assert resp.json["phone"] == "+50251234568"  # Guatemalan, not the organisation's +503


def test_an_update_without_any_country_refuses_a_national_number(liaison, case_ref):
    rel = _relative(liaison, case_ref, country_of_residence=..., phone="+50371234567").json
    resp = liaison.patch(f"/relatives/{rel['id']}", json={"phone": "7123 4568", "version": 1})
    assert resp.status_code == 422 and "phone" in resp.json["error"]["fields"]
    assert liaison.get(f"/relatives/{rel['id']}").json["phone"] == "+50371234567"
    # Giving the country in the same change reads the number for it.
    resp = liaison.patch(
        f"/relatives/{rel['id']}",
        json={"phone": "067 123 4567", "country_of_residence": "UA", "version": 1},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["phone"] == "+380671234567"


def _page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return resp.get_data(as_text=True)


@pytest.fixture
def signed_in_liaison(client, login, make_user):
    user = make_user("family_liaison")
    assert login(user).status_code == 302
    return user


def test_the_family_page_reads_a_national_number_for_the_relatives_country(
    client, signed_in_liaison, case_ref, liaison
):
    url = f"/cases/{case_ref}/family"
    page = _page(client, url)
    assert 'name="country_of_residence"' in page
    data = {"csrf_token": csrf_from(page), "full_name": "Olena", "relationship": "mother"}
    refused = client.post(url, data=data | {"phone": "067 123 4567"})
    assert refused.status_code == 422
    assert "country code (+" in refused.get_data(as_text=True)
    saved = client.post(url, data=data | {"phone": "067 123 4567", "country_of_residence": "UA"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    [rel] = liaison.get(f"/cases/{case_ref}/relatives").json["items"]
    assert rel["phone"] == "+380671234567"
    shown = _page(client, f"/relatives/{rel['id']}")
    assert '<dd id="country_of_residence">Ukraine</dd>' in shown
    edit = _page(client, f"/relatives/{rel['id']}/edit")
    assert '<option selected value="UA">' in edit


# --- defect 6: consents and deliveries that cannot be --------------------------------------------


@pytest.fixture
def mother(liaison, case_ref):
    return _relative(liaison, case_ref).json


def test_a_consent_for_an_organisation_that_does_not_exist_is_refused(liaison, mother, make_org):
    partner = make_org("CH", "humanitarian")
    scope = [
        {"kind": "organisation", "value": str(partner.id)},
        {"kind": "organisation", "value": str(uuid.uuid4())},
    ]
    resp = liaison.post(
        f"/relatives/{mother['id']}/consents", json={"purpose": "tracing", "scope": scope}
    )
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["fields"]["scope"] == {"1": {"value": ["No such organisation."]}}
    assert liaison.get(f"/relatives/{mother['id']}/consents").json["total"] == 0
    ok = liaison.post(
        f"/relatives/{mother['id']}/consents", json={"purpose": "tracing", "scope": scope[:1]}
    )
    assert ok.status_code == 201, ok.json


def test_the_consent_form_refuses_an_organisation_that_does_not_exist(
    client, signed_in_liaison, mother, liaison
):
    url = f"/relatives/{mother['id']}"
    page = _page(client, url)
    resp = client.post(
        url + "/consents",
        data={
            "csrf_token": csrf_from(page),
            "purpose": "tracing",
            "scope_organisation": str(uuid.uuid4()),
        },
    )
    assert resp.status_code == 422
    assert "names an organisation that does not exist" in resp.get_data(as_text=True)
    assert liaison.get(f"/relatives/{mother['id']}/consents").json["total"] == 0


def _plan(caller, reference, relative_id, **body):
    body = {"relative_id": relative_id, "kind": "progress_update", "planned_date": days(0)} | body
    resp = caller.post(f"/cases/{reference}/notifications", json=body)
    return resp


def test_a_delivery_before_the_notification_was_planned_is_refused(liaison, case_ref, mother):
    n = _plan(liaison, case_ref, mother["id"], planned_date=days(-3)).json
    resp = liaison.patch(
        f"/notifications/{n['id']}", json={"delivered_date": days(-10), "version": 1}
    )
    assert resp.status_code == 422, resp.json
    assert "delivered_date" in resp.json["error"]["fields"]
    assert liaison.get(f"/notifications/{n['id']}").json["delivered_date"] is None
    # Recorded at creation too.
    resp = _plan(liaison, case_ref, mother["id"], planned_date=days(-3), delivered_date=days(-4))
    assert resp.status_code == 422 and "delivered_date" in resp.json["error"]["fields"]
    # Earlier than planned (the family came in today), or recorded after the fact: accepted.
    early = _plan(liaison, case_ref, mother["id"], planned_date=days(7)).json
    resp = liaison.patch(
        f"/notifications/{early['id']}", json={"delivered_date": days(0), "version": 1}
    )
    assert resp.status_code == 200, resp.json
    past = _plan(liaison, case_ref, mother["id"], planned_date=days(-9), delivered_date=days(-8))
    assert past.status_code == 201, past.json


def test_a_delivery_before_the_case_existed_is_refused(liaison, make_case, add_relative):
    ref = make_case(registered_days_ago=5)
    rel = add_relative(liaison, ref)
    n = _plan(liaison, ref, rel["id"], planned_date=days(-20)).json
    resp = liaison.patch(
        f"/notifications/{n['id']}", json={"delivered_date": days(-10), "version": 1}
    )
    assert resp.status_code == 422, resp.json
    [message] = resp.json["error"]["fields"]["delivered_date"]
    assert "case was registered" in message
    ok = liaison.patch(f"/notifications/{n['id']}", json={"delivered_date": days(-4), "version": 1})
    assert ok.status_code == 200, ok.json


def test_the_delivery_form_refuses_a_date_before_the_plan(
    client, signed_in_liaison, case_ref, mother, liaison
):
    n = _plan(liaison, case_ref, mother["id"], planned_date=days(-2)).json
    url = f"/notifications/{n['id']}"
    page = _page(client, url)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "outcome": "delivered",
            "delivered_date": days(-30),
            "planned_date": days(-2),
            "version": version,
        },
    )
    assert resp.status_code == 422
    assert "May not be before the notification was planned." in resp.get_data(as_text=True)
    assert liaison.get(url).json["delivered_date"] is None
