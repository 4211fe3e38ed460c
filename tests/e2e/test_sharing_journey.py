"""Sharing under the privacy rules in a real browser, through the pages alone: a focal point
requests a share with a humanitarian partner (allowed at once) and one with a State authority
(waiting for a second person); a second focal point approves it; the partner's user sees the
shared case with only the granted sections; a liaison officer records the family's withdrawal
of consent and the partner loses the case at once; the exchange log shows every step, and its
CSV holds no personal value. No name, contact or mark ever appears in a URL.

What belongs to other roles before the journey (the organisations, the agreements, the case,
the relative and the family's consent) is set up through the JSON API, as those roles would.
Each step is photographed into test-results/screenshots/sharing/ (CASEWORK_SCREENSHOTS to
change it)."""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LoginPage
from tests.e2e.pages import UUID, CasePage, RequestLog, Site
from tests.helpers import PASSWORD

PARTNER_NAME = "Humanitarian Tracing Agency"
AUTHORITY_NAME = "Procuraduría de Derechos Humanos"
RELATIVE = "Marisol Quetzal Ixchel"
JUSTIFICATION = "The ombudsman searches detention centres in Guatemala for missing migrants."

#: One value per category of the case, and the relative's contacts: none may reach a URL or the
#: exchange log's CSV; those of the categories not shared may not reach the partner's pages.
IDENTITY = ("Quetzalia", "Ixchelona", "CANARYDOC-8812")
CIRCUMSTANCES = ("Crossed the Suchiate river on a raft at dawn", "Ciudad Hidalgo")
PHYSICAL = ("jaguar tattoo on the left shoulder", "orange rain jacket")
FAMILY = (RELATIVE, "+50377123456", "marisol.q@example.org")
CANARIES = (*IDENTITY, *CIRCUMSTANCES, *PHYSICAL, *FAMILY, "Quetzal", "Marisol", "jaguar")

SCREENSHOTS = Path(
    os.environ.get("CASEWORK_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-results" / "screenshots" / "sharing"
)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@dataclass
class Setup:
    reference: str
    relative_id: str
    focal: Any
    second_focal: Any
    liaison: Any
    auditor: Any
    partner: Any
    partner_auditor: Any


@pytest.fixture
def setup(api, org, make_org, make_user) -> Setup:
    """The directorate's agreements with a humanitarian tracing agency and a Guatemalan State
    authority (its administrator), the case and the missing woman's sister, who consents to
    tracing by that agency only (a focal point's API calls)."""
    partner_org = make_org("CH", "humanitarian", name=PARTNER_NAME)
    authority = make_org("GT", "national_authority", name=AUTHORITY_NAME)
    admin, focal = api("admin"), api("focal_point")
    for recipient, purposes, bases, consent_required in (
        (
            partner_org,
            {
                "tracing": ["identity", "circumstances", "physical_description"],
                "family_notification": ["identity", "family_contacts"],
            },
            ["consent", "vital_interest"],
            True,
        ),
        (authority, {"tracing": ["identity", "circumstances"]}, ["public_interest"], False),
    ):
        made = admin.post(
            "/agreements",
            json={
                "partner_organisation_id": str(recipient.id),
                "purposes": purposes,
                "legal_bases": bases,
                "valid_from": "2026-01-01",
                "valid_to": "2030-12-31",
                "retention_days": 180,
                "consent_required": consent_required,
            },
        )
        assert made.status_code == 201, made.json
    case = focal.post(
        "/cases",
        json={
            "given_names": IDENTITY[0],
            "family_names": IDENTITY[1],
            "identity_documents": [
                {"kind": "passport", "number": IDENTITY[2], "issuing_country": "SV"}
            ],
            "sex": "female",
            "nationality": "SV",
            "last_seen_date": "2025-08-14",
            "last_seen_country": "MX",
            "last_seen_place": CIRCUMSTANCES[1],
            "route_countries": ["GT", "MX"],
            "circumstances": CIRCUMSTANCES[0],
            "distinguishing_marks": PHYSICAL[0],
            "clothing_and_belongings": PHYSICAL[1],
        },
    )
    assert case.status_code == 201, case.json
    reference = case.json["reference"]
    relative = focal.post(
        f"/cases/{reference}/relatives",
        json={
            "full_name": RELATIVE,
            "relationship": "sister",
            "phone": "+503 7712 3456",
            "email": FAMILY[2],
            "is_reporting_person": True,
        },
    )
    assert relative.status_code == 201, relative.json
    consent = focal.post(
        f"/relatives/{relative.json['id']}/consents",
        json={
            "purpose": "tracing",
            "scope": [{"kind": "organisation", "value": str(partner_org.id)}],
        },
    )
    assert consent.status_code == 201, consent.json
    return Setup(
        reference=reference,
        relative_id=relative.json["id"],
        focal=focal.user,
        second_focal=make_user("focal_point"),
        liaison=make_user("family_liaison"),
        auditor=make_user("auditor"),
        partner=make_user("partner", partner_org),
        partner_auditor=make_user("auditor", partner_org),
    )


def _sign_in(page: Page, user: Any) -> Site:
    LoginPage(page).open().sign_in(user.email, PASSWORD)
    page.wait_for_url(re.compile(r"/(#messages)?$"))
    return Site(page)


def _sign_out(page: Page) -> None:
    LoginPage(page).sign_out()
    page.wait_for_url(re.compile(r"/login"))


class SharingPage(Site):
    """/cases/<ref>/sharing: the case's share requests, the decision just made, the form."""

    def open_from_case(self, reference: str) -> SharingPage:
        self.page.goto(f"/cases/{reference}")
        CasePage(self.page).page.locator("#case-links").get_by_role("link", name="Sharing").click()
        self.page.wait_for_url(re.compile(rf"/cases/{reference}/sharing(#messages)?$"))
        return self

    def request(
        self,
        *,
        recipient: str,
        purpose: str,
        categories: list[str],
        basis: str,
        consent: str | None = None,
        justification: str | None = None,
    ) -> SharingPage:
        form = self.page.locator("#share-form")
        recipients = form.get_by_label("Recipient")
        option = recipients.locator("option").filter(has_text=recipient)
        recipients.select_option(option.get_attribute("value"))
        form.get_by_label("Purpose").select_option(purpose)
        for label in categories:
            form.locator("#share-categories").get_by_label(label, exact=True).check()
        form.locator("#share-legal-basis").get_by_label(basis, exact=True).check()
        if consent is not None:
            consents = form.get_by_label("The family's consent (legal basis: consent)")
            option = consents.locator("option").filter(has_text=consent)
            consents.select_option(option.get_attribute("value"))
        if justification is not None:
            form.get_by_label(re.compile(r"^Written justification")).fill(justification)
        form.get_by_role("button", name="Request the share").click()
        self.page.wait_for_url(re.compile(rf"/sharing\?decided={UUID}(#messages)?$"))
        return self

    def decision(self):
        return self.page.locator("#decision article.share")

    def card_to(self, recipient: str):
        return self.page.locator("#shares article.share").filter(
            has=self.page.get_by_role("heading", name=re.compile(f"^To {re.escape(recipient)}"))
        )


def test_share_approve_view_and_lose_it_when_consent_is_withdrawn(page, setup, live_server):
    log = RequestLog(page)
    reference = setup.reference

    # 1. The focal point asks to share identity and circumstances with the tracing agency,
    #    under the family's consent: a humanitarian recipient, no DNA: allowed at once.
    _sign_in(page, setup.focal)
    sharing = SharingPage(page).open_from_case(reference)
    expect(page.get_by_text("This case was never shared.")).to_be_visible()
    shot(page, "01-sharing-page-empty")
    sharing.request(
        recipient=PARTNER_NAME,
        purpose="tracing",
        categories=["Identity", "Circumstances of the disappearance"],
        basis="The family's consent",
        consent=RELATIVE,
    )
    sharing.expect_flash("Share allowed: the recipient has access now.")
    decision = sharing.decision()
    expect(decision).to_have_attribute("data-decision", "allowed")
    expect(decision).to_have_attribute("data-status", "active")
    expect(decision).to_contain_text(PARTNER_NAME)
    expect(decision.locator(".share-categories")).to_have_text(
        "Identity, Circumstances of the disappearance"
    )
    expect(decision.locator(".reasons-failed")).to_have_count(0)
    rules = decision.locator("details.reasons li")
    expect(rules).to_have_count(8)
    expect(decision.locator("li[data-rule=legal_basis]")).to_contain_text("consent covers tracing")
    shot(page, "02-share-allowed")

    # 2. And the same case to a State authority, in the public interest: it waits for a
    #    second person, and its requester cannot approve it.
    sharing.request(
        recipient=AUTHORITY_NAME,
        purpose="tracing",
        categories=["Identity"],
        basis="Public interest",
        justification=JUSTIFICATION,
    )
    sharing.expect_flash("The share waits for a second person's approval before anything leaves.")
    decision = sharing.decision()
    expect(decision).to_have_attribute("data-decision", "pending_approval")
    expect(decision.locator(".reasons-waiting li[data-rule=four_eyes]")).to_contain_text(
        "State authority"
    )
    waiting = sharing.card_to(AUTHORITY_NAME)
    expect(waiting.locator(".share-categories")).to_have_text("Identity")
    expect(waiting.locator(".waiting-second-person")).to_contain_text("Waiting for a second person")
    expect(waiting.locator("button.approve-share")).to_have_count(0)
    shot(page, "03-share-waiting-for-a-second-person")
    _sign_out(page)

    # 3. A second focal point of the same organisation approves it.
    _sign_in(page, setup.second_focal)
    sharing = SharingPage(page).open_from_case(reference)
    waiting = sharing.card_to(AUTHORITY_NAME)
    expect(waiting).to_have_attribute("data-status", "pending_approval")
    shot(page, "04-second-focal-point-reviews")
    waiting.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(rf"/sharing\?decided={UUID}(#messages)?$"))
    sharing.expect_flash("Share approved: the recipient has access now.")
    expect(sharing.decision()).to_have_attribute("data-status", "active")
    expect(sharing.decision()).to_contain_text(setup.second_focal.email)
    expect(sharing.decision().locator("li[data-rule=four_eyes]")).to_have_attribute(
        "data-outcome", "passed"
    )
    shot(page, "05-share-approved")
    _sign_out(page)

    # 4. The agency's partner user sees the case with only what was shared.
    site = _sign_in(page, setup.partner)
    site.nav("Shared with us")
    page.wait_for_url(re.compile(r"/shared-cases(#messages)?$"))
    row = page.locator(f"#shared-cases tr[data-case='{reference}']")
    expect(row).to_have_count(1)
    expect(page.locator("#shared-cases tbody tr")).to_have_count(1)
    expect(row).to_contain_text("Tracing")
    expect(row).to_contain_text("Identity, Circumstances of the disappearance")
    expect(row).to_contain_text(f"{IDENTITY[0]} {IDENTITY[1]}")
    shot(page, "06-partner-shared-with-us")
    row.get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(rf"/shared-cases/{reference}(#messages)?$"))
    expect(page.locator("#case-reference")).to_have_text(reference)
    expect(page.locator("#section-identity")).to_be_visible()
    expect(page.locator("#given_names")).to_have_text(IDENTITY[0])
    expect(page.locator("#section-circumstances")).to_contain_text(CIRCUMSTANCES[0])
    expect(page.locator("#section-physical-description")).to_have_count(0)
    expect(page.locator("#section-family-contacts")).to_have_count(0)
    expect(page.locator("#section-dna-references")).to_have_count(0)
    html = page.content()
    for absent in (*PHYSICAL, *FAMILY, "Marisol"):
        assert absent not in html, absent
    shot(page, "07-partner-shared-case")
    # The registry's own case page stays out of reach: the partner role may not open the
    # registry at all, so its answer is the same for this case as for one that does not exist.
    assert page.goto(f"/cases/{reference}").status == 403
    assert page.goto("/cases/SLV-1999-999999").status == 403
    _sign_out(page)

    # 5. The sister withdraws her consent; the liaison officer records it on her page.
    _sign_in(page, setup.liaison)
    page.goto(f"/cases/{reference}/family")
    page.get_by_role("link", name=RELATIVE).click()
    page.wait_for_url(re.compile(rf"/relatives/{UUID}(#messages)?$"))
    consents = page.locator("h2#consents + .table-scroll tbody tr")
    expect(consents).to_have_count(1)
    consents.first.get_by_role("link", name="Withdraw").click()
    page.get_by_label("Reason for the withdrawal").fill("She asked us to stop sharing.")
    shot(page, "08-withdraw-consent")
    page.get_by_role("button", name="Withdraw consent").click()
    page.wait_for_url(re.compile(rf"/relatives/{UUID}"))
    expect(page.locator("h2#consents + .table-scroll tbody tr").first).to_contain_text("withdrawn")
    shot(page, "09-consent-withdrawn")
    _sign_out(page)

    # 6. The partner reloads: the case is gone, and its page is 404.
    site = _sign_in(page, setup.partner)
    site.nav("Shared with us")
    page.wait_for_url(re.compile(r"/shared-cases(#messages)?$"))
    expect(page.locator("#shared-cases")).to_have_count(0)
    expect(
        page.get_by_text("Nothing is shared with your organisation at the moment.")
    ).to_be_visible()
    shot(page, "10-partner-lost-access")
    assert page.goto(f"/shared-cases/{reference}").status == 404
    shot(page, "11-partner-shared-case-404")
    page.goto("/")
    _sign_out(page)

    # 7. The focal point sees the share ended, and why.
    _sign_in(page, setup.focal)
    sharing = SharingPage(page).open_from_case(reference)
    ended = sharing.card_to(PARTNER_NAME)
    expect(ended).to_have_attribute("data-status", "revoked")
    expect(ended.locator(".share-ended")).to_contain_text("the family's consent was withdrawn")
    expect(sharing.card_to(AUTHORITY_NAME)).to_have_attribute("data-status", "active")
    shot(page, "12-focal-sees-the-share-ended")
    _sign_out(page)

    # 8. The auditor reads the exchange log: every step of the journey, and a CSV without a
    #    single personal value.
    site = _sign_in(page, setup.auditor)
    site.nav("Exchange log")
    page.wait_for_url(re.compile(r"/exchanges"))
    page.get_by_label("Case reference").fill(reference)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"/exchanges\?.*case={reference}"))
    rows = page.locator("#exchange-log tbody tr")
    events = {
        (rows.nth(i).get_attribute("data-direction"), rows.nth(i).get_attribute("data-event"))
        for i in range(rows.count())
    }
    assert {
        ("outgoing", "requested"),
        ("outgoing", "approved"),
        ("outgoing", "viewed"),
        ("outgoing", "grant_ended"),
    } <= events, events
    ended_rows = page.locator("#exchange-log tbody tr[data-event=grant_ended]")
    expect(ended_rows.first).to_contain_text("the family's consent was withdrawn")
    expect(page.locator("#exchange-log")).to_contain_text(AUTHORITY_NAME)
    expect(page.locator("#exchange-log")).to_contain_text(PARTNER_NAME)
    shot(page, "13-exchange-log")
    with page.expect_download() as download_info:
        page.locator("#download-csv").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert {row["case_reference"] for row in table} == {reference}
    steps = {(row["direction"], row["event"]) for row in table}
    assert {
        ("outgoing", "requested"),
        ("outgoing", "approved"),
        ("outgoing", "viewed"),
        ("outgoing", "grant_ended"),
    } <= steps, steps
    consent_rows = [r for r in table if r["legal_basis"] == "consent"]
    assert {r["event"] for r in consent_rows} >= {"requested", "viewed", "grant_ended"}
    assert all(r["categories"] == "identity circumstances" for r in consent_rows)
    for canary in (*CANARIES, JUSTIFICATION, "She asked us"):
        assert canary.casefold() not in text.casefold(), canary
    page.goto("/")  # the download left the page mid-navigation
    _sign_out(page)

    # 9. The agency's own data-protection officer reads its log: the incoming side, where
    #    access was granted, each view, and the end of access.
    site = _sign_in(page, setup.partner_auditor)
    site.nav("Exchange log")
    page.wait_for_url(re.compile(r"/exchanges"))
    rows = page.locator("#exchange-log tbody tr")
    expect(rows.first).to_be_visible()
    theirs = [
        (rows.nth(i).get_attribute("data-direction"), rows.nth(i).get_attribute("data-event"))
        for i in range(rows.count())
    ]
    assert {("incoming", "granted"), ("incoming", "viewed"), ("incoming", "grant_ended")} <= set(
        theirs
    ), theirs
    # Newest first: access ended after it was granted.
    assert theirs.index(("incoming", "grant_ended")) < theirs.index(("incoming", "granted"))
    expect(page.locator("#exchange-log")).not_to_contain_text(AUTHORITY_NAME)
    shot(page, "14-partner-exchange-log")
    _sign_out(page)

    leaks = log.leaks(*CANARIES)
    assert not leaks, leaks
