"""The audit event of a write, written once for every domain: it names the record (through
its gateway resource), its case, the categories touched and non-personal details."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from casework.access.gateway import Resource
from casework.audit.trail import AuditActor, append
from casework.categories import ordered


def record_change(
    session: Session,
    actor: AuditActor,
    action: str,
    resource: Resource,
    record: Any,
    *,
    categories: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
    object_type: str | None = None,
    object_id: Any = None,
) -> None:
    """Append the event of a change to `record` (or to a record of its, such as a relative's
    consent, named by `object_type` and `object_id`) in the caller's transaction."""
    append(
        session,
        actor,
        action,
        object_type=object_type or resource.kind,
        object_id=str(object_id) if object_id is not None else resource.object_id(record),
        case_reference=resource.case_reference(record),
        categories=ordered(categories),
        details=details,
    )
