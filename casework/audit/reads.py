"""The audit event of a read of personal data. Only the access gateway records reads
(an import-linter contract holds every other module to that)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.audit.trail import AuditActor, append


def append_read(session: Session, actor: AuditActor, action: str, **event: Any) -> AuditEvent:
    """One read: which records (references, never values) and which categories were shown;
    `event` takes `append`'s keywords (object_type, object_id, case_reference, purpose,
    categories, details)."""
    return append(session, actor, action, **event)
