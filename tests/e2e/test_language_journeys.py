"""The focal point's and the liaison officer's journeys in Spanish, French and Arabic (issue 14).

The browser asks for English (the `page` fixture's en-GB context); the language is chosen the
way a user would, with the switcher on the sign-in page, and the choice (a cookie) outlives the
focal point's sign-out, so the liaison officer signs in on a page already in that language. Each
page's heading is the catalogue's translation of the English heading (read from the `.po` file,
`pages.translate`), `<html lang>` is the language and `dir` is `rtl` for Arabic only. The page
objects go by ids, field names and addresses, never by English text. axe-core checks every kind
of page reached (the `page` fixture fails the test on a serious or critical violation), and each
step is photographed into test-results/screenshots/languages/ (CASEWORK_SCREENSHOTS to move it).

One browser context and one sign-in per role and language: the whole walk is one test per
language, to keep the browser suite short.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.axe import audit_page
from tests.e2e.conftest import LoginPage
from tests.e2e.pages import (
    UUID,
    CaseListPage,
    FamilyPage,
    NotificationPage,
    RelativePage,
    Site,
    WorklistPage,
    translate,
)
from tests.helpers import PASSWORD

SCREENSHOTS = (
    Path(
        os.environ.get("CASEWORK_SCREENSHOTS")
        or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
    )
    / "languages"
)

#: Per language: the missing person, where they were last seen, and the relative who calls.
PEOPLE = {
    "es": {
        "given": "José Luis",
        "family": "Pérez Ramírez",
        "nationality": "SV",
        "last_seen": "MX",
        "circumstances": "Salió de Ilopango en autobús con dos primos.",
        "relative": "María Rosa Pérez",
        "relationship": "madre",
        "country": "SV",
        "phone": "+503 7123 4567",
        "email": "rosa.perez@example.net",
    },
    "fr": {
        "given": "Moussa",
        "family": "Diallo",
        "nationality": "ML",
        "last_seen": "NE",
        "circumstances": "Parti de Gao vers Agadez avec un groupe de jeunes du quartier.",
        "relative": "Aminata Diallo",
        "relationship": "sœur",
        "country": "SN",
        "phone": "+221 77 123 45 67",
        "email": "aminata.diallo@example.net",
    },
    "ar": {
        "given": "محمد",
        "family": "عبد الرحمن",
        "nationality": "SD",
        "last_seen": "LY",
        "circumstances": "غادر طرابلس على متن قارب مع نحو أربعين شخصاً.",
        "relative": "فاطمة عبد الرحمن",
        "relationship": "أم",
        "country": "SD",
        "phone": "+249 91 234 5678",
        "email": "fatima.abdelrahman@example.net",
    },
}


class Walk:
    """The checks made on arriving at each page, and the numbered screenshots."""

    def __init__(self, page: Page, language: str):
        self.page = page
        self.language = language
        self.step = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def t(self, msgid: str, **variables: object) -> str:
        return translate(self.language, msgid, **variables)

    def arrive(self, name: str, heading: str) -> None:
        """The page is in the language (lang, dir, the switcher's current button), its heading is
        `heading`; axe checks it (once per kind of page) and it is photographed."""
        html = self.page.locator("html")
        expect(html).to_have_attribute("lang", self.language)
        expect(html).to_have_attribute("dir", "rtl" if self.language == "ar" else "ltr")
        current = self.page.locator("form.lang-switch button[aria-current=true]")
        expect(current).to_have_attribute("value", self.language)
        expect(self.page.locator("main h1")).to_have_text(heading)
        audit_page(self.page)
        self.step += 1
        self.page.screenshot(
            path=str(SCREENSHOTS / f"{self.language}-{self.step:02d}-{name}.png"), full_page=True
        )


@pytest.mark.parametrize("language", ["es", "fr", "ar"])
def test_focal_point_and_liaison_journeys_in_the_chosen_language(page, make_user, language):
    who = PEOPLE[language]
    walk = Walk(page, language)
    t = walk.t
    today = dt.datetime.now(dt.UTC).date().isoformat()  # the server dates "today" in UTC
    focal, liaison = make_user("focal_point"), make_user("family_liaison")

    # --- the focal point -----------------------------------------------------------------------
    # The browser asks for English; the switcher on the sign-in page changes the language.
    login = LoginPage(page)
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    login.switch_language(language)
    page.wait_for_url(re.compile(r"/login$"))
    walk.arrive("sign-in", t("Sign in"))
    login.sign_in(focal.email, PASSWORD)
    page.wait_for_url(re.compile(r"/(#messages)?$"))
    walk.arrive("home-focal-point", t("Welcome"))

    # Register a case from the case list.
    listing = CaseListPage(page).open_from_nav()
    walk.arrive("case-list", t("Missing-person cases"))
    form = listing.register()
    walk.arrive("registration-form", t("Register a missing person"))
    form.fill_identity(
        given_names=who["given"],
        family_names=who["family"],
        sex="male",
        nationality=who["nationality"],
    )
    form.fill_disappearance(
        last_seen_date="2025-06",
        last_seen_country=who["last_seen"],
        circumstances=who["circumstances"],
    )
    case = form.register()
    reference = case.reference()
    case.expect_flash(t("Case %(reference)s registered.", reference=reference))
    name = f"{who['given']} {who['family']}"
    case_heading = f"{name} · {t('Case')} {reference}"
    walk.arrive("case-registered", case_heading)
    assert case.status() == "reported"
    expect(page.locator("#case-status")).to_have_text(t("Reported"))
    expect(page.locator("h2#identity-heading")).to_have_text(t("Identity"))
    expect(case.value("given_names")).to_have_text(who["given"])

    # Find it again by the family name, open it from the results.
    listing = CaseListPage(page).open_from_nav()
    listing.search(who["family"])
    assert listing.result_references() == [reference]
    expect(listing.result_row(reference)).to_contain_text(name)
    expect(listing.result_row(reference).locator("[data-status]")).to_have_text(t("Reported"))
    walk.arrive("case-search", t("Missing-person cases"))
    case = listing.open_case(reference)

    # Change its status (the flash is checked by the page object, in the page's language).
    expect(case.status_section().locator("h2")).to_have_text(t("Change the status"))
    case.change_status("active_search", t("Active search"))
    assert case.status() == "active_search"
    expect(page.locator("#case-status")).to_have_text(t("Active search"))
    walk.arrive("status-changed", case_heading)

    # --- the liaison officer -------------------------------------------------------------------
    # Signing out keeps the switcher's choice: the sign-in page is still in the language.
    login.sign_out()
    page.wait_for_url(re.compile(r"/login(#messages)?$"))
    Site(page).expect_flash(t("You are signed out."))
    walk.arrive("signed-out", t("Sign in"))
    login.sign_in(liaison.email, PASSWORD)
    page.wait_for_url(re.compile(r"/(#messages)?$"))
    walk.arrive("home-liaison", t("Welcome"))

    worklist = WorklistPage(page).open_from_nav()
    walk.arrive("worklist-empty", t("Worklist"))
    expect(page.get_by_text(t("Nothing is due."), exact=True)).to_be_visible()

    # The family page of the focal point's case: add the relative who reported it.
    family = FamilyPage(page).open(reference)
    walk.arrive("family", t("Family of case %(reference)s", reference=reference))
    expect(page.get_by_text(t("No relatives recorded yet."), exact=True)).to_be_visible()
    relative = family.add_relative(
        full_name=who["relative"],
        relationship=who["relationship"],
        country_of_residence=who["country"],
        phone=who["phone"],
        email=who["email"],
        language=language,
        channel="phone",
        reporting_person=True,
    )
    relative.expect_flash(t("Relative added."))
    relative_url = page.url.removesuffix("#messages")
    assert re.search(rf"/relatives/{UUID}$", relative_url)
    walk.arrive("relative-added", who["relative"])
    expect(page.locator("h2#consents")).to_have_text(t("Consent"))
    expect(page.locator("h2#notifications")).to_have_text(t("Notifications"))
    expect(relative.contact(t("Reporting person"))).to_have_text(t("yes"))

    # Consent for tracing, given today (the page object expects the translated flash).
    relative.record_consent(purpose="tracing", given_at=today, evidence="F-12/2025")
    expect(relative.consent_rows()).to_have_count(1)
    expect(relative.consent_rows().first).to_contain_text(t("Tracing"))
    expect(relative.consent_rows().first).to_contain_text(t("valid"))
    walk.arrive("consent-recorded", who["relative"])

    # Plan the acknowledgement for today: it is due on the worklist, with her name.
    relative.plan_notification(
        kind="acknowledgement", planned_date=today, channel="phone", officer=liaison.email
    )
    acknowledgement = t("Acknowledgement")
    expect(relative.notification_row(acknowledgement)).to_have_count(1)
    walk.arrive("notification-planned", who["relative"])
    worklist = WorklistPage(page).open_from_nav()
    walk.arrive("worklist-due", t("Worklist"))
    row = worklist.row(acknowledgement)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(who["relative"])
    expect(row.get_by_role("link", name=reference)).to_be_visible()

    # Record its delivery from the worklist.
    row.locator('a[href^="/notifications/"]').click()
    page.wait_for_url(re.compile(rf"/notifications/{UUID}(#messages)?$"))
    notification = NotificationPage(page)
    walk.arrive("notification", f"{acknowledgement} · {who['relative']}")
    relative = notification.record_delivery(delivered_date=today, support="offered", notes="OK")
    assert page.url.removesuffix("#messages") == relative_url
    cells = RelativePage(page).notification_row(acknowledgement).get_by_role("cell")
    expect(cells.nth(3)).to_have_text(t("Delivered"))
    walk.arrive("notification-delivered", who["relative"])

    # Nothing is due any more.
    WorklistPage(page).open_from_nav()
    expect(page.get_by_text(t("Nothing is due."), exact=True)).to_be_visible()
    walk.arrive("worklist-done", t("Worklist"))
