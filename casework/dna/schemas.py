"""Marshmallow schemas of DNA databases, sample references, custody steps and match reports: the
API's requests and answers (the pages validate through the same load schemas)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from casework.dna.models import (
    CustodyStatus,
    DnaDatabaseKind,
    MatchReportStatus,
    SampleKind,
)
from casework.schemas import (
    Country,
    PageArgs,
    PageSchema,
    choice,
    enum_value,
    no_nul,
    text,
)

NAME_MAX = 200
SAMPLE_ID_MAX = 100
RELATIONSHIP_MAX = 100
NOTE_MAX = 2000
LAB_REPORT_MAX = 200
REASON_MAX = 2000
#: The largest likelihood ratio accepted as reported (labs report up to ~10^30 and beyond).
LIKELIHOOD_RATIO_MAX = 1e300

_VERSION = {"description": "or the If-Match header; stale → 409"}


class RequiredCountry(Country):
    """An ISO 3166-1 alpha-2 code, upper-cased; blank is refused too."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        code = super()._deserialize(value, attr, data, **kw)
        if code is None:
            raise ValidationError("Not an ISO 3166-1 alpha-2 country code.")
        return code


def _version() -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=1), metadata=_VERSION)


# --- DNA databases ----------------------------------------------------------------------------


class DnaDatabaseSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    institution = fields.String(dump_only=True)
    country = fields.String(dump_only=True)
    kind = enum_value("kind")
    created_at = fields.DateTime(dump_only=True)


class DnaDatabaseListSchema(PageSchema):
    items = fields.List(fields.Nested(DnaDatabaseSchema))


class DnaDatabaseCreateSchema(Schema):
    name = text(NAME_MAX, required=True, min_len=1)
    institution = text(NAME_MAX, required=True, min_len=1)
    country = RequiredCountry(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    kind = choice(DnaDatabaseKind, required=True)


# --- sample references ------------------------------------------------------------------------


def _history(ref: Any) -> list[dict[str, Any]]:
    return [
        {
            "status": step.status.value,
            "date": step.date.isoformat(),
            "by": step.actor_email,
            "note": step.note,
        }
        for step in ref.steps
    ]


class DnaReferenceSchema(Schema):
    id = fields.UUID(dump_only=True)
    version = fields.Integer(dump_only=True)
    database_id = fields.UUID(dump_only=True)
    sample_id = fields.String(dump_only=True, metadata={"description": "as written when recorded"})
    sample_kind = enum_value("sample_kind")
    case_reference = fields.String(dump_only=True)
    relative_id = fields.UUID(dump_only=True)
    donor_relationship = fields.String(dump_only=True)
    remains_id = fields.UUID(dump_only=True)
    consent_id = fields.UUID(dump_only=True)
    custody_status = enum_value("custody_status")
    custody_history = fields.Function(
        _history,
        dump_only=True,
        metadata={"description": 'list of {"status", "date", "by", "note"}, oldest first'},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class DnaReferenceListSchema(PageSchema):
    items = fields.List(fields.Nested(DnaReferenceSchema))


class _ReferenceInput(Schema):
    database_id = fields.UUID(metadata={"description": "a DNA database of the registry"})
    sample_id = fields.String(
        validate=[validate.Length(min=1, max=SAMPLE_ID_MAX), no_nul],
        metadata={"description": "the external sample identifier, in any writing"},
    )
    donor_relationship = text(
        RELATIONSHIP_MAX,
        allow_none=True,
        metadata={"description": "family reference: the donor to the missing person"},
    )
    consent_id = fields.UUID(
        allow_none=True,
        metadata={"description": "family reference: the donor's consent with purpose dna"},
    )


class DnaReferenceCreateSchema(_ReferenceInput):
    """A family reference or a personal effect of a case (post-mortem samples are recorded on
    their remains: POST /remains/<id>/dna-references)."""

    database_id = fields.UUID(required=True)
    sample_id = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=SAMPLE_ID_MAX), no_nul],
        metadata={"description": "the external sample identifier, in any writing"},
    )
    sample_kind = fields.String(
        required=True,
        validate=validate.OneOf([SampleKind.family_reference, SampleKind.personal_effect]),
    )
    relative_id = fields.UUID(
        allow_none=True, metadata={"description": "family reference: the donor, a relative"}
    )
    collected_date = fields.Date(
        metadata={"description": "the first custody step (collected); default today"}
    )
    note = text(NOTE_MAX, allow_none=True, metadata={"description": "note of the first step"})


class PostMortemCreateSchema(Schema):
    """A post-mortem sample of remains."""

    database_id = fields.UUID(required=True)
    sample_id = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=SAMPLE_ID_MAX), no_nul],
        metadata={"description": "the external sample identifier, in any writing"},
    )
    sample_kind = fields.String(validate=validate.OneOf([SampleKind.post_mortem]))
    collected_date = fields.Date(
        metadata={"description": "the first custody step (collected); default today"}
    )
    note = text(NOTE_MAX, allow_none=True, metadata={"description": "note of the first step"})


class DnaReferenceUpdateSchema(_ReferenceInput):
    version = _version()


class SampleSearchSchema(PageArgs):
    sample_id = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=SAMPLE_ID_MAX), no_nul],
        metadata={"description": "any writing: SV-FR-2026/00123 finds sv fr 2026 00123"},
    )


class CustodyStepSchema(Schema):
    status = choice(
        CustodyStatus, required=True, metadata={"description": "the next step of the chain"}
    )
    date = fields.Date(metadata={"description": "default today; not before the previous step"})
    note = text(NOTE_MAX, allow_none=True)
    version = _version()


# --- match reports ----------------------------------------------------------------------------


class MatchReportSchema(Schema):
    id = fields.UUID(dump_only=True)
    version = fields.Integer(dump_only=True)
    case_reference = fields.String(dump_only=True)
    remains_id = fields.UUID(dump_only=True)
    remains_reference = fields.Function(lambda r: r.remains.reference, dump_only=True)
    family_reference_id = fields.UUID(dump_only=True)
    post_mortem_reference_id = fields.UUID(dump_only=True)
    lab_report_reference = fields.String(dump_only=True)
    likelihood_ratio = fields.Float(dump_only=True)
    reported_date = fields.Date(dump_only=True)
    status = enum_value("status")
    exclusion_reason = fields.String(dump_only=True)
    reviewed_at = fields.DateTime(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class MatchReportListSchema(PageSchema):
    items = fields.List(fields.Nested(MatchReportSchema))


class MatchReportArgs(PageArgs):
    case = fields.String(
        validate=[validate.Length(max=40), no_nul], metadata={"description": "a case reference"}
    )
    remains_id = fields.UUID()
    status = choice(MatchReportStatus)


class MatchReportCreateSchema(Schema):
    family_reference_id = fields.UUID(required=True)
    post_mortem_reference_id = fields.UUID(required=True)
    lab_report_reference = text(LAB_REPORT_MAX, required=True, min_len=1)
    likelihood_ratio = fields.Float(
        required=True,
        allow_nan=False,
        validate=validate.Range(min=0, max=LIKELIHOOD_RATIO_MAX, min_inclusive=False),
        metadata={"description": "as reported by the laboratory (a positive number)"},
    )
    reported_date = fields.Date(required=True, metadata={"description": "not in the future"})


class MatchReportExcludeSchema(Schema):
    reason = text(REASON_MAX, required=True, min_len=1)
    version = _version()
