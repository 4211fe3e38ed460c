"""JSON API of candidate matching: remains that may be a case's person, and cases whose person
remains may be (thin: parse, call the matching service, dump).

Each answer is one page of candidates, best first, each with its score (0–1), its band and
every factor's contribution (the contributions sum to the score). Pairs a hard rule excludes
(the sex differs, found before last seen) are absent. Reads go through the access gateway:
one audited read of the case or remains asked about, one of the page of candidates."""

from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify
from marshmallow import Schema, fields

from casework.access.current import current_access
from casework.api import api_blueprint, page_of
from casework.auth.policy import require
from casework.remains import matching
from casework.schemas import PageArgs, PageSchema

READ_CANDIDATES = "candidates.read"
#: Gateway purpose of every candidate read: records shared for identification are candidates.
PURPOSE = "identification"

blp = api_blueprint(
    "candidates_api",
    __name__,
    description="Candidate matches between missing-person cases and unidentified remains",
)

_FACTORS_DOC = (
    "Each factor's contribution to `score`: "
    + ", ".join(f"`{name}` (at most {weight:g})" for name, weight in matching.WEIGHTS.items())
    + "."
)


class _CandidateSchema(Schema):
    score = fields.Float(
        metadata={"description": "0–1, the sum of the factors' contributions."},
    )
    band = fields.String(
        metadata={
            "enum": ["likely", "possible"],
            "description": f"`likely` from {matching.LIKELY:g}, `possible` from "
            f"{matching.POSSIBLE:g}; lower scores are not candidates.",
        }
    )
    factors = fields.Dict(
        keys=fields.String(), values=fields.Float(), metadata={"description": _FACTORS_DOC}
    )


class CaseCandidateSchema(_CandidateSchema):
    case_reference = fields.String()


class RemainsCandidateSchema(_CandidateSchema):
    remains_id = fields.UUID()
    remains_reference = fields.String()


class CaseCandidateListSchema(PageSchema):
    items = fields.List(fields.Nested(CaseCandidateSchema))


class RemainsCandidateListSchema(PageSchema):
    items = fields.List(fields.Nested(RemainsCandidateSchema))


def _item(candidate: matching.Candidate) -> dict[str, Any]:
    return {
        "score": candidate.score,
        "band": candidate.band,
        "factors": dict(candidate.factors),
    }


def _answer(result: matching.CandidatePage, identify: Any) -> Any:
    items = [identify(c.shown.record) | _item(c) for c in result.items]
    return jsonify(page_of(items, result.page, result.per_page, result.total))


@blp.route("/cases/<reference>/candidates", methods=["GET"])
@require(READ_CANDIDATES)
@blp.arguments(PageArgs, location="query")
@blp.response(200, RemainsCandidateListSchema)
def case_candidates(args: dict[str, Any], reference: str) -> Any:
    """Unidentified remains that may be this case's person, best first."""
    result = matching.candidates_for_case(
        current_access(PURPOSE), reference, args["page"], args["per_page"]
    )
    return _answer(
        result,
        lambda remains: {"remains_id": str(remains.id), "remains_reference": remains.reference},
    )


@blp.route("/remains/<uuid:remains_id>/candidates", methods=["GET"])
@require(READ_CANDIDATES)
@blp.arguments(PageArgs, location="query")
@blp.response(200, CaseCandidateListSchema)
def remains_candidates(args: dict[str, Any], remains_id: uuid.UUID) -> Any:
    """Missing-person cases (not closed, not located alive) whose person these remains may be,
    best first."""
    result = matching.candidates_for_remains(
        current_access(PURPOSE), remains_id, args["page"], args["per_page"]
    )
    return _answer(result, lambda case: {"case_reference": case.reference})
