"""Page objects of the browser journeys (one class per page, in the SecureDrop style).

Locators go by label or role wherever the page names its controls, and by the stable ids the
templates promise otherwise (`#case-reference`, `#case-status`, `#timeline`, ...). The helpers the
journeys in Spanish, French and Arabic share (sign-in, case list, registration, status change,
family, relative, notification, worklist) go by ids, field names and addresses only, and expect
their messages in the page's language (`Site.t`: the catalogue's translation of the English
text). Actions that navigate return the page object of where the user lands.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import unquote

from babel.messages.pofile import read_po
from playwright.sync_api import Locator, Page, expect

from casework.i18n import DEFAULT_LANGUAGE, DOMAIN, TRANSLATIONS
from tests.e2e.axe import audit_page

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
REFERENCE = re.compile(r"^[A-Z]{3}-\d{4}-\d{6}$")


# --- shared pieces ----------------------------------------------------------------------------


@cache
def _catalogue(language: str) -> dict[str, str]:
    """A language's translated messages (singular ones, fuzzy ones left out, as compiled)."""
    po = TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as fileobj:
        catalog = read_po(fileobj, locale=language, domain=DOMAIN)
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def translate(language: str, msgid: str, **variables: object) -> str:
    """What the page says for `msgid` in `language`: the catalogue's translation, formatted as
    Flask-Babel's gettext does (only when given variables). English is the source text; a message
    a catalogue lacks fails the test (the page would show it in English)."""
    if language == DEFAULT_LANGUAGE:
        text = msgid
    else:
        found = _catalogue(language).get(msgid)
        assert found is not None, f"the {language} catalogue does not translate {msgid!r}"
        text = found
    return text % variables if variables else text


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
        # Every page a journey reaches is checked by axe-core once per kind (tests/e2e/axe.py).
        audit_page(page)

    def language(self) -> str:
        return self.page.locator("html").get_attribute("lang") or DEFAULT_LANGUAGE

    def t(self, msgid: str, **variables: object) -> str:
        """`msgid` as this page says it (in the language of its `<html lang>`)."""
        return translate(self.language(), msgid, **variables)

    def nav(self, name: str) -> None:
        main_nav = self.page.get_by_role("navigation", name="Main")
        main_nav.get_by_role("link", name=name, exact=True).click()

    def nav_to(self, path: str) -> None:
        """Follow the main navigation's link to `path` (in any language)."""
        self.page.locator(f'header nav a[href="{path}"]').click()

    def flash(self) -> Locator:
        return self.page.locator("main > #messages > p.flash")

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
        self.nav_to("/cases")
        self.page.wait_for_url(re.compile(r"/cases(#messages)?$"))
        return self

    def register(self) -> CaseFormPage:
        self.page.locator("#register-case").click()
        self.page.wait_for_url(re.compile(r"/cases/new(#messages)?$"))
        return CaseFormPage(self.page)

    def search(self, text: str) -> CaseListPage:
        form = self.page.get_by_role("search")
        form.locator("#q").fill(text)
        form.locator("#submit").click()
        expect(self.page.locator("#result-count")).to_be_visible()
        return self

    def result_references(self) -> list[str]:
        rows = self.page.locator("#case-results tbody tr[data-reference]")
        return [rows.nth(i).get_attribute("data-reference") or "" for i in range(rows.count())]

    def result_row(self, reference: str) -> Locator:
        return self.page.locator(f'#case-results tr[data-reference="{reference}"]')

    def open_case(self, reference: str) -> CasePage:
        self.result_row(reference).get_by_role("link", name=reference).click()
        self.page.wait_for_url(re.compile(rf"/cases/{reference}(#messages)?$"))
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
        p.locator("#given_names").fill(given_names)
        p.locator("#family_names").fill(family_names)
        if aliases:
            p.locator("#aliases").fill(aliases)
        p.locator("#sex").select_option(sex)
        p.locator("#nationality").fill(nationality)  # a name or a code, from a datalist
        return self

    def fill_disappearance(
        self, *, last_seen_date: str, last_seen_country: str, circumstances: str
    ) -> CaseFormPage:
        p = self.page
        p.locator("#last_seen_date").fill(last_seen_date)
        p.locator("#last_seen_country").fill(last_seen_country)
        self.circumstances().fill(circumstances)
        return self

    def circumstances(self) -> Locator:
        return self.page.locator("#circumstances")

    def place_of_origin(self) -> Locator:
        return self.page.locator("#place_of_origin")

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
        self.page.locator("form #submit").click()  # "Register the case"
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}(#messages)?$"))
        return CasePage(self.page)

    def save(self) -> CasePage:
        self.page.locator("form #submit").click()  # "Save"
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}(#messages)?$"))
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
        self.submit("Save the merged version")
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}(#messages)?$"))
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
        self.page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}/edit(#messages)?$"))
        return CaseFormPage(self.page)

    def status_section(self) -> Locator:
        return self.page.locator("section#change-status")

    def change_status(self, status: str, note: str, closure_reason: str = "") -> CasePage:
        section = self.status_section()
        section.locator("#status").select_option(status)
        section.locator("#closure_reason").select_option(closure_reason)
        section.locator("#note").fill(note)
        section.locator("[type=submit]").click()
        self.expect_flash(self.t("Status changed."))
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
        audit_page(self.page)
        heading = self.t("Family of case %(reference)s", reference=reference)
        expect(self.page.get_by_role("heading", name=heading, level=1)).to_be_visible()
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
        country_of_residence: str | None = None,
    ) -> RelativePage:
        form = self.page.locator("form").filter(has=self.page.locator("#full_name"))
        form.locator("#full_name").fill(full_name)
        form.locator("#relationship").fill(relationship)
        if country_of_residence:
            form.locator("#country_of_residence").select_option(country_of_residence)
        form.locator("#phone").fill(phone)
        form.locator("#email").fill(email)
        form.locator("#preferred_language").select_option(language)
        form.locator("#preferred_channel").select_option(channel)
        if reporting_person:
            form.locator("#is_reporting_person").check()
        form.locator("#submit").click()  # "Save relative"
        p = self.page
        p.wait_for_url(re.compile(rf"/relatives/{UUID}(#messages)?$"))
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
        form.locator("[name=purpose]").select_option(purpose)
        form.locator("[name=scope]").select_option(scope)
        form.locator("[name=given_at]").fill(given_at)
        form.locator("[name=evidence_reference]").fill(evidence)
        form.locator("#submit-consent").click()
        self.page.wait_for_url(re.compile(rf"/relatives/{UUID}#messages$"))
        self.expect_flash(self.t("Consent recorded."))
        return self

    def consent_rows(self) -> Locator:
        return self.page.locator("h2#consents + .table-scroll tbody tr")

    def plan_notification(
        self, *, kind: str, planned_date: str, channel: str, officer: str, notes: str = ""
    ) -> RelativePage:
        form = self.page.locator("form").filter(has=self.page.locator("#submit-notification"))
        form.locator("[name=kind]").select_option(kind)
        form.locator("[name=planned_date]").fill(planned_date)
        form.locator("[name=channel]").select_option(channel)
        form.locator("[name=officer_id]").select_option(label=officer)
        if notes:
            form.locator("[name=notes]").fill(notes)
        form.locator("#submit-notification").click()
        self.page.wait_for_url(re.compile(rf"/relatives/{UUID}#messages$"))
        self.expect_flash(self.t("Notification planned."))
        return self

    def notification_rows(self) -> Locator:
        return self.page.locator("h2#notifications + .table-scroll tbody tr")

    def notification_row(self, kind_label: str) -> Locator:
        return self.notification_rows().filter(
            has=self.page.get_by_role("cell", name=kind_label, exact=True)
        )

    def open_notification(self, kind_label: str) -> NotificationPage:
        row = self.notification_row(kind_label)
        row.locator('a[href^="/notifications/"]').click()  # "Record delivery or outcome"
        self.page.wait_for_url(re.compile(rf"/notifications/{UUID}(#messages)?$"))
        return NotificationPage(self.page)


class NotificationPage(Site):
    """/notifications/<id>: record the delivery or an outcome."""

    def record_delivery(self, *, delivered_date: str, support: str, notes: str) -> RelativePage:
        p = self.page
        form = p.locator("form").filter(has=p.locator("#submit-delivery"))
        form.locator("[name=outcome]").select_option("delivered")
        form.locator("[name=delivered_date]").fill(delivered_date)
        form.locator("[name=support_offered]").select_option(support)
        form.locator("[name=notes]").fill(notes)
        form.locator("#submit-delivery").click()  # "Record"
        p.wait_for_url(re.compile(rf"/relatives/{UUID}#messages$"))
        self.expect_flash(self.t("Notification saved."))
        return RelativePage(p)


class WorklistPage(Site):
    """/worklist: notifications due (or overdue) by a date, earliest first."""

    def open_from_nav(self) -> WorklistPage:
        self.nav_to("/worklist")
        self.page.wait_for_url(re.compile(r"/worklist(#messages)?$"))
        return self

    def rows(self) -> Locator:
        return self.page.locator("#worklist tbody tr")

    def row(self, kind_label: str) -> Locator:
        return self.rows().filter(has=self.page.get_by_role("cell", name=kind_label, exact=True))


class LookupPage(Site):
    """/relatives/lookup: the hotline look-up (a POST form: numbers stay out of URLs)."""

    def open_from_nav(self) -> LookupPage:
        self.nav("Hotline look-up")
        self.page.wait_for_url(re.compile(r"/relatives/lookup(#messages)?$"))
        return self

    def find_phone(self, phone: str) -> LookupPage:
        self.page.get_by_label("Phone number").fill(phone)
        self.page.get_by_role("button", name="Find").click()
        expect(self.page.get_by_role("heading", name="Results")).to_be_visible()
        return self

    def results(self) -> Locator:
        return self.page.locator("#results tbody tr")


# --- remains, candidates, DNA and identification ----------------------------------------------


def choose_option(select: Locator, text: str) -> None:
    """Pick the option of a <select> whose label contains `text` (labels that combine several
    values, e.g. a reference, a sample identifier and a database)."""
    option = select.locator("option").filter(has_text=text)
    expect(option).to_have_count(1)
    select.select_option(option.get_attribute("value") or "")


class RemainsListPage(Site):
    """/remains: the non-personal filters (a GET form) and the remains table."""

    def open_from_nav(self) -> RemainsListPage:
        self.nav("Remains")
        self.page.wait_for_url(re.compile(r"/remains(#messages)?$"))
        return self

    def register(self) -> RemainsFormPage:
        self.page.get_by_role("link", name="Record remains").click()
        self.page.wait_for_url(re.compile(r"/remains/new(#messages)?$"))
        return RemainsFormPage(self.page)

    def rows(self) -> Locator:
        return self.page.locator("#remains-results tbody tr[data-id]")

    def open_remains(self, reference: str) -> RemainsPage:
        self.page.get_by_role("link", name=reference, exact=True).click()
        self.page.wait_for_url(re.compile(rf"/remains/{UUID}(#messages)?$"))
        return RemainsPage(self.page)


class RemainsFormPage(Site):
    """/remains/new and /remains/<id>/edit (the same fields, labelled)."""

    def fill(
        self,
        *,
        found_date: str,
        found_country: str,
        found_place: str,
        recovery_context: str,
        sex: str,
        age: tuple[int, int],
        stature: tuple[int, int],
        marks: str,
        effects: str,
    ) -> RemainsFormPage:
        p = self.page
        p.get_by_label("Found on").fill(found_date)
        p.get_by_label("Country found in").select_option(found_country)
        p.get_by_label("Place found").fill(found_place)
        p.get_by_label("Recovery context").fill(recovery_context)
        p.get_by_label("Sex").select_option(sex)
        p.get_by_label("Estimated age from (years)").fill(str(age[0]))
        p.get_by_label("Estimated age to (years)").fill(str(age[1]))
        p.get_by_label("Stature from (cm)").fill(str(stature[0]))
        p.get_by_label("Stature to (cm)").fill(str(stature[1]))
        p.get_by_label("Distinguishing marks").fill(marks)
        p.get_by_label("Clothing and effects").fill(effects)
        return self

    def record(self) -> RemainsPage:
        self.page.get_by_role("button", name="Record the remains").click()
        self.page.wait_for_url(re.compile(rf"/remains/{UUID}(#messages)?$"))
        return RemainsPage(self.page)


class RemainsPage(Site):
    """/remains/<id>: recovery, biological profile, status, and the pages about the remains."""

    def reference(self) -> str:
        return self.page.locator("#remains-reference").inner_text().strip()

    def status(self) -> str:
        return self.page.locator("#remains-status").get_attribute("data-status") or ""

    def value(self, field_id: str) -> Locator:
        return self.page.locator(f"#{field_id}")

    def identified_as(self) -> Locator:
        return self.page.locator("#identified-as")

    def links(self) -> Locator:
        return self.page.locator("#remains-links")

    def open_candidates(self) -> CandidatesPage:
        self.links().get_by_role("link", name="Candidate cases").click()
        self.page.wait_for_url(re.compile(rf"/remains/{UUID}/candidates(#messages)?$"))
        return CandidatesPage(self.page)

    def open_samples(self) -> RemainsSamplesPage:
        self.links().get_by_role("link", name="Post-mortem samples").click()
        self.page.wait_for_url(re.compile(rf"/remains/{UUID}/dna(#messages)?$"))
        return RemainsSamplesPage(self.page)


class CandidatesPage(Site):
    """/remains/<id>/candidates and /cases/<ref>/candidates: ranked, every factor shown."""

    def total(self) -> Locator:
        return self.page.locator("#candidate-total")

    def rows(self) -> Locator:
        return self.page.locator("#candidates tbody tr[data-reference]")

    def references(self) -> list[str]:
        rows = self.rows()
        return [rows.nth(i).get_attribute("data-reference") or "" for i in range(rows.count())]

    def row(self, reference: str) -> Locator:
        return self.page.locator(f'#candidates tbody tr[data-reference="{reference}"]')

    def factors(self, reference: str) -> dict[str, float]:
        cells = self.row(reference).locator("td[data-factor]")
        return {
            cells.nth(i).get_attribute("data-factor") or "": float(
                cells.nth(i).get_attribute("data-value") or "nan"
            )
            for i in range(cells.count())
        }

    def score(self, reference: str) -> float:
        return float(self.row(reference).locator("td[data-score]").get_attribute("data-score") or 0)

    def band(self, reference: str) -> Locator:
        return self.row(reference).locator("td[data-band]")

    def compare(self, reference: str) -> ComparePage:
        self.row(reference).get_by_role("link", name="Compare side by side").click()
        self.page.wait_for_url(
            re.compile(rf"/compare/[A-Z]{{3}}-\d{{4}}-\d{{6}}/{UUID}(#messages)?$")
        )
        return ComparePage(self.page)


class ComparePage(Site):
    """/compare/<ref>/<remains id>: the case and the remains side by side, with the factors."""

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", name="Side by side", level=1)

    def case_column(self, row_id: str) -> Locator:
        return self.page.locator(f"#comparison tr#{row_id} td").nth(0)

    def remains_column(self, row_id: str) -> Locator:
        return self.page.locator(f"#comparison tr#{row_id} td").nth(1)

    def score(self) -> Locator:
        return self.page.locator("#match-score")

    def factor_rows(self) -> Locator:
        return self.page.locator("#factors tbody tr[data-factor]")

    def open_remains(self) -> RemainsPage:
        self.page.locator("#remains-reference").click()
        self.page.wait_for_url(re.compile(rf"/remains/{UUID}(#messages)?$"))
        return RemainsPage(self.page)


class RemainsSamplesPage(Site):
    """/remains/<id>/dna: the post-mortem sample references of remains, and the form to add one."""

    def record_sample(self, *, database: str, sample_id: str, collected: str) -> RemainsSamplesPage:
        form = self.page.locator("form").filter(has=self.page.locator("#submit-reference"))
        form.get_by_label("DNA database").select_option(label=database)
        form.get_by_label("Sample identifier").fill(sample_id)
        form.get_by_label("Collected on").fill(collected)
        form.get_by_role("button", name="Record post-mortem sample").click()
        self.page.wait_for_url(re.compile(rf"/remains/{UUID}/dna(#messages)?$"))
        self.expect_flash("Post-mortem sample recorded (custody: collected).")
        return self

    def rows(self) -> Locator:
        return self.page.locator("#references tbody tr")


class MatchReportsPage(Site):
    """/match-reports: the organisation's match reports and (forensic staff) the form."""

    def open_from_nav(self) -> MatchReportsPage:
        self.nav("Match reports")
        self.page.wait_for_url(re.compile(r"/match-reports(#messages)?$"))
        return self

    def record(
        self,
        *,
        family_reference: str,
        post_mortem: str,
        lab_report: str,
        likelihood_ratio: str,
        reported: str,
    ) -> MatchReportPage:
        form = self.page.locator("form").filter(has=self.page.locator("#submit-report"))
        choose_option(form.get_by_label("Family reference"), family_reference)
        choose_option(form.get_by_label("Post-mortem sample"), post_mortem)
        form.get_by_label("Laboratory report reference").fill(lab_report)
        form.get_by_label("Likelihood ratio (as reported)").fill(likelihood_ratio)
        form.get_by_label("Reported on").fill(reported)
        form.get_by_role("button", name="Record match report").click()
        self.page.wait_for_url(re.compile(rf"/match-reports/{UUID}(#messages)?$"))
        self.expect_flash("Match report recorded.")
        return MatchReportPage(self.page)

    def rows(self) -> Locator:
        return self.page.locator("#match-reports tbody tr")


class MatchReportPage(Site):
    """/match-reports/<id>: the laboratory's report, and the form to exclude it."""

    def status(self) -> str:
        return self.page.locator("#report-status").get_attribute("data-status") or ""

    def value(self, field_id: str) -> Locator:
        return self.page.locator(f"#{field_id}")


class IdentificationListPage(Site):
    """/identifications: those of the organisation, the ones awaiting a decision marked."""

    def open_from_nav(self) -> IdentificationListPage:
        self.nav("Identifications")
        self.page.wait_for_url(re.compile(r"/identifications(#messages)?$"))
        return self

    def record_for(self, case_reference: str) -> IdentificationFormPage:
        self.page.locator("#record-identification").click()
        self.page.wait_for_url(re.compile(r"/identifications/new(#messages)?$"))
        self.page.get_by_label("Case reference").fill(case_reference)
        self.page.get_by_role("button", name="Continue").click()
        self.page.wait_for_url(re.compile(r"/identifications/new\?case=[A-Z]{3}-\d{4}-\d{6}"))
        return IdentificationFormPage(self.page)

    def rows(self) -> Locator:
        return self.page.locator("#identifications tbody tr")

    def row(self, case_reference: str) -> Locator:
        return self.rows().filter(has=self.page.get_by_role("link", name=case_reference))

    def open(self, case_reference: str) -> IdentificationPage:
        self.row(case_reference).get_by_role("link", name="Open").click()
        self.page.wait_for_url(re.compile(rf"/identifications/{UUID}(#messages)?$"))
        return IdentificationPage(self.page)


class IdentificationFormPage(Site):
    """/identifications/new?case=<ref>: the method, the evidence, who identified."""

    def record(
        self, *, method: str, match_report: str, remains: str, identified: str
    ) -> IdentificationPage:
        p = self.page
        form = p.locator("form").filter(has=p.locator("#submit-identification"))
        form.get_by_label("Method", exact=True).select_option(method)
        choose_option(form.get_by_label("Match report (method DNA)"), match_report)
        choose_option(form.get_by_label("Remains (optional)"), remains)
        form.get_by_label("Date of the identification").fill(identified)
        form.get_by_role("button", name="Record the identification").click()
        p.wait_for_url(re.compile(rf"/identifications/{UUID}(#messages)?$"))
        self.expect_flash(re.compile("Identification recorded"))
        return IdentificationPage(p)


class IdentificationPage(Site):
    """/identifications/<id>: the record, and (a second person only) confirm or reject."""

    def status(self) -> str:
        return self.page.locator("#identification-status").get_attribute("data-status") or ""

    def awaiting_second_person(self) -> Locator:
        return self.page.locator("#awaiting-second-person")

    def confirm_button(self) -> Locator:
        return self.page.get_by_role("button", name="Confirm the identification")

    def confirm(self) -> IdentificationPage:
        self.confirm_button().click()
        self.page.wait_for_url(re.compile(rf"/identifications/{UUID}(#messages)?$"))
        self.expect_flash("Identification confirmed.")
        return self

    def value(self, field_id: str) -> Locator:
        return self.page.locator(f"#{field_id}")
