"""The audit event of a read of personal data. Only the access gateway records reads
(an import-linter contract holds every other module to that)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.audit.trail import AuditActor, append


def append_read(
    session: Session,
    actor: AuditActor,
    action: str,
    *,
    object_type: str,
    object_id: str | None,
    case_reference: str | None,
    purpose: str | None,
    categories: Iterable[str],
    details: Mapping[str, Any],
) -> AuditEvent:
    """One read: which records (references, never values) and which categories were shown."""
    return append(
        session,
        actor,
        action,
        object_type=object_type,
        object_id=object_id,
        case_reference=case_reference,
        purpose=purpose,
        categories=categories,
        details=details,
    )
