"""Every demo login works in a real browser; keyboard-only sign-in; no external assets."""

from __future__ import annotations

import re

from casework import demo
from tests.e2e.conftest import LoginPage

ROLE_NAMES = {
    "admin": "Administrator",
    "focal_point": "Focal point",
    "family_liaison": "Family liaison officer",
    "forensic": "Forensic specialist",
    "partner": "Partner",
    "auditor": "Auditor",
}


def test_every_demo_login_works_in_a_browser(page, database, settings):
    with database.session() as s:
        logins, password = demo.load(s, settings)
    roles = {role for _, role, _ in logins}
    assert roles == {"admin", "focal_point", "family_liaison", "forensic", "partner", "auditor"}
    countries = {country for _, _, country in demo.DEMO_ORGS}
    assert len(countries) >= 2
    login = LoginPage(page)
    for email, role, _org in logins:
        login.open().sign_in(email, password)
        page.wait_for_url(re.compile(r"/$"))
        assert email in page.content(), email
        assert ROLE_NAMES[role] in page.content()  # the header names the role in words
        login.sign_out()
        page.wait_for_url(re.compile(r"/login"))


def test_wrong_password_shows_an_error(page, make_user):
    user = make_user()
    LoginPage(page).open().sign_in(user.email, "not the password")
    assert page.get_by_role("alert").first.inner_text().strip() != ""
    assert "/login" in page.url


def test_sign_in_with_the_keyboard_only(page, make_user):
    from tests.helpers import PASSWORD

    user = make_user()
    page.goto("/login")
    # The email field has focus on arrival; everything else is Tab and Enter.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'email'")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    assert user.email in page.content()


def test_arabic_locale_renders_right_to_left(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="ar")
    pg = context.new_page()
    pg.goto("/login")
    assert pg.locator("html").get_attribute("dir") == "rtl"
    context.close()
