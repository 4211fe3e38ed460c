"""The dashboard page: each dimension as an SVG bar chart (role="img", a title, no script, no
external asset) beside its table, suppressed cells written as such, in the page's language and
direction; only focal points and admins, and linked from their navigation."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.dashboard.conftest import database_counts

PAGE = "/dashboard"


def _sections(html: str) -> dict[str, str]:
    found = re.findall(
        r'<section class="dashboard-section" id="([a-z0-9-]+)"(.*?)</section>', html, re.S
    )
    return dict(found)


def _table(section: str) -> dict[str, str]:
    """bucket → the count cell's text, from the section's table."""
    rows = re.findall(
        r'<tr data-bucket="([^"]+)"><th scope="row">[^<]*</th><td[^>]*>([^<]*)</td></tr>', section
    )
    return dict(rows)


def test_focal_point_sees_each_count_as_a_chart_beside_its_table(world, client, login):
    login(world.focal.user)
    resp = client.get(PAGE)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    sections = _sections(html)
    assert set(sections) == {
        "status",
        "month",
        "last-seen-country",
        "route-country",
        "sex",
        "age-band",
        "notifications-due",
    }
    status = sections["status"]
    # The chart: an inline SVG image with its title, one bar per row, drawn on the server.
    svg = re.search(r"<svg[^>]*>.*?</svg>", status, re.S).group(0)
    assert 'role="img"' in svg and "aria-labelledby=" in svg
    assert re.search(r"<title id=\"chart-status-title\">Cases by status</title>", svg)
    assert svg.count('<g class="bar"') == 5
    assert 'direction="ltr"' in svg
    # The table beside it, with the same numbers as the database (counted by hand in
    # conftest.PLAN): closed (3) and located alive (5) suppressed, written as such: "not shown",
    # never "fewer than 5" (located alive is 5, hidden only so that closed can't be worked out).
    assert _table(status) == {
        "reported": "21",
        "active_search": "11",
        "located_alive": "not shown",
        "deceased_identified": "0",
        "closed": "not shown",
    }
    assert svg.count('data-suppressed="true"') == 2
    # Reported (21) is the longest bar; bars are proportional to the counts.
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert len(widths) == 2 and widths[0] > widths[1] > 0
    assert abs(widths[0] / widths[1] - 21 / 11) < 0.05
    countries = _table(sections["last-seen-country"])
    assert countries["MX"] == "14" and countries["IT"] == "not shown"
    assert "Mexico" in sections["last-seen-country"]
    assert _table(sections["route-country"])["GT"] == "24"
    assert _table(sections["month"])["2025-06"] == "14"
    assert "June 2025" in sections["month"]
    # No script, no asset from elsewhere, no personal value or reference.
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "Prueba" not in html and not any(ref in html for ref in world.references)


def test_a_cell_hidden_to_protect_another_is_not_called_small(world, client, login, database):
    """Complementary suppression: a cell of 5 or more hidden only so that a small one of the
    same table can't be worked out by subtraction is "not shown" like the small one, and the
    page says why; the API and the CSV keep null and an empty cell."""
    login(world.focal.user)
    html = client.get(PAGE).get_data(as_text=True)
    assert "fewer than" not in html
    stats = world.focal.get("/dashboard/statistics").json["counts"]
    raw = database_counts(database, world.organisation_id)
    for dimension, buckets in stats.items():
        section = _sections(html)[dimension.replace("_", "-")]
        table = _table(section)
        for bucket, count in buckets.items():
            if count is None:
                assert table[bucket] == "not shown", (dimension, bucket)
                assert f"{_bucket_title(section, bucket)}: not shown" in section
    # At least one such cell is 5 or more (located alive: 5).
    assert stats["status"]["located_alive"] is None and raw["status"]["located_alive"] == 5
    assert "A count under 5 is not shown, and neither is another count" in html


def _bucket_title(section: str, bucket: str) -> str:
    return re.search(
        rf'<tr data-bucket="{re.escape(bucket)}"><th scope="row">([^<]*)</th>', section
    ).group(1)


def test_the_page_in_arabic_reads_right_to_left_with_country_names_in_arabic(world, client, login):
    login(world.focal.user)
    html = client.get(PAGE, headers={"Accept-Language": "ar"}).get_data(as_text=True)
    sections = _sections(html)
    svg = re.search(r"<svg[^>]*>.*?</svg>", sections["last-seen-country"], re.S).group(0)
    assert 'direction="rtl"' in svg
    assert "المكسيك" in sections["last-seen-country"]  # Mexico
    assert "Mexico" not in sections["last-seen-country"]
    # Right to left: a label sits to the right of its bar, which grows leftwards from it.
    label_x = [int(x) for x in re.findall(r'<text x="(\d+)"[^>]*text-anchor="end"', svg)]
    bar_end = [
        int(x) + int(w) for x, w in re.findall(r'<rect x="(\d+)" y="\d+" width="(\d+)"', svg)
    ]
    assert min(label_x) >= max(bar_end)


def test_the_page_downloads_the_same_counts_as_csv(world, client, login):
    login(world.focal.user)
    html = client.get(PAGE).get_data(as_text=True)
    assert 'href="/dashboard/statistics.csv"' in html
    resp = client.get("/dashboard/statistics.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert ["status", "reported", "21"] in rows and ["status", "closed", ""] in rows


def test_admins_see_the_page(api, make_user, client, login):
    login(make_user("admin"))
    resp = client.get(PAGE)
    assert resp.status_code == 200
    assert 'href="/dashboard"' in resp.get_data(as_text=True)  # in the navigation


@pytest.mark.parametrize("role", ["family_liaison", "forensic", "partner", "auditor"])
def test_other_roles_neither_see_the_link_nor_the_page(make_user, client, login, role):
    login(make_user(role))
    assert 'href="/dashboard"' not in client.get("/").get_data(as_text=True)
    assert client.get(PAGE).status_code == 403
    assert client.get("/dashboard/statistics.csv").status_code == 403


def test_focal_points_have_the_link(make_user, client, login):
    login(make_user("focal_point"))
    assert 'href="/dashboard"' in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    resp = client.get(PAGE)
    assert resp.status_code in (302, 303) and "/login" in resp.headers["Location"]
