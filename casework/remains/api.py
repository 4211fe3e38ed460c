"""JSON API of the remains domain: unidentified remains (thin: parse, call a service, dump).

Every read goes through the access gateway: scoped to what the actor may see, shaped to the
categories allowed, one audit event per record or per page. Writes see the actor's own
organisation's records only."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for

from casework.access.current import current_access
from casework.api import api_blueprint, expected_version, shaped, shaped_page
from casework.auth.policy import require
from casework.remains import operations, queries
from casework.remains.policy import READ_REMAINS, WRITE_REMAINS
from casework.remains.resources import REMAINS
from casework.remains.schemas import (
    RemainsCreateSchema,
    RemainsListSchema,
    RemainsQuerySchema,
    RemainsSchema,
    RemainsUpdateSchema,
)

blp = api_blueprint(
    "remains_api",
    __name__,
    description="Unidentified remains: post-mortem records kept by forensic staff",
)


def _etag(record: Any) -> dict[str, str]:
    return {"ETag": f'"{record.version}"'}


@blp.route("/remains", methods=["GET"])
@require(READ_REMAINS)
@blp.arguments(RemainsQuerySchema, location="query")
@blp.response(200, RemainsListSchema)
def list_remains(args: dict[str, Any]) -> Any:
    """Remains the caller may see, newest first; filters `status`, `sex`, `found_country`
    (one audited read per page; only the page is decrypted)."""
    access = current_access()
    page, per_page = args["page"], args["per_page"]
    filters = queries.RemainsFilters(
        status=args.get("status"), sex=args.get("sex"), found_country=args.get("found_country")
    )
    items, total = queries.list_remains(access, filters, page, per_page)
    shown = access.read_page(REMAINS, items, view="remains_list", page=page)
    return shaped_page(RemainsSchema(), shown, page, per_page, total)


@blp.route("/remains", methods=["POST"])
@require(WRITE_REMAINS)
@blp.arguments(RemainsCreateSchema)
@blp.response(201, RemainsSchema)
def create_remains(data: dict[str, Any]) -> Any:
    """Record unidentified remains (reference `<country>-UR-<year>-<n>`); 201 with the record."""
    access = current_access()
    remains = operations.create_remains(access.session, access.actor, data)
    shown = access.shown(REMAINS, remains)
    headers = _etag(remains)
    headers["Location"] = url_for("remains_api.get_remains", remains_id=remains.id)
    return shaped(RemainsSchema(), shown, status=201, headers=headers)


@blp.route("/remains/<uuid:remains_id>", methods=["GET"])
@require(READ_REMAINS)
@blp.response(200, RemainsSchema)
def get_remains(remains_id: uuid.UUID) -> Any:
    """One remains record (the read is audited); anything out of reach is a 404."""
    access = current_access()
    remains = queries.remains_or_404(access, remains_id)
    shown = access.read(REMAINS, remains, view="remains")
    return shaped(RemainsSchema(), shown, headers=_etag(remains))


@blp.route("/remains/<uuid:remains_id>", methods=["PATCH"])
@require(WRITE_REMAINS)
@blp.arguments(RemainsUpdateSchema)
@blp.response(200, RemainsSchema)
def update_remains(data: dict[str, Any], remains_id: uuid.UUID) -> Any:
    """Correct remains, or move them from `identified` to `returned_to_family` (`identified`
    is set by a confirmed identification only; anything else is 409 `illegal_transition`).
    Needs `version` (or If-Match); a stale one gets 409."""
    version = expected_version(data.pop("version", None))
    access = current_access()
    remains = queries.owned_remains_or_404(access, remains_id, for_update=True)
    operations.update_remains(access.session, access.actor, remains, data, version)
    shown = access.shown(REMAINS, remains)
    return shaped(RemainsSchema(), shown, headers=_etag(remains))
