"""The statistics endpoint's query arguments and answer (they make its OpenAPI entry)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.dashboard.statistics import DIMENSIONS


def _count() -> fields.Integer:
    return fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0),
        metadata={"description": "the count; null when suppressed (under the threshold)"},
    )


class StatisticsArgs(Schema):
    format = fields.String(
        validate=validate.OneOf(["json", "csv"]),
        load_default="json",
        metadata={"description": "`csv` for a CSV file: one row per dimension, bucket, count"},
    )


#: Per dimension, bucket → count. Buckets: case statuses; months `YYYY-MM` (a year-only date
#: under `YYYY`); ISO 3166-1 alpha-2 countries; sexes; age bands; `overdue`, `today`,
#: `next_7_days`; and `unknown` where a case has no value.
CountsSchema = Schema.from_dict(
    {
        name: fields.Dict(keys=fields.String(), values=_count(), required=True)
        for name in DIMENSIONS
    },
    name="StatisticsCounts",
)


class StatisticsSchema(Schema):
    threshold = fields.Integer(
        required=True,
        metadata={"description": "the smallest count published: from 1 to threshold - 1 is null"},
    )
    as_of = fields.Date(
        required=True, metadata={"description": "the day (UTC) notifications due are counted from"}
    )
    counts = fields.Nested(CountsSchema, required=True)
