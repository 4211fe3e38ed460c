"""JSON API of identifications (thin: parse, call a service, dump).

Reads go through the access gateway (scoped, shaped, one audit event per record or page);
decisions look the identification up in the actor's own organisation only."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for

from casework.access.current import current_access
from casework.api import api_blueprint, expected_version, shaped, shaped_page
from casework.auth.context import acting
from casework.auth.policy import require
from casework.identification import operations, queries
from casework.identification.models import (
    Identification,
    IdentificationMethod,
    IdentificationStatus,
)
from casework.identification.policy import (
    READ_IDENTIFICATIONS,
    RECORD_IDENTIFICATIONS,
    REVIEW_IDENTIFICATIONS,
)
from casework.identification.resources import IDENTIFICATION
from casework.identification.schemas import (
    ConfirmSchema,
    IdentificationCreateSchema,
    IdentificationListArgs,
    IdentificationListSchema,
    IdentificationSchema,
    RejectSchema,
)
from casework.web import db_session

blp = api_blueprint(
    "identification_api",
    __name__,
    description="Identifications of missing persons: recorded by one person, confirmed or "
    "rejected by a second (four eyes)",
)


def _etag(ident: Identification) -> dict[str, str]:
    return {"ETag": f'"{ident.version}"'}


@blp.route("/identifications", methods=["GET"])
@require(READ_IDENTIFICATIONS)
@blp.arguments(IdentificationListArgs, location="query")
@blp.response(200, IdentificationListSchema)
def list_identifications(args: dict[str, Any]) -> Any:
    """Identifications the caller may see, newest first; filters `case` (a reference),
    `status`, `method` (one audited read per page)."""
    access = current_access()
    filters = queries.IdentificationFilters(
        case_reference=args.get("case"),
        status=IdentificationStatus(args["status"]) if args.get("status") else None,
        method=IdentificationMethod(args["method"]) if args.get("method") else None,
    )
    page, per_page = args["page"], args["per_page"]
    items, total = queries.list_identifications(access, filters, page, per_page)
    shown = access.read_page(IDENTIFICATION, items, view="identifications", page=page)
    return shaped_page(IdentificationSchema(), shown, page, per_page, total)


@blp.route("/identifications", methods=["POST"])
@require(RECORD_IDENTIFICATIONS)
@blp.arguments(IdentificationCreateSchema)
@blp.response(201, IdentificationSchema)
def record_identification(data: dict[str, Any]) -> Any:
    """Record an identification of one of the organisation's cases. `match_report_id` is
    required for the method `dna` (a match report of the same case and remains, not excluded);
    `identified_by` and `external_reference` for the source `external`. A second person
    confirms or rejects it."""
    ident = operations.record_identification(db_session(), acting(), data)
    headers = _etag(ident)
    headers["Location"] = url_for("identification_api.get_identification", ident_id=ident.id)
    return ident, headers


@blp.route("/identifications/<uuid:ident_id>", methods=["GET"])
@require(READ_IDENTIFICATIONS)
@blp.response(200, IdentificationSchema)
def get_identification(ident_id: uuid.UUID) -> Any:
    """One identification (the read is audited)."""
    access = current_access()
    ident = queries.visible_identification_or_404(access, ident_id)
    shown = access.read(IDENTIFICATION, ident, view="identification")
    return shaped(IdentificationSchema(), shown, headers=_etag(ident))


@blp.route("/identifications/<uuid:ident_id>/confirm", methods=["POST"])
@require(REVIEW_IDENTIFICATIONS)
@blp.arguments(ConfirmSchema)
@blp.response(200, IdentificationSchema)
def confirm_identification(data: dict[str, Any], ident_id: uuid.UUID) -> Any:
    """Confirm a recorded identification: a second person only (the recorder gets 409
    `four_eyes_required`). Confirms its match report, marks its remains identified, and opens
    the case's `deceased_identified` transition and the identification notification.
    `version` (or If-Match) is optional; a stale one gets 409."""
    version = expected_version(data.get("version"), required=False)
    session, actor = db_session(), acting()
    ident = queries.owned_identification_or_404(current_access(), ident_id, for_update=True)
    operations.confirm_identification(session, actor, ident, version)
    return ident, _etag(ident)


@blp.route("/identifications/<uuid:ident_id>/reject", methods=["POST"])
@require(REVIEW_IDENTIFICATIONS)
@blp.arguments(RejectSchema)
@blp.response(200, IdentificationSchema)
def reject_identification(data: dict[str, Any], ident_id: uuid.UUID) -> Any:
    """Reject a recorded identification with a `reason`: a second person only (the recorder
    gets 409 `four_eyes_required`). Nothing else changes."""
    version = expected_version(data.get("version"), required=False)
    session, actor = db_session(), acting()
    ident = queries.owned_identification_or_404(current_access(), ident_id, for_update=True)
    operations.reject_identification(session, actor, ident, data["reason"], version)
    return ident, _etag(ident)
