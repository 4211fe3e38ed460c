"""JSON API of the audit trail: GET /api/v1/audit/events for auditors of their organisation."""

from __future__ import annotations

from typing import Any

from casework import audit
from casework.api import api_blueprint, page_of
from casework.audit import queries
from casework.audit.schemas import EventPageSchema, EventQuerySchema, filters_from
from casework.audit.views import auditor
from casework.auth.policy import READ_AUDIT, require
from casework.web import db_session

blp = api_blueprint("audit_api", __name__, description="The audit trail (auditors)")


@blp.route("/audit/events")
@require(READ_AUDIT)
@blp.arguments(EventQuerySchema, location="query")
@blp.response(200, EventPageSchema)
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """Audit events of the caller's organisation, newest first (auditor).

    Filters: `actor` (user id), `case` (case reference), `action` (exact, or a prefix such as
    `case.*`), `from` and `to` (ISO 8601; a bare date as `to` covers that whole day). The read
    is itself audited (`audit.read`).
    """
    actor, organisation_id = auditor()
    filters = filters_from(args)
    s = db_session()
    items, total = queries.events_page(s, organisation_id, filters, args["page"], args["per_page"])
    audit.append(
        s,
        actor,
        "audit.read",
        object_type="audit_events",
        case_reference=filters.case_reference,
        details={"filters": filters.used(), "page": args["page"], "results": len(items)},
    )
    return page_of(items, args["page"], args["per_page"], total)
