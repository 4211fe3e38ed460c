"""Dates on pages (issue 14, problem 6): one format per locale (the locale's medium date: month
names, never the ambiguous 03/05 of one country), partial dates as month and year, times in 24
hours; a date never wraps (no-break spaces, and `white-space: nowrap` for dates in tables).
Date inputs are one kind everywhere: a text box with a format hint (docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from casework import web

CSS = Path(__file__).resolve().parents[2] / "casework" / "static" / "casework.css"

ENGLISH_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
ENGLISH_MONTHS += ["Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SPANISH_MONTHS = ["ene", "feb", "mar", "abr", "may", "jun"]
SPANISH_MONTHS += ["jul", "ago", "sept", "oct", "nov", "dic"]
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "day", "month", "moment"),
    [
        ("en", "Mar 5, 2026", "Mar 2026", "Mar 5, 2026, 14:07"),
        ("es", "5 mar 2026", "mar 2026", "5 mar 2026, 14:07"),
        ("fr", "5 mars 2026", "mars 2026", "5 mars 2026, 14:07"),
        # Arabic: day/month/year with right-to-left marks, the comma and month name its own.
        ("ar", "05\u200f/03\u200f/2026", "مارس 2026", "05\u200f/03\u200f/2026، 14:07"),
    ],
)
def test_one_date_format_per_locale(app, language, day, month, moment):
    when = dt.datetime(2026, 3, 5, 14, 7, 9, tzinfo=dt.UTC)
    with app.test_request_context("/", headers={"Accept-Language": language}):
        render = app.jinja_env.from_string(
            "{{ d|date }}|{{ p|date }}|{{ m|month }}|{{ t|datetime }}|{{ y|date }}|{{ n|date }}"
        ).render
        text = render(d=when.date(), p="2026-03", m=when.date(), t=when, y="2026", n=None)
    assert text.split("|") == [
        day.replace(" ", NBSP),
        month.replace(" ", NBSP),
        month.replace(" ", NBSP),
        moment.replace(" ", NBSP),
        "2026",
        "",
    ]


def test_a_naive_datetime_is_utc_and_seconds_on_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert web.format_moment(dt.datetime(2026, 12, 31, 23, 59, 58), seconds=True) == (
            f"Dec{NBSP}31,{NBSP}2026,{NBSP}23:59:58"
        )
        # An aware datetime elsewhere is shown in UTC, as stored.
        later = dt.datetime(2027, 1, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        assert web.format_moment(later) == f"Dec{NBSP}31,{NBSP}2026,{NBSP}23:30"


def _spanish(day: dt.date) -> str:
    return f"{day.day}{NBSP}{SPANISH_MONTHS[day.month - 1]}{NBSP}{day.year}"


def _english(day: dt.date) -> str:
    return f"{ENGLISH_MONTHS[day.month - 1]}{NBSP}{day.day},{NBSP}{day.year}"


def test_worklist_dates_in_the_page_language(
    client, login, make_user, liaison, case_ref, add_relative
):
    relative = add_relative(liaison, case_ref)
    due = dt.date.today() - dt.timedelta(days=3)
    body = {"relative_id": relative["id"], "kind": "progress_update"}
    resp = liaison.post(
        f"/cases/{case_ref}/notifications", json={**body, "planned_date": due.isoformat()}
    )
    assert resp.status_code == 201, resp.json
    assert login(make_user("family_liaison")).status_code == 302
    for language, expected in (("es", _spanish), ("en", _english)):
        html = client.get("/worklist", headers={"Accept-Language": language}).get_data(as_text=True)
        table = html[html.index('id="worklist"') :]
        assert expected(due) in table, language
        assert due.isoformat() not in table
        # The relative page's notification table too.
        page = client.get(f"/relatives/{relative['id']}", headers={"Accept-Language": language})
        assert expected(due) in page.get_data(as_text=True)


def test_dates_in_tables_do_not_wrap():
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    rule = re.search(r"([^{}]*)\{[^}]*white-space:\s*nowrap[^}]*\}", css)
    assert rule, "no nowrap rule"
    selectors = {s.strip() for s in rule.group(1).split(",")}
    assert {".table time", ".table .date"} <= selectors


def test_date_inputs_are_one_kind_everywhere(
    client, login, make_user, liaison, case_ref, add_relative
):
    """The case forms take partial dates (YYYY, YYYY-MM), which no browser picker can: so every
    date input is a text box whose label gives the format, never the browser's picker (whose
    mm/dd/yyyy follows the browser, not the page)."""
    relative = add_relative(liaison, case_ref)
    assert login(make_user("family_liaison")).status_code == 302
    pages = [f"/relatives/{relative['id']}", "/worklist"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert 'type="date"' not in html, url
    html = client.get(pages[0]).get_data(as_text=True)
    for name in ("given_at", "planned_date"):
        tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
        assert tag, name
        assert 'type="text"' in tag.group(0) and 'inputmode="numeric"' in tag.group(0)
        field_id = re.search(r'\bid="([^"]+)"', tag.group(0)).group(1)
        label = re.search(rf'<label for="{field_id}">(.*?)</label>', html, re.S)
        assert label and "(YYYY-MM-DD)" in label.group(1), name
