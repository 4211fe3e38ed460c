"""Marshmallow schemas of relatives, consents and notifications: the API's requests and answers
(the pages validate through the same load schemas)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from casework.api import PageArgs, PageSchema
from casework.auth.models import OrgKind
from casework.cases import values
from casework.families.models import (
    ConsentPurpose,
    ContactChannel,
    NotificationChannel,
    NotificationKind,
    NotificationOutcome,
    SupportOffered,
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


def _values(enum_cls: Any) -> list[str]:
    return [m.value for m in enum_cls]


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("Text may not contain NUL characters.")


class Language(fields.String):
    """A BCP 47 tag (es, es-SV, mam, ar), returned in canonical case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kw)
        if len(text) > 35:
            raise ValidationError("Not a BCP 47 language tag.")
        try:
            return values.language_tag(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class Region(fields.String):
    """An ISO 3166-1 alpha-2 country code, returned upper-cased."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kw)
        try:
            return values.country_code(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def _text(max_len: int, *, required: bool = False, min_len: int = 0, **kw: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=[validate.Length(min=min_len, max=max_len), _no_nul],
        **kw,
    )


def _choice(enum_cls: Any, **kw: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(_values(enum_cls)), **kw)


def _enum_value(attr: str) -> Any:
    def get(obj: Any) -> Any:
        value = getattr(obj, attr)
        return getattr(value, "value", value)

    return fields.Function(get, dump_only=True)


class StrictBoolean(fields.Boolean):
    """Only JSON true/false: "yes", 1 or "maybe" are refused (wrong type, 422)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


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
                raise self.make_error("invalid") from None
        else:
            raise self.make_error("invalid")
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# --- relatives --------------------------------------------------------------------------------


class RelativeSchema(Schema):
    id = fields.UUID(dump_only=True)
    case_reference = fields.String(dump_only=True)
    full_name = fields.String(dump_only=True)
    relationship = fields.String(dump_only=True)
    phone = fields.String(dump_only=True, metadata={"description": "E.164"})
    email = fields.String(dump_only=True)
    address = fields.String(dump_only=True)
    preferred_language = fields.String(dump_only=True)
    preferred_channel = _enum_value("preferred_channel")
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
    full_name = _text(NAME_MAX, min_len=1)
    relationship = _text(RELATIONSHIP_MAX, min_len=1)
    phone = fields.String(
        allow_none=True,
        validate=[validate.Length(max=PHONE_MAX), _no_nul],
        metadata={"description": "Any common writing; national numbers read for phone_region."},
    )
    phone_region = Region(
        load_only=True,
        metadata={
            "description": "ISO 3166-1 alpha-2 hint for national numbers; "
            "default the organisation's country."
        },
    )
    email = fields.Email(allow_none=True, validate=[validate.Length(max=EMAIL_MAX), _no_nul])
    address = _text(ADDRESS_MAX, allow_none=True)
    preferred_language = Language(allow_none=True)
    preferred_channel = _choice(ContactChannel, allow_none=True)
    is_reporting_person = StrictBoolean()
    safety_note = _text(
        NOTE_MAX,
        allow_none=True,
        metadata={"description": 'e.g. "do not call before 18:00", "do not leave messages"'},
    )


class RelativeCreateSchema(_RelativeInput):
    full_name = _text(NAME_MAX, required=True, min_len=1)
    relationship = _text(
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
        validate=[validate.Length(min=1, max=PHONE_MAX), _no_nul],
        metadata={"description": "any common writing; national numbers read for region"},
    )
    email = fields.String(
        validate=[validate.Length(min=1, max=EMAIL_MAX), _no_nul],
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
        validate=[validate.Length(min=1, max=PHONE_MAX), _no_nul],
        metadata={
            "deprecated": True,
            "description": _DEPRECATED_CONTACT.format(what="a phone number", field="phone"),
        },
    )
    email = fields.String(
        validate=[validate.Length(min=1, max=EMAIL_MAX), _no_nul],
        metadata={
            "deprecated": True,
            "description": _DEPRECATED_CONTACT.format(what="an email address", field="email"),
        },
    )


class EraseSchema(Schema):
    confirm = StrictBoolean(required=True)
    note = _text(NOTE_MAX, allow_none=True)

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
            if value not in _values(OrgKind):
                raise ValidationError("One of: " + ", ".join(_values(OrgKind)) + ".", "value")
        elif kind == "any" and value is not None:
            raise ValidationError("No value for scope kind any.", "value")


class ConsentSchema(Schema):
    id = fields.UUID(dump_only=True)
    relative_id = fields.UUID(dump_only=True)
    purpose = _enum_value("purpose")
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
    purpose = _choice(ConsentPurpose, required=True)
    scope = fields.List(
        fields.Nested(ScopeItemSchema),
        required=True,
        validate=validate.Length(min=1, max=SCOPE_MAX_ITEMS),
        metadata={"description": 'e.g. [{"kind": "category", "value": "humanitarian"}]'},
    )
    given_at = DateOrDateTime(metadata={"description": "date or date-time; default now"})
    evidence_reference = _text(EVIDENCE_MAX, allow_none=True)


class ConsentWithdrawSchema(Schema):
    reason = _text(NOTE_MAX, required=True, min_len=1)


# --- notifications ----------------------------------------------------------------------------


class NotificationSchema(Schema):
    id = fields.UUID(dump_only=True)
    relative_id = fields.UUID(dump_only=True)
    case_reference = fields.String(dump_only=True)
    kind = _enum_value("kind")
    planned_date = fields.Date(dump_only=True)
    delivered_date = fields.Date(dump_only=True)
    channel = _enum_value("channel")
    officer_id = fields.UUID(dump_only=True)
    language = fields.String(dump_only=True)
    outcome = _enum_value("outcome")
    support_offered = _enum_value("support_offered")
    follow_up_due = fields.Date(dump_only=True)
    follow_up_completed = fields.Boolean(dump_only=True)
    notes = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    due_date = fields.Date(dump_only=True)


class NotificationListSchema(PageSchema):
    items = fields.List(fields.Nested(NotificationSchema))


class _NotificationInput(Schema):
    planned_date = fields.Date()
    delivered_date = fields.Date(allow_none=True)
    channel = _choice(NotificationChannel, allow_none=True)
    officer_id = fields.UUID(
        allow_none=True, metadata={"description": "the officer who delivers it (a user id)"}
    )
    language = Language(allow_none=True)
    outcome = _choice(NotificationOutcome, allow_none=True)
    support_offered = _choice(
        SupportOffered,
        allow_none=True,
        metadata={"description": "psychosocial support: none, offered, or referred"},
    )
    follow_up_due = fields.Date(allow_none=True)
    notes = _text(NOTES_MAX, allow_none=True)


class NotificationCreateSchema(_NotificationInput):
    relative_id = fields.UUID(required=True)
    kind = _choice(NotificationKind, required=True)
    planned_date = fields.Date(required=True)


class NotificationUpdateSchema(_NotificationInput):
    follow_up_completed = StrictBoolean()
    version = fields.Integer(
        strict=True, metadata={"description": "or the If-Match header; stale → 409"}
    )


class WorklistArgs(PageArgs):
    due_before = fields.Date(metadata={"description": "YYYY-MM-DD; default today"})


class WorklistItemSchema(NotificationSchema):
    due_reason = fields.String(dump_only=True, metadata={"description": "delivery or follow_up"})
    is_overdue = fields.Boolean(dump_only=True)

    class Meta:
        exclude = ("notes",)


class WorklistSchema(PageSchema):
    items = fields.List(fields.Nested(WorklistItemSchema))


class NoRelativeReachableSchema(Schema):
    no_relative_reachable_reason = _text(
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
