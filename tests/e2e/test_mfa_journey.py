"""Two-step sign-in in a real browser (issue 11): an auditor's first sign-in leads to the
enrolment page (nothing else opens), the key shown there goes into an authenticator (pyotp here),
its code turns the second step on and shows ten recovery codes once; signing in again asks for a
code: a wrong one is refused, a right one signs in.

Each step is photographed into test-results/screenshots/mfa/ (CASEWORK_SCREENSHOTS to move it).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pyotp

from tests.helpers import PASSWORD

SCREENSHOTS = Path(
    os.environ.get("CASEWORK_SCREENSHOTS")
    or Path(__file__).resolve().parents[2] / "test-results" / "screenshots" / "mfa"
)


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _password_step(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_an_auditor_enrols_and_signs_in_with_a_code(page, make_user):
    auditor = make_user("auditor")

    _password_step(page, auditor.email)
    page.wait_for_url(re.compile(r"/mfa/enrol$"))
    # The QR code is an inline SVG drawn by the server (the page fixture fails on any outside
    # request), and the key is there as text for typing in.
    assert page.locator("figure.mfa-qr svg").count() == 1
    secret = page.locator("#mfa-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    _shot(page, "01-enrol")
    # Nothing else opens before the second factor is set up.
    page.goto("/audit")
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/mfa/enrol")
    assert page.locator("#mfa-secret").inner_text().strip() == secret

    totp = pyotp.TOTP(secret)
    page.get_by_label("Code").fill(totp.now())
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-step sign-in").click()
    codes = page.locator("ul.recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    _shot(page, "02-recovery-codes")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("continue")).click()
    assert auditor.email in page.content()

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    # Signing in again asks for a code; a wrong one is refused.
    _password_step(page, auditor.email)
    page.wait_for_url(re.compile(r"/login/code$"))
    _shot(page, "03-code-step")
    wrong = "000000" if totp.now() != "000000" else "111111"
    page.get_by_label("Code").fill(wrong)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "not correct" in page.get_by_role("alert").first.inner_text()
    assert "/login/code" in page.url
    _shot(page, "04-wrong-code")

    # The right code (the next time step's: this step's was spent at enrolment) signs in.
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/$"))
    assert auditor.email in page.content() and "auditor" in page.content()
    _shot(page, "05-signed-in")
