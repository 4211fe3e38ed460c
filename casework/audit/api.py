"""JSON API of the audit trail: GET /api/v1/audit/events for auditors of their organisation."""

from __future__ import annotations

from typing import Any

from casework.api import api_blueprint, page_of
from casework.audit.schemas import EventPageSchema, EventQuerySchema, filters_from
from casework.audit.views import auditor, read_events
from casework.auth.policy import READ_AUDIT, require

blp = api_blueprint("audit_api", __name__, description="The audit trail (auditors)")


@blp.route("/audit/events")
@require(READ_AUDIT)
@blp.arguments(EventQuerySchema, location="query")
@blp.response(200, EventPageSchema)
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """Audit events of the caller's organisation, newest first (auditor), and the
    instance-level events of the public status page that name no case (`family_status.*` of no
    organisation: look-ups of unknown codes, throttling), which every auditor sees.

    Filters: `actor` (user id), `case` (case reference), `action` (exact, or a prefix such as
    `case.*`), `from` and `to` (ISO 8601; a bare date as `to` covers that whole day). The read
    is itself audited (`audit.read`).
    """
    actor, _ = auditor()
    items, total = read_events(actor, filters_from(args), args["page"], args["per_page"])
    return page_of(items, args["page"], args["per_page"], total)
