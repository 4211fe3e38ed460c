"""Pages at 390 px and under axe-core (issue 14, problems 7 and the axe checks): the pages the
journeys visit, in English and in Arabic, at 1280 and 390 px. At 390 px no page scrolls
sideways (`document.documentElement.scrollWidth` fits the viewport: wide tables scroll inside
their own box), the case list's filters fold into a "Filters" disclosure, and axe finds no
serious or critical violation anywhere, and none at all on the pages in `STRICT`."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import BLOCKING, describe, horizontal_overflow, violations
from tests.e2e.conftest import _prepare_second_factor
from tests.families.helpers import relative_body
from tests.helpers import PASSWORD

#: Pages that may have no axe violation of any impact (the issue's list).
STRICT = {
    "login",
    "home",
    "case list",
    "case page",
    "registration form",
    "relative page",
    "worklist",
}


@pytest.fixture
def world(api, make_user):
    """A case with a relative and a notification due, and a user of each role that visits."""
    focal = api("focal_point")
    resp = focal.post(
        "/cases",
        json={
            "given_names": "Yohannes",
            "family_names": "Tesfamariam Gebremedhin",
            "sex": "male",
            "nationality": "ER",
            "last_seen_country": "LY",
            "last_seen_date": "2025-06",
            "circumstances": "Left Tripoli by boat with a group of about forty people.",
        },
    )
    assert resp.status_code == 201, resp.json
    reference = resp.json["reference"]
    liaison = api("family_liaison")
    relative = liaison.post(f"/cases/{reference}/relatives", json=relative_body()).json
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    body = {"relative_id": relative["id"], "kind": "progress_update", "planned_date": yesterday}
    assert liaison.post(f"/cases/{reference}/notifications", json=body).status_code == 201
    return {
        "reference": reference,
        "relative": relative["id"],
        "focal_point": make_user("focal_point"),
        "family_liaison": make_user("family_liaison"),
        "forensic": make_user("forensic"),
        "auditor": make_user("auditor"),
        "admin": make_user("admin"),
    }


def _sign_in(page, user) -> None:
    """Sign in by the fields' names (their labels are in the page's language)."""
    from tests.helpers import totp_now

    secret = _prepare_second_factor(user.email)
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form input[type=submit], form button[type=submit]").last.click()
    if secret is not None and page.url.endswith("/login/code"):
        page.locator("input[name=code]").fill(totp_now(secret))
        with page.expect_navigation():
            page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/$"))


def _sign_out(page) -> None:
    page.context.clear_cookies()


def _visits(world):
    ref, relative = world["reference"], world["relative"]
    return [
        (None, "login", "/login"),
        (None, "family status", "/family-status"),
        ("focal_point", "home", "/"),
        ("focal_point", "dashboard", "/dashboard"),
        ("focal_point", "case list", "/cases"),
        ("focal_point", "case page", f"/cases/{ref}"),
        ("focal_point", "registration form", "/cases/new"),
        ("focal_point", "case edit form", f"/cases/{ref}/edit"),
        ("focal_point", "family page", f"/cases/{ref}/family"),
        ("focal_point", "relative page", f"/relatives/{relative}"),
        ("focal_point", "case sharing", f"/cases/{ref}/sharing"),
        ("focal_point", "identifications", "/identifications"),
        ("family_liaison", "worklist", "/worklist"),
        ("family_liaison", "home (liaison)", "/"),
        ("family_liaison", "hotline look-up", "/relatives/lookup"),
        ("forensic", "remains list", "/remains"),
        ("forensic", "remains form", "/remains/new"),
        ("forensic", "match reports", "/match-reports"),
        ("auditor", "audit trail", "/audit"),
        ("admin", "users", "/admin/users"),
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_pages_fit_the_screen_and_pass_axe(browser, live_server, world, language):
    """Each page is loaded once, checked at 1280 px, then at 390 px (the same page, reflowed)."""
    context = browser.new_context(
        base_url=live_server,
        locale=language,
        viewport={"width": 1280, "height": 900},
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    try:
        signed_in = None
        for role, name, url in _visits(world):
            if role != signed_in:
                _sign_out(page)
                if role is not None:
                    _sign_in(page, world[role])
                signed_in = role
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", language)
            if language == "ar":
                expect(page.locator("html")).to_have_attribute("dir", "rtl")
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                overflow = horizontal_overflow(page)
                if overflow:
                    problems.append(f"{name} ({url}) at {width} px: {overflow} px too wide")
                found = violations(page)
                if name not in STRICT:
                    found = [v for v in found if v["impact"] in BLOCKING]
                if found:
                    problems.append(f"{name} ({url}) at {width} px:\n{describe(found)}")
    finally:
        context.close()
    assert not problems, f"{language}:\n" + "\n".join(problems)


def test_case_list_filters_fold_away_on_a_small_screen(browser, live_server, world):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        _sign_in(page, world["focal_point"])
        page.goto("/cases")
        filters = page.locator("details.filters")
        expect(filters).to_have_count(1)
        # Closed on a small screen: the name box, the search button and the results come first.
        expect(filters).not_to_have_attribute("open", "")
        expect(filters.locator("summary")).to_be_visible()
        expect(page.locator("#case-search select").first).to_be_hidden()
        button = page.locator("#case-search [type=submit]").bounding_box()
        assert button is not None and button["y"] + button["height"] <= 800
        filters.locator("summary").click()
        expect(page.locator("#case-search select").first).to_be_visible()
        # A wide screen shows the filters without the disclosure.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto("/cases")
        expect(page.locator("#case-search select").first).to_be_visible()
        expect(filters.locator("summary")).to_be_hidden()
    finally:
        context.close()
