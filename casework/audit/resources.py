"""Audit events as the access gateway knows them: each belongs to the organisation of the actor
that caused it; an auditor reads their own organisation's (never another's, never a value)."""

from __future__ import annotations

from sqlalchemy import select

from casework.access import Resource
from casework.audit.models import AuditEvent

AUDIT_EVENT = Resource(
    kind="audit_event",
    model=AuditEvent,
    categories=frozenset(),
    owner=lambda: AuditEvent.organisation_id,
    case_id=lambda: AuditEvent.case_reference,
    base=lambda: select(AuditEvent),
    record_owner=lambda event: event.organisation_id,
    record_case_id=lambda event: event.case_reference,
    object_id=lambda event: str(event.seq),
    case_reference=lambda event: event.case_reference,
)
