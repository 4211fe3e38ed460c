"""The sharing pages with the Flask test client: who may open which page; a focal point requests
shares through the form and sees the decision and its reasons (allowed, denied, waiting for a
second person); the four-eyes rule and revocation through the buttons; the partner's pages hold
the granted canaries and none of the others; agreements recorded, changed and ended through the
forms; the exchange log page and its CSV."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from tests.exchange.conftest import CANARIES
from tests.helpers import PASSWORD, csrf_from, sign_in

TODAY = dt.date.today().isoformat()
JUSTIFICATION = "The family cannot be reached and the remains must be identified quickly."
UUID = r"[0-9a-f-]{36}"


def _sign_in(app, user):
    client = app.test_client()
    resp = sign_in(client, user, PASSWORD)  # with the code step for the roles needing it
    assert resp.status_code == 302
    return client


def _page(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:2000])
    return html.unescape(resp.get_data(as_text=True))


def _post(client, url: str, page_html: str, data: dict, status: int = 302):
    resp = client.post(url, data={"csrf_token": csrf_from(page_html), **data})
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:3000])
    return resp


def _request_through_the_form(client, reference: str, data: dict) -> tuple[str, str]:
    """Post the share form from the case's sharing page; returns (share id, the page after)."""
    form = _page(client, f"/cases/{reference}/sharing")
    resp = _post(client, f"/cases/{reference}/sharing", form, data)
    location = resp.headers["Location"].removesuffix("#messages")
    match = re.fullmatch(rf"/cases/{reference}/sharing\?decided=({UUID})", location)
    assert match, location
    return match.group(1), _page(client, location)


def _tracing(sharing, **overrides) -> dict:
    return {
        "recipient_organisation_id": str(sharing.partner_org.id),
        "purpose": "tracing",
        "categories": ["identity"],
        "legal_basis": "consent",
        "consent_id": sharing.consent_id,
    } | overrides


def _decision_section(page: str) -> str:
    start = page.index('id="decision"')
    return page[start : page.index("</section>", start)]


def _all_canaries() -> list[str]:
    return [value for values in CANARIES.values() for value in values]


# --- who may open what --------------------------------------------------------------------

ROLES = ("admin", "focal_point", "family_liaison", "forensic", "partner", "auditor")


@pytest.fixture
def shared_world(sharing):
    """The fixture's world with one active share (identity for tracing)."""
    resp = sharing.share()
    assert resp.status_code == 201 and resp.json["status"] == "active", resp.json
    return sharing


def test_each_page_opens_for_its_roles_and_is_403_for_the_others(app, shared_world, make_user):
    s = shared_world
    agreement = s.agreement["id"]
    pages = {
        "/agreements": {"admin", "focal_point", "auditor"},
        "/agreements/new": {"admin"},
        f"/agreements/{agreement}": {"admin", "focal_point", "auditor"},
        f"/agreements/{agreement}/edit": {"admin"},
        f"/agreements/{agreement}/end": {"admin"},
        f"/cases/{s.reference}/sharing": {"focal_point", "family_liaison"},
        "/shares/pending": {"focal_point"},
        "/shared-cases": {"partner"},
        f"/shared-cases/{s.reference}": {"partner"},
        "/exchanges": {"focal_point", "admin", "auditor"},
        "/exchanges.csv": {"focal_point", "admin", "auditor"},
    }
    for role in ROLES:
        user = make_user(role, s.partner_org if role == "partner" else None)
        client = _sign_in(app, user)
        for url, allowed in pages.items():
            expected = 200 if role in allowed else 403
            assert client.get(url).status_code == expected, (role, url)


def test_the_case_page_links_to_its_sharing_page(app, sharing):
    client = _sign_in(app, sharing.focal.user)
    page = _page(client, f"/cases/{sharing.reference}")
    assert f'href="/cases/{sharing.reference}/sharing"' in page


# --- requesting a share -------------------------------------------------------------------


def test_the_form_offers_recipients_by_name_and_the_familys_consents(app, sharing):
    client = _sign_in(app, sharing.focal.user)
    page = _page(client, f"/cases/{sharing.reference}/sharing")
    assert 'id="share-form"' in page
    option = re.search(rf'<option value="{sharing.partner_org.id}">([^<]*)</option>', page)
    assert option and "Tracing Agency (ICRC-like)" in option.group(1)
    assert "humanitarian" in option.group(1)
    # The family's consent by the relative's name, purpose and date; never the own organisation.
    consent = re.search(rf'<option value="{sharing.consent_id}">([^<]*)</option>', page)
    assert consent and "Canaryrelative Marisol" in consent.group(1)
    assert "Tracing" in consent.group(1)
    assert f'<option value="{sharing.owner.id}"' not in page


def test_an_allowed_request_shows_its_decision_and_reasons_at_the_top(app, sharing):
    client = _sign_in(app, sharing.focal.user)
    share_id, page = _request_through_the_form(
        client, sharing.reference, _tracing(sharing, categories=["identity", "circumstances"])
    )
    decision = _decision_section(page)
    assert f'data-share="{share_id}"' in decision and 'data-decision="allowed"' in decision
    assert "Allowed" in decision
    assert (
        "Agreement with Tracing Agency (ICRC-like) is in force until 2030-12-31 "
        "and covers tracing." in decision
    )
    assert "Only identity, circumstances leave" in decision
    assert "Why it was refused" not in decision
    # The decision comes before the list and before the form.
    assert page.index('id="decision"') < page.index('id="shares"') < page.index('id="share-form"')
    # The API agrees: one active share.
    [stored] = sharing.focal.get(f"/cases/{sharing.reference}/shares").json["items"]
    assert stored["id"] == share_id and stored["status"] == "active"


def test_a_denied_request_is_recorded_and_shows_why(app, sharing):
    client = _sign_in(app, sharing.focal.user)
    share_id, page = _request_through_the_form(
        client, sharing.reference, _tracing(sharing, categories=["identity", "family_contacts"])
    )
    decision = _decision_section(page)
    assert 'data-decision="denied"' in decision and "Denied" in decision
    refused = decision[decision.index("Why it was refused") :]
    assert "The agreement does not allow sharing family contacts for tracing." in refused
    assert "Family contacts can be shared only for family notification." in refused
    assert 'data-rule="categories"' in refused and 'data-rule="special_categories"' in refused
    stored = sharing.focal.get(f"/shares/{share_id}").json
    assert stored["decision"] == "denied" and stored["status"] == "denied"
    assert sharing.partner.get("/shared-cases").json["items"] == []


def test_form_errors_are_shown_and_nothing_is_stored(app, sharing):
    client = _sign_in(app, sharing.focal.user)
    form = _page(client, f"/cases/{sharing.reference}/sharing")
    resp = _post(
        client,
        f"/cases/{sharing.reference}/sharing",
        form,
        {"recipient_organisation_id": str(sharing.partner_org.id), "purpose": "tracing"},
        status=422,
    )
    assert 'class="error"' in resp.get_data(as_text=True)
    assert sharing.focal.get(f"/cases/{sharing.reference}/shares").json["total"] == 0
    # A missing CSRF token is refused too, not a 500.
    bad = client.post(f"/cases/{sharing.reference}/sharing", data=_tracing(sharing))
    assert bad.status_code == 400


def test_the_requester_cannot_approve_and_a_second_person_can(app, sharing, exchange_log):
    first = _sign_in(app, sharing.focal.user)
    share_id, page = _request_through_the_form(
        first,
        sharing.reference,
        {
            "recipient_organisation_id": str(sharing.partner_org.id),
            "purpose": "identification",
            "categories": ["identity", "dna_references"],
            "legal_basis": "vital_interest",
            "justification": JUSTIFICATION,
        },
    )
    decision = _decision_section(page)
    assert 'data-decision="pending_approval"' in decision
    assert "DNA references leave only after a second person approves the share." in decision
    assert "Waiting for a second person" in decision and "approve-share" not in page

    # The same person posting the approval anyway: the four-eyes message, nothing changes.
    resp = _post(first, f"/shares/{share_id}/approve", page, {"version": "1"}, status=409)
    assert "A second person must approve this share: you requested it." in html.unescape(
        resp.get_data(as_text=True)
    )
    assert sharing.focal.get(f"/shares/{share_id}").json["status"] == "pending_approval"

    second = _sign_in(app, sharing.second_focal.user)
    pending = _page(second, "/shares/pending")
    assert f'data-share="{share_id}"' in pending
    assert f'href="/cases/{sharing.reference}/sharing#share-{share_id}"' in pending
    page = _page(second, f"/cases/{sharing.reference}/sharing")
    assert "approve-share" in page
    resp = _post(second, f"/shares/{share_id}/approve", page, {"version": "1"})
    after = _page(second, resp.headers["Location"])
    decision = _decision_section(after)
    assert 'data-status="active"' in decision
    assert sharing.second_focal.user.email in decision  # who approved
    stored = sharing.focal.get(f"/shares/{share_id}").json
    assert stored["status"] == "active"
    assert stored["approved_by"] == sharing.second_focal.user.email
    assert _page(second, "/shares/pending").count("data-share=") == 0
    events = [(e.direction.value, e.event.value) for e in exchange_log(sharing.owner.id)]
    assert ("outgoing", "approved") in events


def test_revoking_asks_for_a_confirmation_and_ends_the_partners_access(app, shared_world):
    s = shared_world
    [share] = s.focal.get(f"/cases/{s.reference}/shares").json["items"]
    client = _sign_in(app, s.focal.user)
    page = _page(client, f"/cases/{s.reference}/sharing")
    assert f'href="/shares/{share["id"]}/revoke"' in page
    form = _page(client, f"/shares/{share['id']}/revoke")
    assert 'id="revoke-form"' in form
    # Revoking is irreversible: a danger button (and the link to it), behind a confirmation.
    submit = re.search(r'<form[^>]*id="revoke-form".*?</form>', form, re.S).group(0)
    assert re.search(r'<input[^>]*type="submit"[^>]*>', submit).group(0).count("danger") == 1
    assert re.search(r'<a class="button danger revoke-share"', page)
    # Without the confirmation: refused, nothing ends.
    resp = _post(client, f"/shares/{share['id']}/revoke", form, {"version": "1"}, status=422)
    assert 'class="error"' in resp.get_data(as_text=True)
    assert s.partner.get(f"/shared-cases/{s.reference}").status_code == 200
    resp = _post(
        client,
        f"/shares/{share['id']}/revoke",
        form,
        {"version": "1", "confirm": "y", "note": "The family asked us to stop."},
    )
    after = _page(client, resp.headers["Location"])
    assert 'data-status="revoked"' in _decision_section(after)
    assert f'href="/shares/{share["id"]}/revoke"' not in after
    assert s.partner.get(f"/shared-cases/{s.reference}").status_code == 404
    # Revoking twice is a message, not a 500.
    again = _post(
        client, f"/shares/{share['id']}/revoke", form, {"version": "2", "confirm": "y"}, status=409
    )
    assert "Only an active share" in html.unescape(again.get_data(as_text=True))


# --- the partner's pages ------------------------------------------------------------------


def _partner_pages(app, sharing) -> tuple[str, str]:
    client = _sign_in(app, sharing.partner.user)
    listing = _page(client, "/shared-cases")
    one = _page(client, f"/shared-cases/{sharing.reference}")
    return listing, one


def test_the_partner_sees_only_the_granted_categories(app, sharing):
    resp = sharing.share(categories=["identity", "circumstances"])
    assert resp.json["status"] == "active", resp.json
    listing, one = _partner_pages(app, sharing)
    assert sharing.reference in listing and "Tracing Agency (ICRC-like)" not in listing
    assert "Canaryidentity Quetzal" in listing  # names, since identity was granted
    for value in CANARIES["identity"] + CANARIES["circumstances"]:
        assert value in one, value
    others = CANARIES["physical_description"] + CANARIES["family_contacts"]
    for value in others + CANARIES["dna_references"]:
        assert value not in listing and value not in one, value
    for absent in ("section-physical-description", "section-family-contacts", "section-dna"):
        assert absent not in one
    for heading in ("Physical description", "Family contacts", "DNA references"):
        assert f">{heading}</h2>" not in one
    assert 'id="section-identity"' in one and 'id="section-circumstances"' in one


def test_family_contacts_shared_for_family_notification(app, sharing):
    resp = sharing.share(
        purpose="family_notification",
        categories=["family_contacts"],
        legal_basis="vital_interest",
        consent_id=None,
        justification=JUSTIFICATION,
    )
    assert resp.json["status"] == "active", resp.json
    listing, one = _partner_pages(app, sharing)
    for value in CANARIES["family_contacts"]:
        assert value in one, value
    for category in ("identity", "circumstances", "physical_description", "dna_references"):
        for value in CANARIES[category]:
            assert value not in one and value not in listing, value
    assert 'id="section-family-contacts"' in one and 'id="section-identity"' not in one


def test_nothing_shared_is_an_empty_list_and_a_404(app, sharing):
    client = _sign_in(app, sharing.partner.user)
    assert "Nothing is shared" in _page(client, "/shared-cases")
    assert client.get(f"/shared-cases/{sharing.reference}").status_code == 404
    assert client.get("/shared-cases/not-a-reference").status_code == 404


# --- agreements ---------------------------------------------------------------------------


def test_agreements_are_recorded_changed_and_ended_through_the_forms(app, sharing, make_org):
    other = make_org("CH", "intergovernmental", name="Migration Observatory")
    client = _sign_in(app, sharing.admin.user)
    listing = _page(client, "/agreements")
    assert "Tracing Agency (ICRC-like)" in listing and 'data-active="true"' in listing

    form = _page(client, "/agreements/new")
    assert f'<option value="{other.id}">Migration Observatory' in form
    assert f'<option value="{sharing.owner.id}"' not in form
    # Dates are typed as on every form: a text box with the format in its label (no picker).
    assert 'type="date"' not in form and "Valid from (YYYY-MM-DD)" in form
    consent_box = re.search(r'<input[^>]*id="consent_required"[^>]*>', form).group(0)
    assert "checked" in consent_box  # consent required unless unticked
    # Invalid: nothing chosen. Shown on the form; nothing stored.
    resp = _post(client, "/agreements/new", form, {"retention_days": "30"}, status=422)
    assert 'class="error"' in resp.get_data(as_text=True)
    assert sharing.admin.get("/agreements").json["total"] == 1

    resp = _post(
        client,
        "/agreements/new",
        form,
        {
            "partner_organisation_id": str(other.id),
            "title": "MoU 2026/7",
            "purpose_statistics": ["identity", "circumstances"],
            "legal_bases": ["consent", "public_interest"],
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "retention_days": "30",
            "consent_required": "y",
        },
    )
    url = resp.headers["Location"].removesuffix("#messages")
    assert re.fullmatch(rf"/agreements/({UUID})", url)
    agreement_id = url.rsplit("/", 1)[1]
    stored = sharing.admin.get(f"/agreements/{agreement_id}").json
    assert stored["partner_organisation_id"] == str(other.id)
    assert stored["purposes"] == {"statistics": ["identity", "circumstances"]}
    assert stored["legal_bases"] == ["consent", "public_interest"]
    assert stored["retention_days"] == 30 and stored["consent_required"] is True
    detail = _page(client, url)
    assert "Migration Observatory" in detail and "MoU 2026/7" in detail
    assert 'data-version="1"' in detail

    # A new version through the edit form.
    edit = _page(client, url + "/edit")
    assert re.search(r'name="version"[^>]*value="1"', edit)
    assert re.search(r'checked[^>]*name="purpose_statistics"[^>]*value="identity"', edit) or (
        re.search(r'name="purpose_statistics"[^>]*value="identity"[^>]*checked', edit)
    )
    changes = {
        "version": "1",
        "title": "MoU 2026/7",
        "purpose_statistics": ["identity"],
        "legal_bases": ["consent"],
        "valid_from": "2026-01-01",
        "valid_to": "2027-12-31",
        "retention_days": "60",
        "consent_required": "y",
    }
    _post(client, url + "/edit", edit, changes)
    stored = sharing.admin.get(f"/agreements/{agreement_id}").json
    assert stored["version"] == 2 and stored["retention_days"] == 60
    assert stored["purposes"] == {"statistics": ["identity"]}
    assert [r["version"] for r in stored["revisions"]] == [1, 2]
    detail = _page(client, url)
    assert 'data-version="1"' in detail and 'data-version="2"' in detail

    # The same form posted again at version 1: the conflict message, nothing changes.
    resp = _post(client, url + "/edit", edit, changes | {"retention_days": "90"}, status=409)
    assert "changed by someone else" in resp.get_data(as_text=True)
    assert sharing.admin.get(f"/agreements/{agreement_id}").json["retention_days"] == 60

    # Ending it early: a confirmation first.
    end = _page(client, url + "/end")
    assert "cannot be undone" in end
    resp = _post(client, url + "/end", end, {"version": "2", "ended_on": TODAY}, status=422)
    assert 'class="error"' in resp.get_data(as_text=True)
    assert sharing.admin.get(f"/agreements/{agreement_id}").json["ended_on"] is None
    _post(client, url + "/end", end, {"version": "2", "ended_on": TODAY, "confirm": "y"})
    stored = sharing.admin.get(f"/agreements/{agreement_id}").json
    assert stored["ended_on"] == TODAY and stored["is_active"] is False
    detail = _page(client, url)
    assert 'id="agreement-ended"' in detail and 'id="edit-agreement"' not in detail
    assert client.get(url + "/edit").status_code == 200  # the page opens, a change is refused
    refused = _post(client, url + "/edit", edit, changes | {"version": "3"}, status=409).get_data(
        as_text=True
    )
    assert "ended" in refused


def test_ending_an_agreement_through_the_form_ends_its_shares(app, shared_world):
    s = shared_world
    client = _sign_in(app, s.admin.user)
    url = f"/agreements/{s.agreement['id']}/end"
    end = _page(client, url)
    _post(client, url, end, {"version": "1", "ended_on": TODAY, "confirm": "y"})
    assert s.partner.get(f"/shared-cases/{s.reference}").status_code == 404
    focal = _sign_in(app, s.focal.user)
    page = _page(focal, f"/cases/{s.reference}/sharing")
    assert "the agreement ended" in page


def test_auditors_and_focal_points_read_agreements_without_changing_them(app, sharing, make_user):
    for role in ("auditor", "focal_point"):
        client = _sign_in(app, make_user(role))
        page = _page(client, f"/agreements/{sharing.agreement['id']}")
        assert "Tracing Agency (ICRC-like)" in page
        assert 'id="edit-agreement"' not in page and 'id="end-agreement"' not in page
        assert 'id="new-agreement"' not in _page(client, "/agreements")


# --- the exchange log ---------------------------------------------------------------------


def test_the_exchange_log_lists_every_step_and_its_csv_holds_no_personal_value(
    app, sharing, make_user
):
    focal = _sign_in(app, sharing.focal.user)
    share_id, _page_after = _request_through_the_form(
        focal, sharing.reference, _tracing(sharing, categories=["identity", "circumstances"])
    )
    _partner_pages(app, sharing)
    form = _page(focal, f"/shares/{share_id}/revoke")
    _post(focal, f"/shares/{share_id}/revoke", form, {"version": "1", "confirm": "y"})

    auditor = _sign_in(app, make_user("auditor"))
    log = _page(auditor, "/exchanges")
    events = re.findall(r'data-event="(\w+)" data-direction="(\w+)"', log)
    # The owner's log: the request, the partner's views, the revocation (the partner's log has
    # the access granted and ended).
    for step in ("requested", "viewed", "revoked"):
        assert (step, "outgoing") in events, step
    assert all(direction == "outgoing" for _event, direction in events)
    assert sharing.reference in log and "Tracing Agency (ICRC-like)" in log
    for value in _all_canaries():
        assert value not in log

    # Filters: by case and direction, by partner, by dates; the CSV link repeats them.
    filtered = _page(auditor, f"/exchanges?case={sharing.reference}&direction=outgoing")
    assert 'data-direction="incoming"' not in filtered and 'data-event="requested"' in filtered
    link = re.search(r'id="download-csv" href="([^"]+)"', filtered).group(1)
    assert f"case={sharing.reference}" in link and "direction=outgoing" in link
    elsewhere = _page(auditor, f"/exchanges?partner={sharing.owner.id}")
    assert "data-event=" not in elsewhere
    assert "data-event=" not in _page(auditor, "/exchanges?to=2000-01-01")

    resp = auditor.get(link)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    body = resp.get_data(as_text=True)
    lines = body.strip().splitlines()
    assert lines[0].startswith("at,direction,event,case_reference")
    assert len(lines) > 4 and all(sharing.reference in line for line in lines[1:])
    for value in _all_canaries():
        assert value not in body
    full = auditor.get("/exchanges.csv").get_data(as_text=True)
    assert ",incoming," not in full  # the owner's log: the partner's side is in the partner's
    for value in _all_canaries():
        assert value not in full


def test_bad_log_filters_are_shown_not_a_500(app, sharing):
    client = _sign_in(app, sharing.focal.user)
    for query in ("from=yesterday", "partner=not-an-id", "direction=sideways", "to=1800-01-01"):
        resp = client.get(f"/exchanges?{query}")
        assert resp.status_code == 422, query
        assert 'class="error"' in resp.get_data(as_text=True), query
    assert client.get("/exchanges.csv?from=yesterday").status_code == 422
