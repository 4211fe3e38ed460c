"""Page objects of the browser journeys (one class per page, in the SecureDrop style).

Locators go by label or role wherever the page names its controls, and by the stable ids the
templates promise otherwise (`#case-reference`, `#case-status`, `#timeline`, ...). Actions that
navigate return the page object of where the user lands.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from playwright.sync_api import Locator, Page, expect

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REFERENCE = re.compile(r"^[A-Z]{3}-\d{4}-\d{6}$")


# --- shared pieces ----------------------------------------------------------------------------


class RequestLog:
    """Every URL the browser context requests, to prove no personal data ever lands in one."""

    def __init__(self, page: Page):
        self.urls: list[str] = []
        page.context.on("request", lambda request: self.urls.append(request.url))

    def leaks(self, *canaries: str) -> list[tuple[str, str]]:
        """(canary, url) for each URL holding a canary, however it was percent-encoded."""
        found = []
        for url in self.urls:
            decoded = unquote(unquote(url)).casefold()
            for canary in canaries:
                if canary.casefold() in decoded or canary.casefold() in url.casefold():
                    found.append((canary, url))
        return found


class Site:
    """What every signed-in page has: the main navigation, flash messages, sign-out."""

    def __init__(self, page: Page):
        self.page = page

    def nav(self, name: str) -> None:
        main_nav = self.page.get_by_role("navigation", name="Main")
        main_nav.get_by_role("link", name=name, exact=True).click()

    def flash(self) -> Locator:
        return self.page.locator("main > p.flash")

    def expect_flash(self, text: str | re.Pattern[str]) -> None:
        expect(self.flash().filter(has_text=text)).to_have_count(1)

    def tab_to(self, selector: str, limit: int = 80) -> None:
        """Press Tab until the element matching `selector` has the focus (keyboard only)."""
        for _ in range(limit):
            if self.page.evaluate(
                "s => document.activeElement !== null && document.activeElement.matches(s)",
                selector,
            ):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{selector} never got the focus within {limit} Tab presses")

    def focused_id(self) -> str:
        return self.page.evaluate("document.activeElement ? document.activeElement.id : ''")


# --- cases ------------------------------------------------------------------------------------


class CaseListPage(Site):
    """/cases: the search form (a POST: names stay out of URLs) and the results table."""

    def open_from_nav(self) -> CaseListPage:
        self.nav("Cases")
        self.page.wait_for_url(re.compile(r"/cases$"))
        return self

    def register(self) -> CaseFormPage:
        self.page.get_by_role("link", name="Register a case").click()
        self.page.wait_for_url(re.compile(r"/cases/new$"))
        return CaseFormPage(self.page)

    def search(self, text: str) -> CaseListPage:
        form = self.page.get_by_role("search")
        form.get_by_label("Name or reference").fill(text)
        form.get_by_role("button", name="Search").click()
        expect(self.page.locator("#result-count")).to_be_visible()
        return self

    def result_references(self) -> list[str]:
        rows = self.page.locator("#case-results tbody tr[data-reference]")
        return [rows.nth(i).get_attribute("data-reference") or "" for i in range(rows.count())]

    def result_row(self, reference: str) -> Locator:
        return self.page.locator(f'#case-results tr[data-reference="{reference}"]')

    def open_case(self, reference: str) -> CasePage:
        self.result_row(reference).get_by_role("link", name=reference).click()
        self.page.wait_for_url(re.compile(rf"/cases/{reference}$"))
        return CasePage(self.page)


class CaseFormPage(Site):
    """/cases/new and /cases/<ref>/edit (the same fields, labelled)."""

    def fill_identity(
        self,
        *,
        given_names: str,
        family_names: str,
        sex: str,
        nationality: str,
        aliases: str = "",
    ) -> CaseFormPage:
        p = self.page
        p.get_by_label("Given names").fill(given_names)
        p.get_by_label("Family names").fill(family_names)
        if aliases:
            p.get_by_label("Other names and spellings").fill(aliases)
        p.get_by_label("Sex").select_option(sex)
        p.get_by_label("Nationality").select_option(nationality)
        return self

    def fill_disappearance(
        self, *, last_seen_date: str, last_seen_country: str, circumstances: str
    ) -> CaseFormPage:
        p = self.page
        p.get_by_label("Last seen (YYYY").fill(last_seen_date)
        p.get_by_label("Country last seen in").select_option(last_seen_country)
        self.circumstances().fill(circumstances)
        return self

    def circumstances(self) -> Locator:
        return self.page.get_by_label("Circumstances of the disappearance")

    def place_of_origin(self) -> Locator:
        return self.page.get_by_label("Place of origin")

    def tick_vulnerability(self, label: str) -> CaseFormPage:
        group = self.page.get_by_role("group", name="Vulnerabilities")
        group.get_by_role("checkbox", name=label, exact=True).check()
        return self

    def add_protection_flag(self, *, country: str, reason: str) -> CaseFormPage:
        group = self.page.get_by_role("group", name="Protection flags")
        group.get_by_label("Do not share with").last.select_option("country")
        group.get_by_label("Which country or organisation").last.select_option(country)
        group.get_by_label("Reason").last.fill(reason)
        return self

    def submit(self, name: str = "Save") -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def register(self) -> CasePage:
        self.submit("Register the case")
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}$"))
        return CasePage(self.page)

    def save(self) -> CasePage:
        self.submit("Save")
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}$"))
        return CasePage(self.page)

    def save_expecting_conflict(self) -> ConflictPage:
        self.submit("Save")
        conflict = ConflictPage(self.page)
        expect(conflict.heading()).to_be_visible()
        return conflict


class ConflictPage(CaseFormPage):
    """The 409 answer to a stale save: both versions side by side, the user's ready to re-apply."""

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", name=re.compile("Someone else saved this case"))

    def differing_fields(self) -> list[str]:
        rows = self.page.locator("table.conflict tbody tr[data-field]")
        return [rows.nth(i).get_attribute("data-field") or "" for i in range(rows.count())]

    def yours(self, field: str) -> Locator:
        return self.page.locator(f'table.conflict tr[data-field="{field}"] td.yours')

    def current(self, field: str) -> Locator:
        return self.page.locator(f'table.conflict tr[data-field="{field}"] td.current')

    def save_my_version(self) -> CasePage:
        self.submit("Save my version")
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}$"))
        return CasePage(self.page)


class CasePage(Site):
    """/cases/<ref>: summary, protection flags, status form and timeline."""

    def reference(self) -> str:
        text = self.page.locator("#case-reference").inner_text().strip()
        assert REFERENCE.match(text), text
        return text

    def status(self) -> str:
        return self.page.locator("#case-status").get_attribute("data-status") or ""

    def closure_reason(self) -> str:
        return self.page.locator("#case-closure-reason").get_attribute("data-closure-reason") or ""

    def version_text(self) -> Locator:
        return self.page.get_by_text(re.compile(r"^· version \d+$"))

    def value(self, field_id: str) -> Locator:
        return self.page.locator(f"#{field_id}")

    def protection_flags(self) -> Locator:
        return self.page.get_by_role("region", name="Do not share with")

    def edit(self) -> CaseFormPage:
        self.page.get_by_role("link", name="Edit the case").click()
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}/edit$"))
        return CaseFormPage(self.page)

    def status_section(self) -> Locator:
        return self.page.get_by_role("region", name="Change the status")

    def change_status(self, status: str, note: str, closure_reason: str = "") -> CasePage:
        section = self.status_section()
        section.get_by_label("New status").select_option(status)
        section.get_by_label("Closure reason").select_option(closure_reason)
        section.get_by_label("Note (required)").fill(note)
        section.get_by_role("button", name="Change status").click()
        self.expect_flash("Status changed.")
        return self

    def timeline(self) -> Locator:
        return self.page.locator("#timeline > li")

    def timeline_kinds(self) -> list[str]:
        items = self.timeline()
        return [items.nth(i).get_attribute("data-kind") or "" for i in range(items.count())]


# --- families ---------------------------------------------------------------------------------


class FamilyPage(Site):
    """/cases/<ref>/family: the case's relatives and the form to add one."""

    def open(self, reference: str) -> FamilyPage:
        self.page.goto(f"/cases/{reference}/family")
        expect(self.page.get_by_role("heading", name=f"Family of case {reference}")).to_be_visible()
        return self

    def add_relative(
        self,
        *,
        full_name: str,
        relationship: str,
        phone: str,
        email: str,
        language: str,
        channel: str,
        reporting_person: bool,
    ) -> RelativePage:
        p = self.page
        p.get_by_label("Full name").fill(full_name)
        p.get_by_label("Relationship to the missing person").fill(relationship)
        p.get_by_label("Phone", exact=True).fill(phone)
        p.get_by_label("Email", exact=True).fill(email)
        p.get_by_label("Preferred language").fill(language)
        p.get_by_label("Preferred channel").select_option(channel)
        if reporting_person:
            p.get_by_label("Reported the disappearance").check()
        p.get_by_role("button", name="Save relative").click()
        p.wait_for_url(re.compile(rf"/relatives/{UUID}$"))
        return RelativePage(p)


class RelativePage(Site):
    """/relatives/<id>: contacts, consents and notifications of one relative."""

    def name(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def contact(self, term: str) -> Locator:
        return self.page.locator(f"dl.summary dt:text-is('{term}') + dd")

    def record_consent(
        self, *, purpose: str, given_at: str, evidence: str, scope: str = ""
    ) -> RelativePage:
        form = self.page.locator("form").filter(has=self.page.locator("#submit-consent"))
        form.get_by_label("Purpose").select_option(purpose)
        form.get_by_label("May be shared with").select_option(scope)
        form.get_by_label("Date given").fill(given_at)
        form.get_by_label("Evidence reference").fill(evidence)
        form.get_by_role("button", name="Record consent").click()
        self.page.wait_for_url(re.compile(rf"/relatives/{UUID}#consents$"))
        self.expect_flash("Consent recorded.")
        return self

    def consent_rows(self) -> Locator:
        return self.page.locator("h2#consents + table tbody tr")

    def plan_notification(
        self, *, kind: str, planned_date: str, channel: str, officer: str, notes: str = ""
    ) -> RelativePage:
        form = self.page.locator("form").filter(has=self.page.locator("#submit-notification"))
        form.get_by_label("Kind").select_option(kind)
        form.get_by_label("Planned date").fill(planned_date)
        form.get_by_label("Channel").select_option(channel)
        form.get_by_label("Officer who delivers it").select_option(label=officer)
        if notes:
            form.get_by_label("Notes").fill(notes)
        form.get_by_role("button", name="Plan notification").click()
        self.page.wait_for_url(re.compile(rf"/relatives/{UUID}#notifications$"))
        self.expect_flash("Notification planned.")
        return self

    def notification_rows(self) -> Locator:
        return self.page.locator("h2#notifications + table tbody tr")

    def notification_row(self, kind_label: str) -> Locator:
        return self.notification_rows().filter(
            has=self.page.get_by_role("cell", name=kind_label, exact=True)
        )

    def open_notification(self, kind_label: str) -> NotificationPage:
        row = self.notification_row(kind_label)
        row.get_by_role("link", name="Record delivery or outcome").click()
        self.page.wait_for_url(re.compile(rf"/notifications/{UUID}$"))
        return NotificationPage(self.page)


class NotificationPage(Site):
    """/notifications/<id>: record the delivery or an outcome."""

    def record_delivery(self, *, delivered_date: str, support: str, notes: str) -> RelativePage:
        p = self.page
        p.get_by_label("Outcome").select_option("delivered")
        p.get_by_label("Delivered on").fill(delivered_date)
        p.get_by_label("Psychosocial support").select_option(support)
        p.get_by_label("Notes").fill(notes)
        p.get_by_role("button", name="Record", exact=True).click()
        p.wait_for_url(re.compile(rf"/relatives/{UUID}#notifications$"))
        self.expect_flash("Notification saved.")
        return RelativePage(p)


class WorklistPage(Site):
    """/worklist: notifications due (or overdue) by a date, earliest first."""

    def open_from_nav(self) -> WorklistPage:
        self.nav("Worklist")
        self.page.wait_for_url(re.compile(r"/worklist$"))
        return self

    def rows(self) -> Locator:
        return self.page.locator("#worklist tbody tr")

    def row(self, kind_label: str) -> Locator:
        return self.rows().filter(has=self.page.get_by_role("cell", name=kind_label, exact=True))


class LookupPage(Site):
    """/relatives/lookup: the hotline look-up (a POST form: numbers stay out of URLs)."""

    def open_from_nav(self) -> LookupPage:
        self.nav("Hotline look-up")
        self.page.wait_for_url(re.compile(r"/relatives/lookup$"))
        return self

    def find_phone(self, phone: str) -> LookupPage:
        self.page.get_by_label("Phone number").fill(phone)
        self.page.get_by_role("button", name="Find").click()
        expect(self.page.get_by_role("heading", name="Results")).to_be_visible()
        return self

    def results(self) -> Locator:
        return self.page.locator("#results tbody tr")
