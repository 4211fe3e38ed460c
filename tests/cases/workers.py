"""Code run in separate processes by the concurrency tests (importable by spawned children)."""

from __future__ import annotations

import uuid

from casework.settings import Settings


def register_cases(settings: Settings, user_id: str, org_id: str, count: int) -> list[str]:
    """Register `count` cases from a fresh process with its own engine; returns references."""
    from casework import create_app
    from casework.auth.policy import Actor
    from casework.cases import operations

    app = create_app(settings)
    database = app.extensions["casework.db"]
    actor = Actor(user_id=uuid.UUID(user_id), organisation_id=uuid.UUID(org_id), role="focal_point")
    refs = []
    try:
        for i in range(count):
            with database.session() as s:
                case = operations.create_case(s, actor, {"given_names": f"Worker {i}"})
                refs.append(case.reference)
    finally:
        database.dispose()
    return refs
