"""Pages loaded straight at 390 px (not reflowed from 1280) with long data in their tables, in
English, Spanish, French and Arabic (issue 14, problem 7, found again by a tester): no page is
wider than the screen, every table wider than its box scrolls inside a wrapper that can be
focused (tabindex=0) and has an accessible name, and the case list's filters start closed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.test_layout_axe import _sign_in
from tests.families.helpers import relative_body

LONG_NAME = "María de los Ángeles Hernández-Villanueva Quintanilla de la Cruz"
LONG_SAFETY = (
    "Never contact through the Eritrean authorities or the embassy; do not call before 18:00,"
    " she works at the market; never leave voice messages."
)

#: Each table wider than its own box: the nearest scrolling ancestor (or the table itself),
#: whether it can be focused and whether it has an accessible name.
_TABLES = """() => [...document.querySelectorAll('main table')].map(t => {
  let box = t;
  while (box && box !== document.body) {
    const s = getComputedStyle(box);
    if (['auto', 'scroll'].includes(s.overflowX)) break;
    box = box.parentElement;
  }
  const scrolls = box && box !== document.body;
  const name = scrolls ? (box.getAttribute('aria-label') || (box.getAttribute('aria-labelledby')
    ? document.getElementById(box.getAttribute('aria-labelledby'))?.textContent.trim() : '')) : '';
  return {id: t.id || t.className, wide: t.scrollWidth > t.parentElement.clientWidth + 1,
          scrolls, focusable: scrolls && box.tabIndex === 0, name: name || '',
          boxRight: scrolls ? box.getBoundingClientRect().right : 0};
})"""


@pytest.fixture
def world(api, make_user):
    focal = api("focal_point")
    resp = focal.post(
        "/cases",
        json={
            "given_names": LONG_NAME,
            "family_names": "Tesfamariam Gebremedhin Woldemichael",
            "sex": "female",
            "nationality": "ER",
            "last_seen_country": "LY",
            "last_seen_date": "2025-06",
        },
    )
    assert resp.status_code == 201, resp.json
    reference = resp.json["reference"]
    liaison = api("family_liaison")
    relative = liaison.post(
        f"/cases/{reference}/relatives",
        json=relative_body(full_name=LONG_NAME, safety_note=LONG_SAFETY),
    ).json
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    body = {"relative_id": relative["id"], "kind": "progress_update", "planned_date": yesterday}
    assert liaison.post(f"/cases/{reference}/notifications", json=body).status_code == 201
    consent = {
        "purpose": "tracing",
        "scope": [{"kind": "any"}],
        "given_at": yesterday,
        "evidence_reference": "form-2026-99173-signed-at-the-consulate-in-tripoli",
    }
    resp = liaison.post(f"/relatives/{relative['id']}/consents", json=consent)
    assert resp.status_code == 201, resp.json
    return {
        "relative": relative["id"],
        "focal_point": make_user("focal_point"),
        "family_liaison": make_user("family_liaison"),
    }


@pytest.mark.parametrize("language", ["en", "es", "fr", "ar"])
def test_pages_loaded_at_390_fit_and_tables_scroll_in_a_named_box(
    browser, live_server, world, language
):
    visits = [
        ("family_liaison", "worklist", "/worklist"),
        ("family_liaison", "relative page", f"/relatives/{world['relative']}"),
        ("focal_point", "case list", "/cases"),
        ("focal_point", "registration form", "/cases/new"),
    ]
    problems: list[str] = []
    signed_in = None
    context = None
    try:
        for role, name, url in visits:
            if role != signed_in:
                if context is not None:
                    context.close()
                context = browser.new_context(
                    base_url=live_server,
                    locale=language,
                    viewport={"width": 390, "height": 800},
                    extra_http_headers={"Accept-Language": language},
                )
                page = context.new_page()
                page.set_default_timeout(10_000)
                _sign_in(page, world[role])
                signed_in = role
            page.goto(url)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 390:
                problems.append(f"{name}: {width} px wide")
            tables = page.evaluate(_TABLES)
            if name in ("worklist", "case list", "relative page"):
                assert tables, f"{name}: no table (the test's data is missing)"
            for table in tables:
                if not table["wide"]:
                    continue
                if not (table["scrolls"] and table["focusable"] and table["name"]):
                    problems.append(f"{name}: table {table} does not scroll in a named box")
                elif table["boxRight"] > 391:
                    problems.append(f"{name}: table {table}'s box is wider than the screen")
            if name == "case list":
                opened = page.locator("details.filters").get_attribute("open")
                if opened is not None:
                    problems.append("case list: filters open with no filter in use")
                button = page.locator("#case-search [type=submit]").bounding_box()
                if button is None or button["y"] + button["height"] > 800:
                    problems.append("case list: the search button is below the first screen")
    finally:
        if context is not None:
            context.close()
    assert not problems, f"{language}:\n" + "\n".join(problems)
