"""The demo loader gives the Salvadoran liaison officer relatives, consents and a worklist."""

from __future__ import annotations

from sqlalchemy import func, select

from casework import demo
from casework.auth import queries as auth_queries
from casework.auth.policy import Actor
from casework.db import utcnow
from casework.families import operations, queries
from casework.families.models import Consent, Notification, Relative


def test_demo_families(app, database, settings):
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Relative)) >= 5
        assert s.scalar(select(func.count()).select_from(Consent)) >= 5
        assert s.scalar(select(func.count()).select_from(Notification)) >= 8
        liaison = auth_queries.user_by_email(s, "liaison@sv.demo")
        actor = Actor.for_user(liaison)
        due, total = queries.worklist(s, actor, utcnow().date())
        assert total >= 4
        assert any(n.is_overdue for n in due)
        assert {n.due_reason for n in due} == {"delivery", "follow_up"}
        found = operations.lookup_relatives(s, actor, phone="00503 7012-3456")
        assert [r.relationship for r in found] == ["mother"]
        gt = Actor.for_user(auth_queries.user_by_email(s, "focal@gt.demo"))
        assert queries.worklist(s, gt, utcnow().date())[1] == 0
    # Loading again reuses what exists.
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Relative)) == 5
