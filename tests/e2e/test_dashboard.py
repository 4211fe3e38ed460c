"""The dashboard in Chromium: each chart drawn beside its table, no asset from elsewhere (the
`page` fixture fails on any), and in Arabic the chart reads right to left like the table: every
label sits to the right of its bar and the count to its left; in English the other way round."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dashboard.conftest import PLAN, register
from tests.e2e.conftest import LoginPage
from tests.helpers import PASSWORD

SCREENSHOTS = (
    Path(
        os.environ.get("CASEWORK_SCREENSHOTS")
        or Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
    )
    / "dashboard"
)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_charts_read_in_the_page_direction(page, live_server, api, make_user, language):
    focal = api("focal_point")
    register(focal, PLAN[:3])  # 8 + 6 in Mexico, 5 in Guatemala
    user = make_user("focal_point")
    LoginPage(page).open().sign_in(user.email, PASSWORD)
    # The language switcher's choice (signing in is done in English, the page object's labels).
    page.context.add_cookies([{"name": "casework_language", "value": language, "url": live_server}])
    page.goto("/dashboard")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    chart = page.locator("#chart-last-seen-country")
    assert chart.get_attribute("role") == "img"
    bar = chart.locator("g.bar").first  # Guatemala (5) then Mexico (14)
    label, value = bar.locator("text").nth(0), bar.locator("text").nth(1)
    rect = bar.locator("rect")
    label_box, value_box, bar_box = label.bounding_box(), value.bounding_box(), rect.bounding_box()
    if language == "ar":
        assert label_box["x"] >= bar_box["x"] + bar_box["width"] - 1
        assert value_box["x"] + value_box["width"] <= bar_box["x"] + 1
    else:
        assert label_box["x"] + label_box["width"] <= bar_box["x"] + 1
        assert value_box["x"] >= bar_box["x"] + bar_box["width"] - 1
    # The table beside the chart (not below it) at 1280 px.
    table = page.locator("#table-last-seen-country")
    assert abs(table.bounding_box()["y"] - chart.bounding_box()["y"]) < 80
    page.screenshot(path=f"{SCREENSHOTS}/dashboard-{language}.png", full_page=True)
    # At 390 px nothing is wider than the screen.
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{SCREENSHOTS}/dashboard-{language}-390.png", full_page=True)
