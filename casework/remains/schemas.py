"""Marshmallow schemas of the remains API: requests and answers (the pages validate their
forms through the same load schemas)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import object_session

from casework.cases.models import Case, Sex
from casework.cases.schemas import ApproximateDate
from casework.remains.models import Remains, RemainsStatus
from casework.remains.operations import AGE_RANGE, STATURE_RANGE
from casework.schemas import Country, PageArgs, PageSchema, enum_value, one_of, text

PLACE_MAX = 500
TEXT_MAX = 10_000


def identified_case_reference(remains: Remains) -> str | None:
    """The reference of the case the remains were identified as (None until then)."""
    if remains.identified_case_id is None:
        return None
    session = object_session(remains)
    if session is None:
        return None
    return session.scalar(select(Case.reference).where(Case.id == remains.identified_case_id))


class RemainsSchema(Schema):
    """The whole record, as the owning organisation's forensic staff see it."""

    id = fields.UUID(dump_only=True)
    reference = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    status = enum_value("status")
    found_date = fields.String(
        dump_only=True, metadata={"description": "YYYY, YYYY-MM or YYYY-MM-DD"}
    )
    found_country = fields.String(dump_only=True)
    found_place = fields.String(dump_only=True)
    recovery_context = fields.String(dump_only=True)
    sex = enum_value("sex")
    age_min = fields.Integer(dump_only=True)
    age_max = fields.Integer(dump_only=True)
    stature_min_cm = fields.Integer(dump_only=True)
    stature_max_cm = fields.Integer(dump_only=True)
    distinguishing_marks = fields.String(dump_only=True)
    effects = fields.String(dump_only=True)
    identified_case_reference = fields.Function(
        identified_case_reference,
        dump_only=True,
        metadata={"description": "The case the remains were identified as (once identified)."},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class RemainsListSchema(PageSchema):
    items = fields.List(fields.Nested(RemainsSchema))


def _range(low: int, high: int, **kw: Any) -> fields.Integer:
    return fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=low, max=high), **kw
    )


class RemainsFieldsSchema(Schema):
    """Every field a client may write; each has a type, a bound and a vocabulary."""

    found_date = ApproximateDate(
        allow_none=True,
        metadata={"description": "YYYY, YYYY-MM or YYYY-MM-DD; never in the future."},
    )
    found_country = Country(allow_none=True, metadata={"description": "ISO 3166-1 alpha-2"})
    found_place = text(PLACE_MAX, allow_none=True)
    recovery_context = text(TEXT_MAX, allow_none=True)
    sex = fields.String(validate=one_of(Sex))
    age_min = _range(*AGE_RANGE, metadata={"description": "Estimated age, years."})
    age_max = _range(*AGE_RANGE, metadata={"description": "Estimated age, years."})
    stature_min_cm = _range(*STATURE_RANGE)
    stature_max_cm = _range(*STATURE_RANGE)
    distinguishing_marks = text(TEXT_MAX, allow_none=True)
    effects = text(TEXT_MAX, allow_none=True, metadata={"description": "Clothing and effects."})

    @validates_schema
    def _ranges(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        for low, high in (("age_min", "age_max"), ("stature_min_cm", "stature_max_cm")):
            lo, hi = data.get(low), data.get(high)
            if lo is not None and hi is not None and lo > hi:
                errors[high] = [f"Must be at least {low}."]
        if errors:
            raise ValidationError(errors)


class RemainsCreateSchema(RemainsFieldsSchema):
    pass


class RemainsUpdateSchema(RemainsFieldsSchema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))
    status = fields.String(
        validate=one_of(RemainsStatus),
        metadata={"description": "Only identified → returned_to_family may be asked for."},
    )


class RemainsQuerySchema(PageArgs):
    status = fields.String(validate=one_of(RemainsStatus))
    sex = fields.String(validate=one_of(Sex))
    found_country = Country()
