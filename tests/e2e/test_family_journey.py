"""A family liaison officer's journey in a real browser, through the pages alone: add a relative,
record consent, plan and deliver a notification, see what is due on the worklist, and find the
relative again from the number they call the hotline from. No name, number or email ever
appears in a URL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LoginPage
from tests.e2e.pages import (
    UUID,
    CaseListPage,
    FamilyPage,
    LookupPage,
    RelativePage,
    RequestLog,
    WorklistPage,
)
from tests.helpers import PASSWORD

RELATIVE = "María Rosa Hernández"
EMAIL = "rosa.hernandez@example.net"
PHONE_E164 = "+50371234567"
CANARIES = (
    "José",
    "Jose",
    "González",
    "Gonzalez",
    "María",
    "Maria",
    "Hernández",
    "Hernandez",
    EMAIL,
    "rosa.hernandez",
    "71234567",
    "7123 4567",
    "7123-4567",
)


@pytest.fixture
def case_reference(api) -> str:
    """A case of the default (Salvadoran) organisation, registered by a focal point's API call."""
    resp = api("focal_point").post(
        "/cases",
        json={
            "given_names": "José",
            "family_names": "González",
            "sex": "male",
            "nationality": "SV",
            "last_seen_country": "MX",
            "last_seen_date": "2025-06",
        },
    )
    assert resp.status_code == 201, resp.json
    return resp.json["reference"]


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def shown(day: dt.date) -> str:
    """A day as an English page shows it (one format per locale: "Mar 5, 2026")."""
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def _sign_in(page, user) -> None:
    LoginPage(page).open().sign_in(user.email, PASSWORD)
    page.wait_for_url(re.compile(r"/(#messages)?$"))


def test_liaison_adds_a_relative_records_consent_and_notifications(page, make_user, case_reference):
    log = RequestLog(page)
    today = dt.datetime.now(dt.UTC).date()  # the server dates "today" in UTC
    yesterday = today - dt.timedelta(days=1)
    liaison = make_user("family_liaison")
    _sign_in(page, liaison)

    # The case is found from the case list by its reference.
    listing = CaseListPage(page).open_from_nav()
    listing.search(case_reference)
    case = listing.open_case(case_reference)
    assert case.reference() == case_reference and case.status() == "reported"
    expect(page.get_by_role("link", name="Edit the case")).to_have_count(0)  # read-only role
    # The case page has no link to the family page (see the report): go there by address.
    family = FamilyPage(page).open(case_reference)
    expect(page.get_by_text("No relatives recorded yet.")).to_be_visible()
    expect(page.get_by_role("link", name="Case page")).to_have_attribute(
        "href", f"/cases/{case_reference}"
    )

    # Add the mother, her phone written as a local Salvadoran number.
    relative = family.add_relative(
        full_name=RELATIVE,
        relationship="mother",
        country_of_residence="SV",  # a number without its country code is read for it
        phone="7123 4567",
        email=EMAIL,
        language="es",
        channel="phone",
        reporting_person=True,
    )
    relative.expect_flash("Relative added.")
    expect(relative.name()).to_have_text(RELATIVE)
    expect(relative.contact("Phone")).to_have_text(PHONE_E164)
    expect(relative.contact("Email")).to_have_text(EMAIL)
    expect(relative.contact("Relationship")).to_have_text("mother")
    expect(relative.contact("Preferred channel")).to_have_text("Phone")
    expect(relative.contact("Reporting person")).to_have_text("yes")
    relative_url = page.url.removesuffix("#messages")  # the redirect lands on the message
    assert re.search(rf"/relatives/{UUID}$", relative_url)

    # Consent for tracing, given today, only for our organisation.
    relative.record_consent(purpose="tracing", given_at=today.isoformat(), evidence="Form 12/2025")
    expect(relative.consent_rows()).to_have_count(1)
    consent = relative.consent_rows().first
    expect(consent).to_contain_text("Tracing")
    expect(consent).to_contain_text("our organisation")
    expect(consent).to_contain_text(shown(today))
    expect(consent).to_contain_text("Form 12/2025")
    expect(consent).to_contain_text("valid")

    # Plan the acknowledgement for today, then record its delivery.
    relative.plan_notification(
        kind="acknowledgement",
        planned_date=today.isoformat(),
        channel="phone",
        officer=liaison.email,
        notes="Call after 18:00",
    )
    row = relative.notification_row("Acknowledgement")
    expect(row).to_contain_text(shown(today))
    expect(row).to_contain_text("Call after 18:00")
    notification = relative.open_notification("Acknowledgement")
    planned = f"Case {case_reference}, planned for {shown(today)}."
    expect(page.get_by_text(planned)).to_be_visible()
    relative = notification.record_delivery(
        delivered_date=today.isoformat(), support="offered", notes="Delivered; mother calm"
    )
    row = relative.notification_row("Acknowledgement")
    cells = row.get_by_role("cell")
    expect(cells.nth(1)).to_have_text(shown(today))  # planned
    expect(cells.nth(2)).to_have_text(shown(today))  # delivered
    expect(cells.nth(3)).to_have_text("Delivered")
    expect(row).to_contain_text("Delivered; mother calm")
    expect(row).not_to_have_class("overdue")

    # Two more: a progress update that is already late, a DNA sample request due today.
    relative.plan_notification(
        kind="progress_update",
        planned_date=yesterday.isoformat(),
        channel="phone",
        officer=liaison.email,
    )
    expect(relative.notification_row("Progress update")).to_have_class("overdue")
    expect(relative.notification_row("Progress update")).to_contain_text("overdue")
    relative.plan_notification(
        kind="dna_sample_request",
        planned_date=today.isoformat(),
        channel="in_person",
        officer=liaison.email,
    )
    expect(relative.notification_rows()).to_have_count(3)

    # The worklist: what is due by today, earliest first; the delivered one is done.
    worklist = WorklistPage(page).open_from_nav()
    expect(page.get_by_text(f"2 notification(s) due by {shown(today)}.")).to_be_visible()
    expect(worklist.rows()).to_have_count(2)
    late = worklist.rows().nth(0)
    expect(late).to_have_class("overdue")
    expect(late).to_contain_text("Progress update")
    expect(late).to_contain_text(shown(yesterday))
    expect(late).to_contain_text("overdue")
    expect(late.get_by_role("link", name=case_reference)).to_be_visible()
    due = worklist.rows().nth(1)
    expect(due).to_contain_text("DNA sample request")
    expect(due).to_contain_text("In person")
    expect(due).not_to_have_class("overdue")
    expect(worklist.row("Acknowledgement")).to_have_count(0)
    # The worklist leads back to the relative.
    late.get_by_role("link", name="Relative", exact=True).click()
    page.wait_for_url(re.compile(re.escape(relative_url) + "(#messages)?$"))
    expect(RelativePage(page).name()).to_have_text(RELATIVE)

    # The family page lists her with the number in E.164.
    page.get_by_role("link", name=f"Family of case {case_reference}").click()
    page.wait_for_url(re.compile(rf"/cases/{case_reference}/family(#messages)?$"))
    family_row = page.locator("table tbody tr").filter(has_text=RELATIVE)
    expect(family_row).to_contain_text(PHONE_E164)
    expect(family_row).to_contain_text("reporting person")

    # The hotline: the number written the international way, with a dash, finds her.
    lookup = LookupPage(page).open_from_nav()
    lookup.find_phone("00503 7123-4567")
    expect(lookup.results()).to_have_count(1)
    hit = lookup.results().first
    expect(hit.get_by_role("link", name=case_reference)).to_be_visible()
    expect(hit).to_contain_text("mother")
    hit.get_by_role("link", name=RELATIVE).click()
    page.wait_for_url(re.compile(re.escape(relative_url) + "(#messages)?$"))

    # And an unknown number finds nobody.
    lookup = LookupPage(page).open_from_nav()
    lookup.find_phone("7999 9999")
    expect(lookup.results()).to_have_count(0)
    expect(page.get_by_text("No relative of your organisation's cases")).to_be_visible()

    leaks = log.leaks(*CANARIES)
    assert not leaks, leaks
    assert any("/relatives/lookup" in url for url in log.urls)


def test_the_case_page_leads_to_the_family_page(page, make_user, case_reference):
    _sign_in(page, make_user("family_liaison"))
    case = CaseListPage(page).open_from_nav().search(case_reference).open_case(case_reference)
    case.page.get_by_role("link", name=re.compile("family", re.IGNORECASE)).click(timeout=2_000)
    page.wait_for_url(re.compile(rf"/cases/{case_reference}/family(#messages)?$"))
