"""Marshmallow schemas of the exchange domain: agreements, share requests and their decisions,
partner views and the exchange log (the pages validate through the same load schemas)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from casework.categories import SHAREABLE
from casework.exchange.models import Direction, ShareStatus
from casework.exchange.policy import LegalBasis, Purpose
from casework.schemas import (
    PageArgs,
    PageSchema,
    StrictBoolean,
    choice,
    enum_value,
    one_of,
    text,
    unique_list,
    values_of,
)

TITLE_MAX = 200
JUSTIFICATION_MAX = 4000
NOTE_MAX = 2000
RETENTION_MAX_DAYS = 3650
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2200, 12, 31)
CATEGORY_VALUES = [c.value for c in SHAREABLE]


def _date_in_range(value: dt.date | None) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(f"Must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}.")


def _categories(**kw: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(CATEGORY_VALUES)),
        validate=[validate.Length(min=1, max=len(CATEGORY_VALUES)), unique_list],
        **kw,
    )


class PurposesField(fields.Dict):
    """An object: purpose → list of allowed categories (at least one purpose)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(
            keys=fields.String(validate=one_of(Purpose)),
            values=_categories(),
            validate=validate.Length(min=1, max=len(Purpose)),
            metadata={
                "description": 'purpose → allowed categories, e.g. {"tracing": ["identity", '
                '"circumstances"]}'
            },
            **kw,
        )


# --- agreements -------------------------------------------------------------------------------


class AgreementRevisionSchema(Schema):
    version = fields.Integer(dump_only=True)
    changed_fields = fields.List(fields.String(), dump_only=True)
    changed_at = fields.DateTime(dump_only=True)
    changed_by = fields.String(attribute="changed_by_email", dump_only=True)
    terms = fields.Dict(dump_only=True)


class AgreementSchema(Schema):
    id = fields.UUID(dump_only=True)
    version = fields.Integer(dump_only=True)
    organisation_id = fields.UUID(dump_only=True)
    partner_organisation_id = fields.UUID(dump_only=True)
    partner_name = fields.Function(lambda a: a.partner.name, dump_only=True)
    title = fields.String(dump_only=True, allow_none=True)
    purposes = fields.Dict(dump_only=True)
    legal_bases = fields.List(fields.String(), dump_only=True)
    valid_from = fields.Date(dump_only=True)
    valid_to = fields.Date(dump_only=True, allow_none=True)
    ended_on = fields.Date(dump_only=True, allow_none=True)
    retention_days = fields.Integer(dump_only=True)
    consent_required = fields.Boolean(dump_only=True)
    is_active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class AgreementDetailSchema(AgreementSchema):
    revisions = fields.List(fields.Nested(AgreementRevisionSchema), dump_only=True)


class AgreementListSchema(PageSchema):
    items = fields.List(fields.Nested(AgreementSchema))


class AgreementListArgs(PageArgs):
    partner = fields.UUID(metadata={"description": "a partner organisation's id"})
    # A query string: "true" or "false" (StrictBoolean would refuse every query value).
    active = fields.Boolean(truthy={"true"}, falsy={"false"})


class _AgreementTerms(Schema):
    title = text(TITLE_MAX, allow_none=True)
    purposes = PurposesField()
    legal_bases = fields.List(
        fields.String(validate=one_of(LegalBasis)),
        validate=[validate.Length(min=1, max=len(LegalBasis)), unique_list],
    )
    valid_from = fields.Date(validate=_date_in_range)
    valid_to = fields.Date(allow_none=True, validate=_date_in_range)
    retention_days = fields.Integer(validate=validate.Range(min=1, max=RETENTION_MAX_DAYS))
    consent_required = StrictBoolean()

    @validates_schema
    def _dates(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("valid_from"), data.get("valid_to")
        if start is not None and end is not None and end < start:
            raise ValidationError("Must not be before valid_from.", "valid_to")


class AgreementCreateSchema(_AgreementTerms):
    partner_organisation_id = fields.UUID(required=True)
    purposes = PurposesField(required=True)
    legal_bases = fields.List(
        fields.String(validate=one_of(LegalBasis)),
        required=True,
        validate=[validate.Length(min=1, max=len(LegalBasis)), unique_list],
    )
    retention_days = fields.Integer(
        required=True, validate=validate.Range(min=1, max=RETENTION_MAX_DAYS)
    )


class AgreementUpdateSchema(_AgreementTerms):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))
    ended_on = fields.Date(
        validate=_date_in_range,
        metadata={"description": "end the agreement early: today or a later day"},
    )


# --- shares -----------------------------------------------------------------------------------


class ReasonSchema(Schema):
    rule = fields.String(dump_only=True)
    outcome = fields.String(dump_only=True)
    code = fields.String(dump_only=True)
    message = fields.String(dump_only=True)


class ShareSchema(Schema):
    id = fields.UUID(dump_only=True)
    version = fields.Integer(dump_only=True)
    case_reference = fields.String(dump_only=True)
    recipient_organisation_id = fields.UUID(dump_only=True)
    recipient_name = fields.Function(lambda s: s.recipient.name, dump_only=True)
    agreement_id = fields.UUID(dump_only=True, allow_none=True)
    agreement_version = fields.Integer(dump_only=True, allow_none=True)
    purpose = enum_value("purpose")
    categories = fields.List(fields.String(), dump_only=True)
    legal_basis = enum_value("legal_basis")
    consent_id = fields.UUID(dump_only=True, allow_none=True)
    justification = fields.String(dump_only=True, allow_none=True)
    decision = enum_value("decision")
    status = enum_value("current_status")
    reasons = fields.List(fields.Nested(ReasonSchema), dump_only=True)
    retention_days = fields.Integer(dump_only=True, allow_none=True)
    requested_by = fields.String(attribute="requested_by_email", dump_only=True)
    requested_at = fields.DateTime(dump_only=True)
    approved_by = fields.String(attribute="approved_by_email", dump_only=True, allow_none=True)
    approved_at = fields.DateTime(dump_only=True, allow_none=True)
    granted_at = fields.DateTime(dump_only=True, allow_none=True)
    expires_at = fields.DateTime(dump_only=True, allow_none=True)
    ended_at = fields.DateTime(dump_only=True, allow_none=True)
    end_reason = enum_value("end_reason")


class ShareListSchema(PageSchema):
    items = fields.List(fields.Nested(ShareSchema))


class ShareListArgs(PageArgs):
    status = choice(ShareStatus)


class ShareRequestSchema(Schema):
    recipient_organisation_id = fields.UUID(required=True)
    purpose = choice(Purpose, required=True)
    categories = _categories(required=True)
    legal_basis = fields.String(
        allow_none=True,
        validate=one_of(LegalBasis),
        metadata={"description": "consent, vital_interest or public_interest"},
    )
    consent_id = fields.UUID(
        allow_none=True, metadata={"description": "the family's consent (legal basis consent)"}
    )
    justification = text(
        JUSTIFICATION_MAX,
        allow_none=True,
        metadata={"description": "why (legal basis vital_interest or public_interest)"},
    )


class ShareApproveSchema(Schema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))


class ShareRevokeSchema(Schema):
    version = fields.Integer(strict=True, validate=validate.Range(min=1))
    note = text(NOTE_MAX, allow_none=True)


# --- partner views ----------------------------------------------------------------------------


class SharedAccessSchema(Schema):
    """What a partner organisation was given of one case: purposes, categories, until when."""

    owner_organisation = fields.String(dump_only=True)
    owner_organisation_id = fields.UUID(dump_only=True)
    purposes = fields.List(fields.String(), dump_only=True)
    categories = fields.List(fields.String(), dump_only=True)
    expires_at = fields.DateTime(dump_only=True)


class SharedCaseArgs(PageArgs):
    purpose = choice(Purpose)


# --- exchange log -----------------------------------------------------------------------------


class ExchangeEntrySchema(Schema):
    id = fields.UUID(dump_only=True)
    direction = enum_value("direction")
    event = enum_value("event")
    share_id = fields.UUID(dump_only=True, allow_none=True)
    case_reference = fields.String(dump_only=True, allow_none=True)
    partner_organisation_id = fields.UUID(dump_only=True, allow_none=True)
    partner_name = fields.String(dump_only=True, allow_none=True)
    purpose = fields.String(dump_only=True, allow_none=True)
    categories = fields.List(fields.String(), dump_only=True)
    legal_basis = fields.String(dump_only=True, allow_none=True)
    decision = fields.String(dump_only=True, allow_none=True)
    package_sha256 = fields.String(dump_only=True, allow_none=True)
    actor = fields.String(attribute="actor_email", dump_only=True, allow_none=True)
    at = fields.DateTime(dump_only=True)
    details = fields.Dict(dump_only=True)


class ExchangeListSchema(PageSchema):
    items = fields.List(fields.Nested(ExchangeEntrySchema))


class ExchangeListArgs(PageArgs):
    case = fields.String(
        validate=validate.Length(max=40), metadata={"description": "a case reference"}
    )
    partner = fields.UUID(metadata={"description": "a partner organisation's id"})
    direction = fields.String(validate=validate.OneOf(values_of(Direction)))
    from_ = fields.Date(data_key="from", validate=_date_in_range)
    to = fields.Date(validate=_date_in_range)
    format = fields.String(validate=validate.OneOf(["json", "csv"]), load_default="json")

    @validates("case")
    def _case(self, value: str, **_: Any) -> None:
        if "\x00" in value:
            raise ValidationError("Not a case reference.")
