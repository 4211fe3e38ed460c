"""Marshmallow schemas of the case API; the pages validate their forms through the same ones."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from casework.api import PageArgs, PageSchema
from casework.cases import values
from casework.cases.models import (
    AgeBand,
    CaseStatus,
    ClosureReason,
    DocumentKind,
    EventType,
    ProtectionKind,
    Sex,
    TimelineKind,
    Vulnerability,
)
from casework.cases.queries import CaseFilters

NAME_MAX = 200
PLACE_MAX = 500
TEXT_MAX = 10_000
REASON_MAX = 2_000
LIST_MAX = 20


def _choices(enum_cls: Any) -> validate.OneOf:
    return validate.OneOf([m.value for m in enum_cls])


class Text(fields.String):
    """A string stripped of surrounding space (so blank means empty); NUL is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Text may not contain NUL characters.")
        return text.strip()


class Country(fields.String):
    """An ISO 3166-1 alpha-2 code (any case in, upper case out)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return None
        try:
            return values.country_code(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class Language(fields.String):
    """A BCP 47 language tag in canonical case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return values.language_tag(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class ApproximateDate(fields.String):
    """YYYY, YYYY-MM or YYYY-MM-DD; impossible and future dates are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return None
        try:
            return str(values.parse_approx_date(text))
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def _text(max_len: int, min_len: int | None = None, **kw: Any) -> Text:
    return Text(validate=validate.Length(min=min_len, max=max_len), **kw)


def _unique_list(items: list[Any]) -> None:
    if len(set(items)) != len(items):
        raise ValidationError("Values may not repeat.")


class IdentityDocumentSchema(Schema):
    kind = fields.String(required=True, validate=_choices(DocumentKind))
    number = _text(100, min_len=1, required=True)
    issuing_country = Country(allow_none=True, load_default=None)


class ProtectionFlagSchema(Schema):
    kind = fields.String(required=True, validate=_choices(ProtectionKind))
    value = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = _text(REASON_MAX, required=True)

    @validates_schema
    def _target(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("reason"):
            raise ValidationError("A reason is required.", "reason")
        if data["kind"] == ProtectionKind.country:
            try:
                data["value"] = values.country_code(data["value"])
            except ValueError as exc:
                raise ValidationError(str(exc), "value") from None
        else:
            try:
                data["value"] = str(uuid.UUID(data["value"]))
            except ValueError:
                raise ValidationError("Not an organisation id.", "value") from None


class CaseFieldsSchema(Schema):
    """Every field a client may write; each has a type, a length limit and a vocabulary."""

    given_names = _text(NAME_MAX, allow_none=True)
    family_names = _text(NAME_MAX, allow_none=True)
    aliases = fields.List(
        _text(NAME_MAX, min_len=1), validate=validate.Length(max=LIST_MAX), allow_none=True
    )
    sex = fields.String(validate=_choices(Sex))
    date_of_birth = ApproximateDate(allow_none=True)
    age_band = fields.String(validate=_choices(AgeBand), allow_none=True)
    nationality = Country(allow_none=True)
    languages = fields.List(
        Language(), validate=[validate.Length(max=LIST_MAX), _unique_list], allow_none=True
    )
    place_of_origin = _text(PLACE_MAX, allow_none=True)
    identity_documents = fields.List(
        fields.Nested(IdentityDocumentSchema),
        validate=validate.Length(max=LIST_MAX),
        allow_none=True,
    )
    last_seen_date = ApproximateDate(allow_none=True)
    last_seen_country = Country(allow_none=True)
    last_seen_place = _text(PLACE_MAX, allow_none=True)
    route_countries = fields.List(
        Country(), validate=validate.Length(max=LIST_MAX), allow_none=True
    )
    event_type = fields.String(validate=_choices(EventType), allow_none=True)
    circumstances = _text(TEXT_MAX, allow_none=True)
    distinguishing_marks = _text(TEXT_MAX, allow_none=True)
    clothing_and_belongings = _text(TEXT_MAX, allow_none=True)
    vulnerabilities = fields.List(
        fields.String(validate=_choices(Vulnerability)),
        validate=_unique_list,
        allow_none=True,
    )
    protection_flags = fields.List(
        fields.Nested(ProtectionFlagSchema),
        validate=validate.Length(max=LIST_MAX),
        allow_none=True,
    )


class CaseCreateSchema(CaseFieldsSchema):
    @validates_schema(skip_on_field_errors=False)
    def _needs_a_name(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("given_names"):
            raise ValidationError("A case needs the given names (or the only name).", "given_names")


class CaseUpdateSchema(CaseFieldsSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema(skip_on_field_errors=False)
    def _name_stays(self, data: dict[str, Any], **_: Any) -> None:
        if "given_names" in data and not data["given_names"]:
            raise ValidationError("The given names cannot be removed.", "given_names")


class StatusChangeSchema(Schema):
    status = fields.String(required=True, validate=_choices(CaseStatus))
    note = _text(TEXT_MAX, required=True)
    closure_reason = fields.String(
        validate=_choices(ClosureReason), allow_none=True, load_default=None
    )
    version = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema
    def _note_given(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("note"):
            raise ValidationError("A note is required.", "note")


class LinkDuplicateSchema(Schema):
    duplicate_reference = fields.String(required=True, validate=validate.Length(min=1, max=20))
    note = _text(TEXT_MAX, required=True)
    version = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema
    def _note_given(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("note"):
            raise ValidationError("A note is required.", "note")


_DEPRECATED_Q = (
    "Deprecated: a name in a URL ends up in logs and browser history; "
    "use POST /cases/search with `q` in the body."
)


class CaseQuerySchema(PageArgs):
    q = fields.String(
        validate=validate.Length(max=NAME_MAX),
        metadata={"deprecated": True, "description": _DEPRECATED_Q},
    )
    status = fields.String(validate=_choices(CaseStatus))
    nationality = Country()
    last_seen_country = Country()
    last_seen_from = ApproximateDate()
    last_seen_to = ApproximateDate()
    vulnerability = fields.String(validate=_choices(Vulnerability))

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("last_seen_from"), data.get("last_seen_to")
        if low and high:
            start = values.approx_date_or_none(low)
            end = values.approx_date_or_none(high)
            if start and end and start.start > end.end:
                raise ValidationError("The range ends before it starts.", "last_seen_to")


class CaseSearchSchema(CaseQuerySchema):
    """The body of POST /cases/search: `q` is a name (any spelling or script) or a reference."""

    q = fields.String(validate=validate.Length(max=NAME_MAX))


def filters_from(args: dict[str, Any]) -> CaseFilters:
    """Search criteria from loaded CaseQuerySchema arguments (API query or page form)."""
    status, vulnerability = args.get("status"), args.get("vulnerability")
    return CaseFilters(
        q=(args.get("q") or "").strip() or None,
        status=CaseStatus(status) if status else None,
        nationality=args.get("nationality"),
        last_seen_country=args.get("last_seen_country"),
        last_seen_from=values.approx_date_or_none(args.get("last_seen_from")),
        last_seen_to=values.approx_date_or_none(args.get("last_seen_to")),
        vulnerability=Vulnerability(vulnerability) if vulnerability else None,
    )


# --- responses ----------------------------------------------------------------------------


def _enum_value(attr: str) -> fields.Function:
    return fields.Function(lambda obj: getattr(getattr(obj, attr), "value", getattr(obj, attr)))


class ProtectionFlagOutSchema(Schema):
    kind = fields.String()
    value = fields.String()
    reason = fields.String(allow_none=True)


class IdentityDocumentOutSchema(Schema):
    kind = fields.String()
    number = fields.String()
    issuing_country = fields.String(allow_none=True)


class CaseSummarySchema(Schema):
    """A list row: enough to recognise the case, nothing of its narrative."""

    reference = fields.String()
    version = fields.Integer()
    status = _enum_value("status")
    closure_reason = _enum_value("closure_reason")
    given_names = fields.String(allow_none=True)
    family_names = fields.String(allow_none=True)
    sex = _enum_value("sex")
    age_band = _enum_value("age_band")
    nationality = fields.String(allow_none=True)
    last_seen_date = fields.String(allow_none=True)
    last_seen_country = fields.String(allow_none=True)
    vulnerabilities = fields.List(fields.String())
    has_protection_flags = fields.Function(lambda c: bool(c.protection_targets))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CaseSchema(CaseSummarySchema):
    """The whole record, as the owning organisation sees it."""

    aliases = fields.List(fields.String(), allow_none=True)
    date_of_birth = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    place_of_origin = fields.String(allow_none=True)
    identity_documents = fields.List(fields.Nested(IdentityDocumentOutSchema), allow_none=True)
    last_seen_place = fields.String(allow_none=True)
    route_countries = fields.List(fields.String())
    event_type = _enum_value("event_type")
    circumstances = fields.String(allow_none=True)
    distinguishing_marks = fields.String(allow_none=True)
    clothing_and_belongings = fields.String(allow_none=True)
    protection_flags = fields.List(fields.Nested(ProtectionFlagOutSchema))
    duplicate_of = fields.String(attribute="duplicate_of_reference", allow_none=True)
    linked_duplicates = fields.List(fields.String())
    is_shredded = fields.Boolean()


class PossibleDuplicateSchema(Schema):
    reference = fields.String()
    score = fields.Float()
    reasons = fields.List(fields.String())


class CaseWriteSchema(CaseSchema):
    """A create or update answer: the record and the organisation's possible duplicates."""

    possible_duplicates = fields.List(fields.Nested(PossibleDuplicateSchema))


class CaseListSchema(PageSchema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    total_is_estimate = fields.Boolean(
        metadata={
            "description": "True when a name search with many matches counted an upper bound."
        }
    )


class TimelineEventSchema(Schema):
    id = fields.UUID()
    case_reference = fields.String()
    kind = fields.String(validate=_choices(TimelineKind))
    from_status = _enum_value("from_status")
    to_status = _enum_value("to_status")
    closure_reason = _enum_value("closure_reason")
    related_case_reference = fields.String(allow_none=True)
    fields_changed = fields.List(fields.String(), attribute="fields")
    note = fields.String(allow_none=True)
    version = fields.Integer()
    actor = fields.String(attribute="actor_email", allow_none=True)
    actor_role = fields.String()
    occurred_at = fields.DateTime()


class TimelineSchema(PageSchema):
    items = fields.List(fields.Nested(TimelineEventSchema))
