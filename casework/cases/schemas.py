"""Marshmallow schemas of the case API; the pages validate their forms through the same ones."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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
from casework.schemas import (
    Country,
    Language,
    PageArgs,
    PageSchema,
    enum_value,
    is_blank,
    one_of,
    person_name,
    text,
    unique_list,
)

NAME_MAX = 200
PLACE_MAX = 500
TEXT_MAX = 10_000
REASON_MAX = 2_000
LIST_MAX = 20
#: A stature range in centimetres (the same bounds as the remains' stature).
STATURE_MIN_CM, STATURE_MAX_CM = 40, 250


class ApproximateDate(fields.String):
    """YYYY, YYYY-MM or YYYY-MM-DD; impossible and future dates are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        raw = super()._deserialize(value, attr, data, **kwargs)
        if not raw.strip():
            return None
        try:
            return str(values.parse_approx_date(raw))
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class IdentityDocumentSchema(Schema):
    kind = fields.String(required=True, validate=one_of(DocumentKind))
    number = text(100, min_len=1, required=True)
    issuing_country = Country(allow_none=True, load_default=None)


class ProtectionFlagSchema(Schema):
    kind = fields.String(required=True, validate=one_of(ProtectionKind))
    value = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = text(REASON_MAX, required=True)

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

    given_names = person_name(NAME_MAX, allow_none=True)
    family_names = person_name(NAME_MAX, allow_none=True)
    aliases = fields.List(
        person_name(NAME_MAX, min_len=1), validate=validate.Length(max=LIST_MAX), allow_none=True
    )
    sex = fields.String(validate=one_of(Sex))
    date_of_birth = ApproximateDate(allow_none=True)
    age_band = fields.String(validate=one_of(AgeBand), allow_none=True)
    nationality = Country(allow_none=True)
    languages = fields.List(
        Language(), validate=[validate.Length(max=LIST_MAX), unique_list], allow_none=True
    )
    place_of_origin = text(PLACE_MAX, allow_none=True)
    identity_documents = fields.List(
        fields.Nested(IdentityDocumentSchema),
        validate=validate.Length(max=LIST_MAX),
        allow_none=True,
    )
    last_seen_date = ApproximateDate(allow_none=True)
    last_seen_country = Country(allow_none=True)
    last_seen_place = text(PLACE_MAX, allow_none=True)
    route_countries = fields.List(
        Country(), validate=validate.Length(max=LIST_MAX), allow_none=True
    )
    event_type = fields.String(validate=one_of(EventType), allow_none=True)
    circumstances = text(TEXT_MAX, allow_none=True)
    stature_min_cm = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=STATURE_MIN_CM, max=STATURE_MAX_CM),
    )
    stature_max_cm = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=STATURE_MIN_CM, max=STATURE_MAX_CM),
    )
    distinguishing_marks = text(TEXT_MAX, allow_none=True)
    clothing_and_belongings = text(TEXT_MAX, allow_none=True)
    vulnerabilities = fields.List(
        fields.String(validate=one_of(Vulnerability)),
        validate=unique_list,
        allow_none=True,
    )
    protection_flags = fields.List(
        fields.Nested(ProtectionFlagSchema),
        validate=validate.Length(max=LIST_MAX),
        allow_none=True,
    )

    @validates_schema
    def _stature_range(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("stature_min_cm"), data.get("stature_max_cm")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must be at least the lower stature.", "stature_max_cm")


class CaseCreateSchema(CaseFieldsSchema):
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _needs_a_name(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        # A name that was sent but refused has its own message already.
        value = original.get("given_names") if isinstance(original, dict) else None
        sent = value is not None and not (isinstance(value, str) and is_blank(value))
        if not data.get("given_names") and not sent:
            raise ValidationError("A case needs the given names (or the only name).", "given_names")


class CaseUpdateSchema(CaseFieldsSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema(skip_on_field_errors=False)
    def _name_stays(self, data: dict[str, Any], **_: Any) -> None:
        if "given_names" in data and not data["given_names"]:
            raise ValidationError("The given names cannot be removed.", "given_names")


class StatusChangeSchema(Schema):
    status = fields.String(
        required=True,
        validate=one_of(CaseStatus),
        metadata={
            "description": "closed → active_search reopens a case (a focal point only): its "
            "closure reason and duplicate link are cleared, and the timeline says so."
        },
    )
    note = text(TEXT_MAX, required=True)
    closure_reason = fields.String(
        validate=one_of(ClosureReason), allow_none=True, load_default=None
    )
    duplicate_of = fields.String(
        validate=validate.Length(max=20),
        allow_none=True,
        load_default=None,
        metadata={
            "description": "With closure reason duplicate (then required): the reference of "
            "the case this one duplicates, or its end (000025, 25, 2026-000025) when one case "
            "of the organisation has it (422 when more than one does); the two are linked as "
            "POST …/link-duplicate does."
        },
    )
    version = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema
    def _note_given(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("note"):
            raise ValidationError("A note is required.", "note")


class LinkDuplicateSchema(Schema):
    duplicate_reference = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "The duplicate case's reference, or its end (000025, 25, "
            "2026-000025) when one case of the organisation has it (422 when more than one does)."
        },
    )
    note = text(TEXT_MAX, required=True)
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
    status = fields.String(validate=one_of(CaseStatus))
    nationality = Country()
    last_seen_country = Country()
    last_seen_from = ApproximateDate()
    last_seen_to = ApproximateDate()
    vulnerability = fields.String(validate=one_of(Vulnerability))

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

    q = fields.String(
        validate=validate.Length(max=NAME_MAX),
        metadata={
            "description": "A name (any spelling or script), a whole reference "
            "(SLV-2026-000012) or the end of one (000012, 2026-000012)."
        },
    )


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
    status = enum_value("status")
    closure_reason = enum_value("closure_reason")
    given_names = fields.String(allow_none=True)
    family_names = fields.String(allow_none=True)
    sex = enum_value("sex")
    age_band = enum_value("age_band")
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
    event_type = enum_value("event_type")
    circumstances = fields.String(allow_none=True)
    stature_min_cm = fields.Integer(allow_none=True)
    stature_max_cm = fields.Integer(allow_none=True)
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


class NameMatchSchema(Schema):
    score = fields.Float(metadata={"description": "Similarity of the name, 0..1"})
    parts = fields.List(
        fields.String(), metadata={"description": "The query's parts (normalised) it matched"}
    )


class CaseListItemSchema(CaseSummarySchema):
    match = fields.Nested(
        NameMatchSchema,
        metadata={"description": "Name searches only: how the row matched, best first"},
    )


class CaseListSchema(PageSchema):
    items = fields.List(fields.Nested(CaseListItemSchema))
    total_is_estimate = fields.Boolean(
        metadata={
            "description": "True when a name search with many matches counted an upper bound."
        }
    )


class TimelineEventSchema(Schema):
    id = fields.UUID()
    case_reference = fields.String()
    kind = fields.String(validate=one_of(TimelineKind))
    from_status = enum_value("from_status")
    to_status = enum_value("to_status")
    closure_reason = enum_value("closure_reason")
    related_case_reference = fields.String(allow_none=True)
    fields_changed = fields.List(fields.String(), attribute="fields")
    detail = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    version = fields.Integer()
    actor = fields.String(attribute="actor_email", allow_none=True)
    actor_role = fields.String()
    occurred_at = fields.DateTime()


class TimelineSchema(PageSchema):
    items = fields.List(fields.Nested(TimelineEventSchema))
