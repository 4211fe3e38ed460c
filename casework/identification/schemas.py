"""Marshmallow schemas of identifications: the API's requests and answers (the pages validate
through the same load schemas; the rules between fields are the service's)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from casework.identification.models import (
    IdentificationMethod,
    IdentificationSource,
    IdentificationStatus,
)
from casework.schemas import PageArgs, PageSchema, choice, enum_value, no_nul, text

REFERENCE_MAX = 40
IDENTIFIED_BY_MAX = 300
EXTERNAL_REFERENCE_MAX = 200
DOCUMENT_REFERENCE_MAX = 200
NOTES_MAX = 10_000
REASON_MAX = 2000


def _email_of(user_attr: str) -> fields.Function:
    def get(obj: Any) -> str | None:
        user = getattr(obj, user_attr)
        return user.email if user is not None else None

    return fields.Function(get, dump_only=True)


class IdentificationSchema(Schema):
    id = fields.UUID(dump_only=True)
    case_reference = fields.String(dump_only=True)
    remains_id = fields.UUID(dump_only=True)
    remains_reference = fields.Function(
        lambda i: i.remains.reference if i.remains is not None else None, dump_only=True
    )
    method = enum_value("method")
    match_report_id = fields.UUID(dump_only=True)
    source = enum_value("source")
    identified_by = fields.String(
        dump_only=True, metadata={"description": "external source: the agency or country"}
    )
    external_reference = fields.String(
        dump_only=True, metadata={"description": "external source: their reference"}
    )
    document_reference = fields.String(dump_only=True)
    identified_date = fields.Date(dump_only=True)
    status = enum_value("status")
    recorded_by = fields.String(
        attribute="recorded_by_email", dump_only=True, metadata={"description": "an e-mail"}
    )
    recorded_at = fields.DateTime(dump_only=True)
    confirmed_by = fields.String(
        dump_only=True, metadata={"description": "who confirmed it (an e-mail), once confirmed"}
    )
    decided_by = _email_of("decider")
    decided_at = fields.DateTime(dump_only=True)
    notes = fields.String(dump_only=True)
    rejection_reason = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


class IdentificationListSchema(PageSchema):
    items = fields.List(fields.Nested(IdentificationSchema))


class IdentificationListArgs(PageArgs):
    case = fields.String(
        validate=[validate.Length(min=1, max=REFERENCE_MAX), no_nul],
        metadata={"description": "a case reference"},
    )
    status = choice(IdentificationStatus)
    method = choice(IdentificationMethod)


class IdentificationCreateSchema(Schema):
    case_reference = text(REFERENCE_MAX, required=True, min_len=1)
    remains_id = fields.UUID(allow_none=True, metadata={"description": "optional"})
    method = choice(IdentificationMethod, required=True)
    match_report_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "required when method is dna: a match report of the same case (and "
            "remains), not excluded"
        },
    )
    source = choice(
        IdentificationSource, load_default="local", metadata={"description": "default local"}
    )
    identified_by = text(
        IDENTIFIED_BY_MAX,
        allow_none=True,
        metadata={"description": "required when source is external: the agency or country"},
    )
    external_reference = text(
        EXTERNAL_REFERENCE_MAX,
        allow_none=True,
        metadata={"description": "required when source is external: their reference"},
    )
    document_reference = text(DOCUMENT_REFERENCE_MAX, allow_none=True)
    identified_date = fields.Date(
        allow_none=True, metadata={"description": "YYYY-MM-DD, not in the future; default today"}
    )
    notes = text(NOTES_MAX, allow_none=True)


class _Decision(Schema):
    version = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "optional (or If-Match); stale → 409"},
    )


class ConfirmSchema(_Decision):
    pass


class RejectSchema(_Decision):
    reason = text(REASON_MAX, required=True, min_len=1)
