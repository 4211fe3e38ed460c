"""A focal point's case journey in a real browser, through the pages alone: register, find,
edit, lose an edit race and re-apply, change the status and close; plus the registration done
with the keyboard only. No name ever appears in a URL."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import LoginPage
from tests.e2e.pages import CaseFormPage, CaseListPage, CasePage, RequestLog, Site
from tests.helpers import PASSWORD

GIVEN, FAMILY = "José", "González"
CANARIES = ("José", "Jose", "González", "Gonzalez", "Chepe", "Ilopango", "Chalatenango")
FIRST_CIRCUMSTANCES = "Left Ilopango by bus with two cousins.\nLast call from Tapachula."
FLAG_REASON = "Threatened by a gang with police ties"


def _sign_in(page, user) -> None:
    LoginPage(page).open().sign_in(user.email, PASSWORD)
    page.wait_for_url(re.compile(r"/(#messages)?$"))


def test_focal_point_registers_finds_edits_and_closes_a_case(page, make_user):
    log = RequestLog(page)
    officer = make_user("focal_point")
    _sign_in(page, officer)

    # Register the case from the case list.
    form = CaseListPage(page).open_from_nav().register()
    form.fill_identity(
        given_names=GIVEN, family_names=FAMILY, sex="male", nationality="SV", aliases="Chepe"
    )
    form.fill_disappearance(
        last_seen_date="2025-06", last_seen_country="MX", circumstances=FIRST_CIRCUMSTANCES
    )
    form.tick_vulnerability("Unaccompanied")
    form.add_protection_flag(country="SV", reason=FLAG_REASON)
    case = form.register()

    reference = case.reference()
    case.expect_flash(f"Case {reference} registered.")
    assert case.status() == "reported"
    expect(page.locator("#case-status")).to_have_text("Reported")
    expect(case.value("given_names")).to_have_text(GIVEN)
    expect(case.value("family_names")).to_have_text(FAMILY)
    expect(case.value("last_seen_date")).to_have_text("Jun 2025")  # month and year, as shown
    # Line breaks survive; the text is escaped, not interpreted.
    expect(case.value("circumstances")).to_have_text(
        "Left Ilopango by bus with two cousins.Last call from Tapachula."
    )
    assert case.value("circumstances").locator("br").count() == 1
    expect(page.get_by_text("Unaccompanied", exact=True)).to_be_visible()
    expect(page.locator("dd").get_by_text("El Salvador", exact=True)).to_be_visible()
    expect(page.locator("dd").get_by_text("Mexico", exact=True)).to_be_visible()

    # The protection flag is prominent: its own region, above the case summary, in bold.
    flags = case.protection_flags()
    expect(flags).to_be_visible()
    expect(flags.locator('li[data-kind="country"][data-value="SV"]')).to_contain_text(
        "The authorities of El Salvador"
    )
    expect(flags).to_contain_text(FLAG_REASON)
    flag_box = flags.bounding_box()
    identity_box = page.get_by_role("region", name="Identity").bounding_box()
    assert flag_box and identity_box and flag_box["y"] < identity_box["y"]

    # Find it again: by a spelling without the accents, then by its reference.
    listing = CaseListPage(page).open_from_nav()
    listing.search("Gonzalez")
    assert listing.result_references() == [reference]
    expect(listing.result_row(reference)).to_contain_text(f"{GIVEN} {FAMILY}")
    expect(listing.result_row(reference).locator("[data-status]")).to_have_text("Reported")
    expect(listing.result_row(reference)).to_contain_text("protected")
    listing.search(reference.lower())
    assert listing.result_references() == [reference]
    listing.search("Fernández")
    assert listing.result_references() == []
    listing.search(reference)
    case = listing.open_case(reference)

    # A plain edit.
    form = case.edit()
    expect(form.circumstances()).to_have_value(FIRST_CIRCUMSTANCES)
    form.circumstances().fill("Left Ilopango by bus with two cousins; seen in Tapachula in July.")
    case = form.save()
    case.expect_flash(f"Case {reference} saved.")
    expect(case.value("circumstances")).to_contain_text("seen in Tapachula in July")
    expect(case.version_text()).to_have_text("· version 2")

    # An edit race: two tabs open the edit form at version 2; the first one saves first.
    first = case.edit()
    second_tab = page.context.new_page()
    second_tab.goto(f"/cases/{reference}/edit")
    second = CaseFormPage(second_tab)
    first.circumstances().fill("Cousins report he crossed into Guatemala at La Hachadura.")
    first.save().expect_flash(f"Case {reference} saved.")

    second.circumstances().fill("A bus driver saw him in Ciudad Hidalgo.")
    second.place_of_origin().fill("Chalatenango")
    conflict = second.save_expecting_conflict()
    expect(second_tab.get_by_role("alert")).to_contain_text("now at version 3")
    assert set(conflict.differing_fields()) == {"circumstances", "place_of_origin"}
    expect(conflict.yours("circumstances")).to_have_text("A bus driver saw him in Ciudad Hidalgo.")
    expect(conflict.current("circumstances")).to_have_text(
        "Cousins report he crossed into Guatemala at La Hachadura."
    )
    expect(conflict.yours("place_of_origin")).to_have_text("Chalatenango")
    expect(conflict.current("place_of_origin")).to_have_text("—")
    # Nothing was overwritten: the first tab's save stands until the user re-applies.
    page.reload()
    expect(case.value("circumstances")).to_have_text(
        "Cousins report he crossed into Guatemala at La Hachadura."
    )
    # The form below merges both versions: both changed the circumstances, so the colleague's
    # text is offered (to review, never wiped by saving as offered); the user re-types theirs.
    expect(conflict.circumstances()).to_have_value(
        "Cousins report he crossed into Guatemala at La Hachadura."
    )
    expect(second_tab.locator("#to-review")).to_contain_text("Circumstances")
    conflict.circumstances().fill("A bus driver saw him in Ciudad Hidalgo.")
    reapplied = conflict.save_my_version()
    reapplied.expect_flash(f"Case {reference} saved.")
    expect(reapplied.value("circumstances")).to_have_text("A bus driver saw him in Ciudad Hidalgo.")
    expect(second_tab.get_by_text("Chalatenango", exact=True)).to_be_visible()
    expect(reapplied.version_text()).to_have_text("· version 4")
    expect(reapplied.protection_flags()).to_contain_text(FLAG_REASON)  # untouched fields stay
    second_tab.close()

    # Status: reported → active search (with a note), then closed, withdrawn by the family.
    page.reload()
    case = CasePage(page)
    case.change_status("active_search", "Search opened with the Mexican consulate.")
    assert case.status() == "active_search"
    section = case.status_section()
    expect(section.get_by_label("New status").locator("option[value=closed]")).to_have_count(1)
    # A refused change (closing as a duplicate without naming the other case) comes back as the
    # page itself: what was chosen and typed is kept, the error sits next to its field and is
    # summed up at the top of the form, which has the focus.
    section.get_by_label("New status").select_option("closed")
    section.get_by_label("Closure reason").select_option("duplicate")
    section.get_by_label("Note (required)").fill("Reported twice, I think.")
    section.get_by_role("button", name="Change status").click()
    summary = page.locator("#status-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("needs the reference of the case it duplicates")
    section = case.status_section()
    expect(section.get_by_label("New status")).to_have_value("closed")
    expect(section.get_by_label("Closure reason")).to_have_value("duplicate")
    expect(section.get_by_label("Note (required)")).to_have_value("Reported twice, I think.")
    duplicate_of = section.get_by_label("Duplicate of")
    expect(duplicate_of).to_have_attribute("aria-invalid", "true")
    expect(duplicate_of).to_have_accessible_description(
        "Give the reference of the case this one duplicates."
    )
    assert case.status() == "active_search"
    case.change_status(
        "closed", "The family asked us to stop the search.", closure_reason="withdrawn_by_family"
    )
    assert case.status() == "closed"
    assert case.closure_reason() == "withdrawn_by_family"
    expect(page.locator("#case-closure-reason")).to_have_text("Withdrawn by the family")
    # The one move from "closed" is reopening (a focal point, with a note).
    # (after the blank "Choose…": nothing is pre-selected).
    options = case.status_section().get_by_label("New status").locator("option")
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("value", "")
    expect(options.nth(1)).to_have_attribute("value", "active_search")

    # The timeline tells the whole story, oldest first.
    assert case.timeline_kinds() == [
        "created",
        "updated",
        "updated",
        "updated",
        "status_changed",
        "status_changed",
    ]
    items = case.timeline()
    expect(items.nth(0)).to_contain_text("Registered")
    expect(items.nth(0)).to_contain_text(f"{officer.email} (Focal point)")  # roles in words
    expect(items.nth(1)).to_contain_text("Updated: Circumstances of the disappearance")
    expect(items.nth(3)).to_contain_text("Place of origin")
    expect(items.nth(4)).to_contain_text("Reported → Active search")
    expect(items.nth(4)).to_contain_text("Search opened with the Mexican consulate.")
    expect(items.nth(5)).to_contain_text("Active search → Closed (Withdrawn by the family)")
    expect(items.nth(5)).to_contain_text("The family asked us to stop the search.")

    leaks = log.leaks(*CANARIES)
    assert not leaks, leaks
    assert any(url.endswith(f"/cases/{reference}") for url in log.urls)


def test_register_a_case_with_the_keyboard_only(page, make_user):
    log = RequestLog(page)
    officer = make_user("focal_point")
    _sign_in(page, officer)
    site = Site(page)
    keyboard = page.keyboard

    # Home → Cases → Register a case, by Tab and Enter.
    site.tab_to('nav a[href="/cases"]')
    keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases(#messages)?$"))
    site.tab_to("#register-case")
    keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/new(#messages)?$"))

    # The skip link is the first stop, and it leads straight to the form's first field.
    keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    keyboard.press("Enter")
    keyboard.press("Tab")
    assert site.focused_id() == "given_names"
    keyboard.type("María José")
    keyboard.press("Tab")
    assert site.focused_id() == "family_names"
    keyboard.type("Hernández")

    # Selects answer to type-ahead; the checkbox to Space.
    site.tab_to("#sex")
    keyboard.type("Female")
    site.tab_to("#nationality")
    keyboard.type("El Salvador")
    site.tab_to("#last_seen_date")
    keyboard.type("2024-11-03")
    site.tab_to("#last_seen_country")
    keyboard.type("Guatemala")
    site.tab_to("#circumstances")
    keyboard.type("Travelled north with a smuggler; last message from Tecún Umán.")
    site.tab_to('input[name="vulnerabilities"][value="child"]')
    keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Child", exact=True)).to_be_checked()

    # Enter on the submit button registers the case.
    site.tab_to('input[type="submit"]')
    expect(page.get_by_role("button", name="Register the case")).to_be_focused()
    keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/[A-Z]{3}-\d{4}-\d{6}(#messages)?$"))

    case = CasePage(page)
    reference = case.reference()
    case.expect_flash(f"Case {reference} registered.")
    assert case.status() == "reported"
    expect(case.value("given_names")).to_have_text("María José")
    expect(case.value("family_names")).to_have_text("Hernández")
    expect(case.value("last_seen_date")).to_have_text("Nov 3, 2024")
    expect(page.get_by_text("Female", exact=True)).to_be_visible()
    expect(page.get_by_text("El Salvador", exact=True)).to_be_visible()
    expect(page.get_by_text("Guatemala", exact=True)).to_be_visible()
    expect(case.value("circumstances")).to_contain_text("Tecún Umán")
    expect(page.get_by_text("Child", exact=True)).to_be_visible()

    leaks = log.leaks("María", "Maria", "Hernández", "Hernandez", "Tecún")
    assert not leaks, leaks


def test_the_request_log_catches_a_name_in_a_url(page):
    # The guard above is only worth something if it sees an encoded name in a query string.
    log = RequestLog(page)
    page.goto("/login?next=/cases%3Fq%3DJos%25C3%25A9%2BGonz%C3%A1lez")
    assert {canary for canary, _url in log.leaks(*CANARIES)} == {"José", "González"}
