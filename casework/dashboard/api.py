"""GET /api/v1/dashboard/statistics: the organisation's anonymised counts, as JSON or CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, jsonify

from casework.api import api_blueprint
from casework.auth.context import acting
from casework.auth.policy import require
from casework.dashboard.schemas import StatisticsArgs, StatisticsSchema
from casework.dashboard.statistics import Statistics, statistics
from casework.db import utcnow
from casework.web import db_session, settings

READ_DASHBOARD = "dashboard.read"
CSV_COLUMNS = ("dimension", "bucket", "count")

blp = api_blueprint(
    "dashboard_api",
    __name__,
    "/dashboard",
    description="Anonymised statistics of the organisation's cases (small cells suppressed)",
)


def current_statistics() -> Statistics:
    """The caller's organisation's statistics today (UTC), with the configured threshold."""
    return statistics(db_session(), acting(), settings().statistics_min_cell, utcnow().date())


def csv_text(stats: Statistics) -> str:
    """One row per dimension, bucket and count; a suppressed count is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for dimension, bucket, count in stats.rows():
        writer.writerow((dimension, bucket, "" if count is None else count))
    return buffer.getvalue()


def csv_response(stats: Statistics) -> Response:
    name = f"statistics-{stats.as_of.isoformat()}.csv"
    return Response(
        csv_text(stats),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blp.route("/statistics", methods=["GET"])
@require(READ_DASHBOARD)
@blp.arguments(StatisticsArgs, location="query")
@blp.response(200, StatisticsSchema)
@blp.doc(
    responses={
        "200": {
            "description": "The counts (JSON), or with format=csv a CSV file",
            "content": {
                "application/json": {"schema": StatisticsSchema},
                "text/csv": {
                    "schema": {
                        "type": "string",
                        "description": "With format=csv: columns dimension, bucket, count "
                        "(empty when suppressed)",
                    }
                },
            },
        }
    }
)
def get_statistics(args: dict[str, Any]) -> Any:
    """Anonymised counts of the caller's organisation's cases: by status, month last seen,
    last-seen country, route country (a case counts once per country of its route), sex and
    age band, and the notifications due (overdue, today, the next 7 days). A count from 1 to
    `threshold - 1` is null, and so are enough other cells of a dimension that none follows
    by subtraction. `format=csv` for a CSV file. No personal value, no reference."""
    stats = current_statistics()
    if args["format"] == "csv":
        return csv_response(stats)
    return jsonify(StatisticsSchema().dump(stats))
