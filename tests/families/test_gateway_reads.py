"""Every read of a relative's personal data goes through the access gateway: exactly one audit
event per read (one per record, or one per page of a list or look-up), naming the records and
the categories shown, never a contact value or the number or email searched for."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.families.helpers import (
    CANARY_ADDRESS,
    CANARY_E164,
    CANARY_EMAIL,
    CANARY_EVIDENCE,
    CANARY_NAME,
    CANARY_NOTES,
    CANARY_PHONE,
    CANARY_SAFETY,
)
from tests.helpers import csrf_from

#: Values that must never reach an audit event: contacts, notes, evidence, and search terms.
NEVER = (
    CANARY_NAME,
    CANARY_PHONE,
    CANARY_E164,
    "7123 4567",
    "71234567",
    CANARY_EMAIL,
    CANARY_EMAIL.lower(),
    CANARY_ADDRESS,
    CANARY_SAFETY,
    CANARY_NOTES,
    CANARY_EVIDENCE,
)
CONTACTS = ["family_contacts"]


@pytest.fixture
def family(liaison, case_ref, add_relative):
    """A case with two relatives; the mother has a consent and a notification with notes."""
    mother = add_relative(liaison, case_ref)
    brother = add_relative(
        liaison,
        case_ref,
        full_name="Brother Canary",
        relationship="brother",
        phone="+503 7000 0002",
        email=None,
    )
    consent = liaison.post(
        f"/relatives/{mother['id']}/consents",
        json={
            "purpose": "contact",
            "scope": [{"kind": "any"}],
            "evidence_reference": CANARY_EVIDENCE,
        },
    )
    assert consent.status_code == 201, consent.json
    notification = liaison.post(
        f"/cases/{case_ref}/notifications",
        json={
            "relative_id": mother["id"],
            "kind": "acknowledgement",
            "planned_date": "2026-01-01",
            "notes": CANARY_NOTES,
        },
    )
    assert notification.status_code == 201, notification.json
    return {
        "ref": case_ref,
        "mother": mother,
        "brother": brother,
        "consent": consent.json,
        "notification": notification.json,
    }


@pytest.fixture
def one_read(audit_events):
    """`one_read(call)`: calls, asserts exactly one new audit event carrying no personal value
    or search term, and returns (the response, the event)."""

    def run(call):
        before = len(audit_events())
        response = call()
        new = audit_events()[before:]
        assert len(new) == 1, [(e.action, e.details) for e in new]
        (event,) = new
        raw = json.dumps(
            [
                event.action,
                event.object_type,
                event.object_id,
                event.case_reference,
                event.purpose,
                event.categories,
                event.details,
            ],
            ensure_ascii=False,
            default=str,
        )
        for value in NEVER:
            assert value not in raw, value
        return response, event

    return run


# --- the API ----------------------------------------------------------------------------------


def test_get_relative_is_one_read(liaison, family, one_read):
    mother = family["mother"]
    resp, event = one_read(lambda: liaison.get(f"/relatives/{mother['id']}"))
    assert resp.status_code == 200
    assert resp.json["full_name"] == CANARY_NAME
    assert event.action == "relative.read"
    assert event.object_type == "relative"
    assert event.object_id == mother["id"]
    assert event.case_reference == family["ref"]
    assert event.categories == CONTACTS
    assert event.details == {"view": "relative"}


def test_a_case_s_relatives_are_one_read_per_page(liaison, family, one_read):
    ref, mother, brother = family["ref"], family["mother"], family["brother"]
    resp, event = one_read(lambda: liaison.get(f"/cases/{ref}/relatives"))
    assert [r["id"] for r in resp.json["items"]] == [mother["id"], brother["id"]]
    assert event.action == "relative.list"
    assert event.object_id is None
    assert event.case_reference == ref
    assert event.categories == CONTACTS
    assert event.details == {
        "view": "case_relatives",
        "page": 1,
        "count": 2,
        "references": [mother["id"], brother["id"]],
    }

    resp, event = one_read(lambda: liaison.get(f"/cases/{ref}/relatives?page=2&per_page=1"))
    assert resp.json["total"] == 2
    assert [r["id"] for r in resp.json["items"]] == [brother["id"]]
    assert event.details == {
        "view": "case_relatives",
        "page": 2,
        "count": 1,
        "references": [brother["id"]],
    }


@pytest.mark.parametrize(
    "query", ["phone=" + quote("7123 4567"), "email=" + quote(CANARY_EMAIL.lower())]
)
def test_hotline_look_up_is_one_read_per_page_without_the_value(liaison, family, one_read, query):
    resp, event = one_read(lambda: liaison.get("/relatives?" + query))
    assert [r["id"] for r in resp.json["items"]] == [family["mother"]["id"]]
    assert event.action == "relative.list"
    assert event.case_reference == family["ref"]
    assert event.categories == CONTACTS
    assert event.details == {
        "view": "lookup",
        "page": 1,
        "count": 1,
        "references": [family["mother"]["id"]],
    }


def test_a_look_up_that_finds_nothing_is_still_one_read(liaison, family, one_read):
    resp, event = one_read(lambda: liaison.post("/relatives/search", json={"phone": "7999 9999"}))
    assert resp.status_code == 200
    assert resp.json["items"] == []
    assert event.action == "relative.list"
    assert event.categories == []
    assert event.details == {"view": "lookup", "page": 1, "count": 0, "references": []}


@pytest.mark.parametrize(
    "query, body",
    [
        ("phone=" + quote("7123 4567"), {"phone": "7123 4567"}),
        ("phone=" + quote("7123-4567") + "&region=SV", {"phone": "7123-4567", "region": "SV"}),
        ("phone=" + quote("+503 7000 0002"), {"phone": "+503 7000 0002"}),
        ("email=" + quote(CANARY_EMAIL), {"email": CANARY_EMAIL}),
        ("phone=" + quote("7999 9999"), {"phone": "7999 9999"}),
    ],
)
def test_post_search_finds_what_the_get_look_up_finds(liaison, family, one_read, query, body):
    got, get_event = one_read(lambda: liaison.get("/relatives?" + query))
    posted, post_event = one_read(lambda: liaison.post("/relatives/search", json=body))
    assert got.status_code == posted.status_code == 200
    assert posted.json == got.json
    assert post_event.details == get_event.details
    assert post_event.categories == get_event.categories


def test_post_search_pages_like_the_get_look_up(liaison, make_case, add_relative, one_read):
    ids = [add_relative(liaison, make_case(), phone="7000 0009")["id"] for _ in range(3)]
    resp, event = one_read(
        lambda: liaison.post(
            "/relatives/search", json={"phone": "70000009", "page": 2, "per_page": 2}
        )
    )
    assert resp.json["total"] == 3 and resp.json["page"] == 2
    assert [r["id"] for r in resp.json["items"]] == ids[2:]
    assert event.details["references"] == ids[2:] and event.details["page"] == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "phone"),
        ({"phone": "71234567", "email": "a@b.org"}, "phone"),
        ({"phone": "not-a-number"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "71234567", "region": "XX"}, "region"),
    ],
)
def test_bad_searches_are_422_naming_the_field_and_read_nothing(
    liaison, family, audit_events, body, field
):
    before = len(audit_events())
    resp = liaison.post("/relatives/search", json=body)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]
    assert len(audit_events()) == before


def test_consents_list_is_one_read(liaison, family, one_read):
    mother = family["mother"]
    resp, event = one_read(lambda: liaison.get(f"/relatives/{mother['id']}/consents"))
    assert [c["id"] for c in resp.json["items"]] == [family["consent"]["id"]]
    assert event.action == "relative.read"
    assert event.object_id == mother["id"]
    assert event.case_reference == family["ref"]
    assert event.categories == ["consent"]
    assert event.details == {"view": "consents"}


def test_notifications_list_is_one_read_per_page(liaison, family, one_read):
    ref = family["ref"]
    resp, event = one_read(lambda: liaison.get(f"/cases/{ref}/notifications"))
    (item,) = resp.json["items"]
    assert item["notes"] == CANARY_NOTES
    assert event.action == "relative.list"
    assert event.case_reference == ref
    assert event.categories == ["notifications"]
    assert event.details == {
        "view": "notifications",
        "page": 1,
        "count": 1,
        "references": [family["mother"]["id"]],
    }


def test_another_organisation_s_relative_is_404_and_nothing_is_read(
    make_org, api, make_case, add_relative, family, liaison, audit_events
):
    gt = make_org("GT")
    ref = make_case(gt)
    rel = add_relative(api("family_liaison", gt), ref)
    before = len(audit_events())
    for path in (
        f"/relatives/{rel['id']}",
        f"/relatives/{rel['id']}/consents",
        f"/cases/{ref}/relatives",
        f"/cases/{ref}/notifications",
    ):
        assert liaison.get(path).status_code == 404, path
    reads = [e for e in audit_events()[before:] if e.action.startswith("relative.")]
    assert reads == []
    found = liaison.post("/relatives/search", json={"phone": CANARY_PHONE}).json["items"]
    assert [r["id"] for r in found] == [family["mother"]["id"]]


def test_openapi_marks_the_get_look_up_values_deprecated(client):
    spec = client.get("/api/v1/openapi.json").json
    params = {p["name"]: p for p in spec["paths"]["/api/v1/relatives"]["get"]["parameters"]}
    assert params["phone"]["deprecated"] is True
    assert params["email"]["deprecated"] is True
    assert "/relatives/search" in params["phone"]["description"]
    assert not params["region"].get("deprecated")
    search = spec["paths"]["/api/v1/relatives/search"]["post"]
    body = search["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    properties = spec["components"]["schemas"][body.rsplit("/", 1)[-1]]["properties"]
    assert {"phone", "email", "region"} <= set(properties)
    assert not any(p.get("deprecated") for p in properties.values())


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, login, make_user, family):
    """A liaison officer of the family's organisation, signed in on the pages."""
    assert login(make_user("family_liaison")).status_code == 302
    return client


def _page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    return resp.get_data(as_text=True)


def test_family_page_is_one_read(signed_in, family, one_read):
    ref = family["ref"]
    resp, event = one_read(lambda: signed_in.get(f"/cases/{ref}/family"))
    assert resp.status_code == 200
    assert CANARY_NAME in resp.get_data(as_text=True)
    assert event.action == "relative.list"
    assert event.case_reference == ref
    assert event.categories == CONTACTS
    assert event.details == {
        "view": "family_page",
        "page": 1,
        "count": 2,
        "references": [family["mother"]["id"], family["brother"]["id"]],
    }


@pytest.mark.parametrize(
    "url, view, categories, shows",
    [
        (
            "/relatives/{rid}",
            "relative_page",
            ["family_contacts", "consent", "notifications"],
            [CANARY_SAFETY, CANARY_EVIDENCE, CANARY_NOTES],
        ),
        ("/relatives/{rid}/edit", "edit_page", CONTACTS, [CANARY_ADDRESS]),
        ("/relatives/{rid}/erase", "erase_page", CONTACTS, [CANARY_NAME]),
        # Pages about one relative name them and show their safety note (issue 14).
        (
            "/notifications/{nid}",
            "notification_page",
            ["family_contacts", "notifications"],
            [CANARY_NOTES, CANARY_NAME, CANARY_SAFETY],
        ),
        (
            "/consents/{cid}/withdraw",
            "withdraw_page",
            ["family_contacts", "consent"],
            [CANARY_NAME, CANARY_SAFETY],
        ),
    ],
)
def test_each_relative_page_is_one_read(signed_in, family, one_read, url, view, categories, shows):
    mother = family["mother"]
    url = url.format(
        rid=mother["id"], nid=family["notification"]["id"], cid=family["consent"]["id"]
    )
    resp, event = one_read(lambda: signed_in.get(url))
    assert resp.status_code == 200, url
    html = resp.get_data(as_text=True)
    for value in shows:
        assert value in html, value
    assert event.action == "relative.read"
    assert event.object_id == mother["id"]
    assert event.case_reference == family["ref"]
    assert event.categories == categories
    assert event.details == {"view": view}


def test_look_up_page_is_one_read(signed_in, family, one_read):
    form = _page(signed_in, "/relatives/lookup")
    resp, event = one_read(
        lambda: signed_in.post(
            "/relatives/lookup", data={"csrf_token": csrf_from(form), "phone": "7123 4567"}
        )
    )
    assert resp.status_code == 200
    assert CANARY_NAME in resp.get_data(as_text=True)
    assert event.action == "relative.list"
    assert event.categories == CONTACTS
    assert event.details == {
        "view": "lookup_page",
        "page": 1,
        "count": 1,
        "references": [family["mother"]["id"]],
    }


def test_a_refused_consent_shows_the_page_again_as_one_read(signed_in, family, one_read):
    rid = family["mother"]["id"]
    page = _page(signed_in, f"/relatives/{rid}")
    resp, event = one_read(
        lambda: signed_in.post(
            f"/relatives/{rid}/consents",
            data={"csrf_token": csrf_from(page), "purpose": "nonsense"},
        )
    )
    assert resp.status_code == 422
    assert event.action == "relative.read"
    assert event.details == {"view": "relative_page"}


def test_pages_of_another_organisation_read_nothing(
    client, login, make_user, make_org, api, make_case, add_relative, audit_events
):
    gt = make_org("GT")
    ref = make_case(gt)
    rel = add_relative(api("family_liaison", gt), ref)
    login(make_user("family_liaison"))
    before = len(audit_events())
    for url in (f"/cases/{ref}/family", f"/relatives/{rel['id']}"):
        assert client.get(url).status_code == 404, url
    assert [e for e in audit_events()[before:] if e.action.startswith("relative.")] == []
