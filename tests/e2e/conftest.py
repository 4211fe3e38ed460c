"""Browser journeys: the app served on a free local port, driven by Debian's Chromium through
Playwright. Skipped when no Chromium is installed (.ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.e2e import axe


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Browser journeys test the pages, not the database: CI runs them on one database only
    # (`-m "not browser"` on its PostgreSQL pass).
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


CHROMIUM = os.environ.get("CASEWORK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


#: The app the live server serves, so that sign-in can read a user's MFA secret from its database.
_served: dict[str, object] = {}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    _served["app"] = app
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    # Any request leaving this machine would mean an external asset: fail loudly.
    external: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server) or url.startswith("data:"):
            return route.continue_()
        external.append(url)
        return route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    auditor = axe.start(pg)
    yield pg
    context.close()
    axe.stop(pg)
    assert not external, f"pages tried to load external assets: {external}"
    # axe-core on every kind of page the journey reached: no serious or critical violation.
    assert not auditor.failures, "axe found serious or critical violations:\n" + auditor.report()


class LoginPage:
    """Page object for /login. Its controls are found by their names (the labels are in the
    page's language)."""

    def __init__(self, page):
        self.page = page

    def open(self) -> LoginPage:
        self.page.goto("/login")
        axe.audit_page(self.page)
        return self

    def sign_in(self, email: str, password: str) -> None:
        """Sign in; admins, partners and auditors (and anyone enrolled) also pass the code step,
        with a code computed from the secret in the database, as their authenticator app would.
        """
        secret = _prepare_second_factor(email)
        form = self.page.locator("main form")
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(password)
        with self.page.expect_navigation():
            form.locator("[type=submit]").click()  # "Sign in"
        if secret is not None and self.page.url.endswith("/login/code"):
            from tests.helpers import totp_now

            form = self.page.locator("main form")
            form.locator("input[name=code]").fill(totp_now(secret))
            with self.page.expect_navigation():
                form.locator("[type=submit]").click()  # "Continue"

    def switch_language(self, code: str) -> LoginPage:
        """Press the language switcher's button for `code` (it comes back to this page)."""
        switcher = self.page.locator("header form.lang-switch")
        with self.page.expect_navigation():
            switcher.locator(f'button[name=language][value="{code}"]').click()
        return self

    def sign_out(self) -> None:
        self.page.locator("header .who form [type=submit]").click()  # "Sign out"


def _prepare_second_factor(email: str) -> str | None:
    """The user's TOTP secret (enrolling them in the database first if their role requires it),
    with the last accepted time step forgotten so that signing in twice within 30 seconds is not
    a replay; None for an unknown e-mail or a user without a second factor."""
    from sqlalchemy import select, update

    from casework.auth import mfa
    from casework.auth.models import User, UserMfa
    from tests.helpers import mfa_secret

    app = _served.get("app")
    if app is None:
        return None
    database = app.extensions["casework.db"]  # type: ignore[attr-defined]
    with database.session() as s:
        user = s.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            return None
        enrolled = mfa.is_enrolled(s, user.id)
    if not enrolled and not mfa.required_for(user.role):
        return None
    secret = mfa_secret(database, user)
    with database.session() as s:
        s.execute(update(UserMfa).where(UserMfa.user_id == user.id).values(last_step=None))
    return secret
