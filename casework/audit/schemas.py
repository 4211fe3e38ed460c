"""Marshmallow schemas of the audit API: the list filters (validated) and the event shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from casework.audit.queries import EventFilters
from casework.schemas import PageArgs, PageSchema


class IsoDateTime(fields.Field):
    """An ISO 8601 date or date-time; without a zone it is UTC. A bare date used as an upper
    bound (`end_of_day=True`) covers the whole day."""

    default_error_messages = {"invalid": "Not a valid ISO 8601 date or date-time."}

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        if not isinstance(value, str) or not 10 <= len(value.strip()) <= 40:
            raise self.make_error("invalid")
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("invalid") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        if self.end_of_day and len(text) == 10:  # YYYY-MM-DD: through the end of that day
            parsed = parsed + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
        return parsed.astimezone(dt.UTC)


class EventQuerySchema(PageArgs):
    """Query arguments of GET /audit/events."""

    actor = fields.UUID(load_default=None)
    case = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    action = fields.String(
        load_default=None,
        validate=[
            validate.Length(min=1, max=64),
            validate.Regexp(r"^[a-z0-9_.*-]+$", error="Use a dotted action such as case.read."),
        ],
    )
    from_ = IsoDateTime(data_key="from", load_default=None)
    to = IsoDateTime(end_of_day=True, load_default=None)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Must not be before 'from'.", "to")


def filters_from(args: dict[str, Any]) -> EventFilters:
    case = args.get("case")
    return EventFilters(
        actor_id=args.get("actor"),
        case_reference=(case.strip() or None) if case else None,
        action=args.get("action"),
        since=args.get("from_"),
        until=args.get("to"),
    )


class EventSchema(Schema):
    seq = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    actor_id = fields.UUID(dump_only=True, allow_none=True)
    organisation_id = fields.UUID(dump_only=True, allow_none=True)
    role = fields.String(dump_only=True)
    action = fields.String(dump_only=True)
    object_type = fields.String(dump_only=True)
    object_id = fields.String(dump_only=True, allow_none=True)
    case_reference = fields.String(dump_only=True, allow_none=True)
    purpose = fields.String(dump_only=True, allow_none=True)
    categories = fields.List(fields.String(), dump_only=True)
    request_id = fields.String(dump_only=True, allow_none=True)
    decision = fields.String(dump_only=True)
    # Non-personal facts only (the trail refuses others): the view, fields written, and for a
    # list or search the references of the records returned.
    details = fields.Dict(dump_only=True)
    hash = fields.String(dump_only=True)


class EventPageSchema(PageSchema):
    items = fields.List(fields.Nested(EventSchema), dump_only=True)
