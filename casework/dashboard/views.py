"""The dashboard page: each dimension of the statistics as a bar chart (SVG drawn on the
server, no script) beside its table, and the same counts as a CSV file. Thin: the counts are
`statistics.statistics`, suppressed exactly as the API's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Blueprint, render_template
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import login_required

from casework.auth.policy import require
from casework.cases.forms import SEX_LABELS, STATUS_LABELS
from casework.dashboard import statistics as stats_module
from casework.dashboard.api import READ_DASHBOARD, csv_response, current_statistics
from casework.dashboard.charts import Chart, bar_chart
from casework.dashboard.statistics import Statistics
from casework.vocabulary import country_name

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

RTL = frozenset({"ar", "fa", "he", "ur"})


def _titles() -> dict[str, str]:
    return {
        stats_module.STATUS: _("Cases by status"),
        stats_module.MONTH: _("Cases by month last seen"),
        stats_module.LAST_SEEN_COUNTRY: _("Cases by country last seen"),
        stats_module.ROUTE_COUNTRY: _("Cases by country on the route"),
        stats_module.SEX: _("Cases by sex"),
        stats_module.AGE_BAND: _("Cases by age band"),
        stats_module.NOTIFICATIONS_DUE: _("Notifications due to families"),
    }


def _notes() -> dict[str, str]:
    return {
        stats_module.MONTH: _("A date known only to the year is counted under the year alone."),
        stats_module.ROUTE_COUNTRY: _(
            "A case counts once in each country of its route, so these do not add up to the "
            "number of cases."
        ),
        stats_module.NOTIFICATIONS_DUE: _(
            "Notifications still to be given, or follow-ups still open, by the day they are due."
        ),
    }


def _country(code: str, locale: Locale | None) -> str:
    """The country's name in the page's language (English when the locale has none)."""
    if locale is not None:
        name = locale.territories.get(code)
        if name:
            return name
    return country_name(code)


def _month(bucket: str) -> str:
    if len(bucket) == 4:
        return _("%(year)s (month unknown)", year=bucket)
    year, month = bucket.split("-")
    return format_date(dt.date(int(year), int(month), 1), "MMMM y")


def _label(dimension: str, bucket: str, locale: Locale | None) -> str:
    if bucket == stats_module.UNKNOWN:
        return _("Unknown")
    if dimension == stats_module.STATUS:
        return str(STATUS_LABELS.get(bucket, bucket))
    if dimension == stats_module.SEX:
        return str(SEX_LABELS.get(bucket, bucket))
    if dimension == stats_module.MONTH:
        return _month(bucket)
    if dimension in (stats_module.LAST_SEEN_COUNTRY, stats_module.ROUTE_COUNTRY):
        return _country(bucket, locale)
    if dimension == stats_module.NOTIFICATIONS_DUE:
        return {
            stats_module.OVERDUE: _("Overdue"),
            stats_module.TODAY: _("Due today"),
            stats_module.NEXT_7_DAYS: _("Due in the next 7 days"),
        }[bucket]
    if dimension == stats_module.AGE_BAND:
        return _("%(band)s years", band=bucket)
    return bucket


def _locale() -> Locale | None:
    try:
        return Locale.parse(str(get_locale() or "en"))
    except (UnknownLocaleError, ValueError):
        return None


def sections(stats: Statistics) -> list[dict[str, Any]]:
    """Per dimension: its title, note, table rows and chart."""
    locale = _locale()
    rtl = bool(locale and locale.language in RTL)
    # Every hidden cell alike: a small one and one hidden only so that a small one can't be
    # worked out by subtraction (which may be large) are both "not shown"; the page's note
    # says why. Telling them apart would be false for the second, or would narrow it down.
    hidden = _("not shown")
    titles, notes = _titles(), _notes()
    found = []
    for dimension in stats_module.DIMENSIONS:
        rows = [
            (
                _label(dimension, bucket, locale),
                count,
                hidden if count is None else format_decimal(count),
                bucket,
            )
            for bucket, count in stats.counts[dimension].items()
        ]
        chart: Chart | None = None
        if rows:
            chart = bar_chart(
                f"chart-{dimension.replace('_', '-')}",
                titles[dimension],
                [(label, count, shown) for label, count, shown, _b in rows],
                rtl=rtl,
            )
        found.append(
            {
                "dimension": dimension,
                "id": dimension.replace("_", "-"),
                "title": titles[dimension],
                "note": notes.get(dimension),
                "rows": rows,
                "chart": chart,
            }
        )
    return found


@bp.route("")
@login_required
@require(READ_DASHBOARD)
def index() -> Any:
    """The organisation's anonymised counts, each as a chart beside its table."""
    stats = current_statistics()
    return render_template("dashboard/index.html", stats=stats, sections=sections(stats))


@bp.route("/statistics.csv")
@login_required
@require(READ_DASHBOARD)
def statistics_csv() -> Any:
    """The same counts as a CSV file (one row per dimension, bucket and count)."""
    return csv_response(current_statistics())
