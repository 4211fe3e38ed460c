"""Marshmallow schemas of relatives, consents and notifications: the API's requests and answers
(the pages validate through the same load schemas)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from casework.auth.models import OrgKind
from casework.families.models import (
    ConsentPurpose,
    ContactChannel,
    NotificationChannel,
    NotificationKind,
    NotificationOutcome,
    SupportOffered,
)
from casework.schemas import (
    EARLIEST_DAY,
    Country,
    Day,
    Language,
    PageArgs,
    PageSchema,
    StrictBoolean,
    choice,
    enum_value,
    no_nul,
    person_name,
    text,
    values_of,
)

NAME_MAX = 200
RELATIONSHIP_MAX = 100
PHONE_MAX = 40
EMAIL_MAX = 254
ADDRESS_MAX = 1000
NOTE_MAX = 2000
NOTES_MAX = 10_000
EVIDENCE_MAX = 500
SCOPE_MAX_ITEMS = 50


class Region(Country):
    """An ISO 3166-1 alpha-2 country code, returned upper-cased; blank is refused too."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        code = super()._deserialize(value, attr, data, **kw)
        if code is None:
            raise ValidationError("Not an ISO 3166-1 alpha-2 country code.")
        return code


class DateOrDateTime(fields.Field):
    """An ISO 8601 date (midnight UTC) or date-time (UTC when it carries no offset)."""

    default_error_messages = {"invalid": "Not a valid ISO 8601 date or date-time."}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kw: Any) -> Any:
        return value.isoformat() if value is not None else None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, dt.date):
            parsed = dt.datetime.combine(value, dt.time(), dt.UTC)
        elif isinstance(value, str) and 10 <= len(value) <= 40:
            try:
                if len(value) == 10:
                    parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
                else:
                    parsed = dt.datetime.fromisoformat(value)
            except ValueError:
                if len(value) == 10 and value[4] == "-" and value[7] == "-":
                    raise ValidationError("There is no such day.") from None
                raise self.make_error("invalid") from None
        else:
            raise self.make_error("invalid")
        if parsed.date() < EARLIEST_DAY:
            raise ValidationError("The year must be 1900 or later.")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# --- relatives --------------------------------------------------------------------------------


class RelativeSchema(Schema):
    id = fields.UUID(dump_only=True)
    case_reference = fields.String(dump_only=True)
    full_name = fields.String(dump_only=True)
    relationship = fields.String(dump_only=True)
    phone = fields.String(dump_only=True, metadata={"description": "E.164"})
    country_of_residence = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    address = fields.String(dump_only=True)
    preferred_language = fields.String(dump_only=True)
    preferred_channel = enum_value("preferred_channel")
    is_reporting_person = fields.Boolean(dump_only=True)
    safety_note = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    is_erased = fields.Boolean(dump_only=True)
    erased_at = fields.DateTime(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class RelativeListSchema(PageSchema):
    items = fields.List(fields.Nested(RelativeSchema))


class _RelativeInput(Schema):
    full_name = person_name(NAME_MAX, min_len=1)
    relationship = text(RELATIONSHIP_MAX, min_len=1)
    country_of_residence = Country(
        allow_none=True,
        metadata={
            "description": "ISO 3166-1 alpha-2 country the relative lives in; a phone number "
            "written without its country code is read for it."
        },
    )
    phone = fields.String(
        allow_none=True,
        validate=[validate.Length(max=PHONE_MAX), no_nul],
        metadata={
            "description": "Any common writing. Without its country code (+…) it is read for "
            "phone_region, else country_of_residence; with neither, 422 naming phone."
        },
    )
    phone_region = Region(
        load_only=True,
        metadata={
            "description": "ISO 3166-1 alpha-2 hint for a national number; "
            "default the relative's country_of_residence (never the organisation's country)."
        },
    )
    email = fields.Email(allow_none=True, validate=[validate.Length(max=EMAIL_MAX), no_nul])
    address = text(ADDRESS_MAX, allow_none=True)
    preferred_language = Language(allow_none=True)
    preferred_channel = choice(ContactChannel, allow_none=True)
    is_reporting_person = StrictBoolean()
    safety_note = text(
        NOTE_MAX,
        allow_none=True,
        metadata={"description": 'e.g. "do not call before 18:00", "do not leave messages"'},
    )


class RelativeCreateSchema(_RelativeInput):
    full_name = person_name(NAME_MAX, required=True, min_len=1)
    relationship = text(
        RELATIONSHIP_MAX,
        required=True,
        min_len=1,
        metadata={"description": "to the missing person, e.g. mother, brother"},
    )


class RelativeUpdateSchema(_RelativeInput):
    version = fields.Integer(
        strict=True, metadata={"description": "or the If-Match header; stale → 409"}
    )


_DEPRECATED_CONTACT = (
    "Deprecated: {what} in a URL ends up in logs and browser history; "
    "use POST /relatives/search with `{field}` in the body."
)


class RelativeSearchSchema(PageArgs):
    """The body of POST /relatives/search: a `phone` (any writing; national numbers read for
    `region`) or an `email`, never in the URL."""

    phone = fields.String(
        validate=[validate.Length(min=1, max=PHONE_MAX), no_nul],
        metadata={"description": "any common writing; national numbers read for region"},
    )
    email = fields.String(
        validate=[validate.Length(min=1, max=EMAIL_MAX), no_nul],
        metadata={"description": "case-insensitive"},
    )
    region = Region(
        metadata={"description": "hint for national numbers; default the organisation's country"},
    )

    @validates_schema
    def _one_of(self, data: dict[str, Any], **kw: Any) -> None:
        if bool(data.get("phone")) == bool(data.get("email")):
            raise ValidationError("Give either phone or email.", "phone")


class LookupArgs(RelativeSearchSchema):
    """The query of GET /relatives: `phone` and `email` there are deprecated."""

    phone = fields.String(
        validate=[validate.Length(min=1, max=PHONE_MAX), no_nul],
        metadata={
            "deprecated": True,
            "description": _DEPRECATED_CONTACT.format(what="a phone number", field="phone"),
        },
    )
    email = fields.String(
        validate=[validate.Length(min=1, max=EMAIL_MAX), no_nul],
        metadata={
            "deprecated": True,
            "description": _DEPRECATED_CONTACT.format(what="an email address", field="email"),
        },
    )


class EraseSchema(Schema):
    confirm = StrictBoolean(required=True)
    note = text(NOTE_MAX, allow_none=True)

    @validates_schema
    def _confirmed(self, data: dict[str, Any], **kw: Any) -> None:
        if data.get("confirm") is not True:
            raise ValidationError("Erasure must be confirmed with true.", "confirm")


# --- consents ---------------------------------------------------------------------------------

SCOPE_KINDS = ("organisation", "category", "any")


class ScopeItemSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SCOPE_KINDS))
    value = fields.Raw(
        allow_none=True,
        metadata={"description": "organisation: its id; category: an organisation kind; any: none"},
    )

    @validates_schema
    def _value_fits_kind(self, data: dict[str, Any], **kw: Any) -> None:
        kind, value = data.get("kind"), data.get("value")
        if kind == "organisation":
            try:
                uuid.UUID(str(value)) if isinstance(value, str) else uuid.UUID("x")
            except ValueError:
                raise ValidationError("An organisation id (UUID).", "value") from None
        elif kind == "category":
            if value not in values_of(OrgKind):
                raise ValidationError("One of: " + ", ".join(values_of(OrgKind)) + ".", "value")
        elif kind == "any" and value is not None:
            raise ValidationError("No value for scope kind any.", "value")


class ConsentSchema(Schema):
    id = fields.UUID(dump_only=True)
    relative_id = fields.UUID(dump_only=True)
    purpose = enum_value("purpose")
    scope = fields.Raw(dump_only=True)
    given_at = fields.DateTime(dump_only=True)
    evidence_reference = fields.String(dump_only=True)
    withdrawn_at = fields.DateTime(dump_only=True)
    withdrawn_by = fields.UUID(dump_only=True)
    withdrawal_reason = fields.String(dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)
    recorded_by = fields.UUID(dump_only=True)


class ConsentListSchema(PageSchema):
    items = fields.List(fields.Nested(ConsentSchema))


class ConsentCreateSchema(Schema):
    purpose = choice(ConsentPurpose, required=True)
    scope = fields.List(
        fields.Nested(ScopeItemSchema),
        required=True,
        validate=validate.Length(min=1, max=SCOPE_MAX_ITEMS),
        metadata={"description": 'e.g. [{"kind": "category", "value": "humanitarian"}]'},
    )
    given_at = DateOrDateTime(metadata={"description": "date or date-time; default now"})
    evidence_reference = text(EVIDENCE_MAX, allow_none=True)


class ConsentWithdrawSchema(Schema):
    reason = text(NOTE_MAX, required=True, min_len=1)


# --- notifications ----------------------------------------------------------------------------


class NotificationSchema(Schema):
    id = fields.UUID(dump_only=True)
    relative_id = fields.UUID(dump_only=True)
    case_reference = fields.String(dump_only=True)
    kind = enum_value("kind")
    planned_date = fields.Date(dump_only=True)
    delivered_date = fields.Date(dump_only=True)
    channel = enum_value("channel")
    officer_id = fields.UUID(dump_only=True)
    language = fields.String(dump_only=True)
    outcome = enum_value("outcome")
    support_offered = enum_value("support_offered")
    follow_up_due = fields.Date(dump_only=True)
    follow_up_completed = fields.Boolean(dump_only=True)
    notes = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    due_date = fields.Date(dump_only=True)


class NotificationListSchema(PageSchema):
    items = fields.List(fields.Nested(NotificationSchema))


class _NotificationInput(Schema):
    planned_date = Day(years_ahead=2)
    delivered_date = Day(allow_none=True, years_ahead=1)
    channel = choice(NotificationChannel, allow_none=True)
    officer_id = fields.UUID(
        allow_none=True, metadata={"description": "the officer who delivers it (a user id)"}
    )
    language = Language(allow_none=True)
    outcome = choice(NotificationOutcome, allow_none=True)
    support_offered = choice(
        SupportOffered,
        allow_none=True,
        metadata={"description": "psychosocial support: none, offered, or referred"},
    )
    follow_up_due = Day(allow_none=True, years_ahead=2)
    notes = text(NOTES_MAX, allow_none=True)


class NotificationCreateSchema(_NotificationInput):
    relative_id = fields.UUID(required=True)
    kind = choice(NotificationKind, required=True)
    planned_date = Day(required=True, years_ahead=2)


class NotificationUpdateSchema(_NotificationInput):
    follow_up_completed = StrictBoolean()
    version = fields.Integer(
        strict=True, metadata={"description": "or the If-Match header; stale → 409"}
    )


class WorklistArgs(PageArgs):
    due_before = Day(years_ahead=10, metadata={"description": "YYYY-MM-DD; default today"})


class WorklistItemSchema(NotificationSchema):
    due_reason = fields.String(dump_only=True, metadata={"description": "delivery or follow_up"})
    is_overdue = fields.Boolean(dump_only=True)

    class Meta:
        exclude = ("notes",)


class WorklistSchema(PageSchema):
    items = fields.List(fields.Nested(WorklistItemSchema))


class NoRelativeReachableSchema(Schema):
    no_relative_reachable_reason = text(
        NOTE_MAX,
        required=True,
        min_len=1,
        metadata={"description": "why no relative could be given the identification notification"},
    )


class UnreachableRecordSchema(Schema):
    id = fields.UUID(dump_only=True)
    case_reference = fields.String(dump_only=True)
    no_relative_reachable_reason = fields.String(attribute="reason", dump_only=True)
    recorded_at = fields.DateTime(dump_only=True)
    recorded_by = fields.UUID(dump_only=True)
