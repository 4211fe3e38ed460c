"""The remains services called by other domains: mark_identified and the look-ups."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from casework.access import Access
from casework.audit import AuditEvent
from casework.auth.models import User
from casework.auth.policy import Actor
from casework.cases.queries import case_by_reference_any_org
from casework.errors import NotFound
from casework.remains import operations
from casework.remains.models import Remains, RemainsStatus
from casework.remains.queries import owned_remains_or_404, remains_or_404


def _actor(session, user) -> Actor:
    return Actor.for_user(session.get(User, user.id))


def test_mark_identified_sets_status_case_and_version_and_audits(
    database, make_user, record_remains, make_case
):
    remains_id = record_remains()
    reference = make_case()
    user = make_user("forensic")
    with database.session() as s:
        remains = s.get(Remains, remains_id)
        case = case_by_reference_any_org(s, reference)
        operations.mark_identified(s, _actor(s, user), remains, case)
    with database.session() as s:
        remains = s.get(Remains, remains_id)
        assert remains.status == RemainsStatus.identified
        assert remains.identified_case_id == case.id
        assert remains.version == 2
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "remains.identified"))
        assert event is not None
        assert event.object_id == str(remains_id)
        assert event.details["case"] == reference
        assert "Sasabe" not in str(event.details)


@pytest.mark.parametrize("status", ["identified", "returned_to_family"])
def test_mark_identified_refuses_remains_not_unidentified(
    database, make_user, record_remains, make_case, status
):
    remains_id = record_remains()
    reference = make_case()
    user = make_user("forensic")
    with database.session() as s:
        s.get(Remains, remains_id).status = RemainsStatus(status)
    with database.session() as s:
        remains = s.get(Remains, remains_id)
        case = case_by_reference_any_org(s, reference)
        with pytest.raises(operations.RemainsNotUnidentified) as caught:
            operations.mark_identified(s, _actor(s, user), remains, case)
        assert caught.value.status == 409
        assert caught.value.code == "remains_not_unidentified"
    with database.session() as s:
        remains = s.get(Remains, remains_id)
        assert remains.status == RemainsStatus(status)
        assert remains.identified_case_id is None
        assert remains.version == 1


def test_lookups_scope_to_the_organisation(database, make_user, make_org, record_remains):
    remains_id = record_remains()
    mine = make_user("forensic")
    focal = make_user("focal_point")
    other = make_user("forensic", make_org("MX"))
    admin = make_user("admin")
    with database.session() as s:
        assert remains_or_404(Access(s, _actor(s, mine)), remains_id).id == remains_id
        assert remains_or_404(Access(s, _actor(s, focal)), str(remains_id)).id == remains_id
        assert owned_remains_or_404(Access(s, _actor(s, mine)), remains_id, for_update=True)
        for user in (other, admin):
            access = Access(s, _actor(s, user))
            with pytest.raises(NotFound):
                remains_or_404(access, remains_id)
        with pytest.raises(NotFound):
            owned_remains_or_404(Access(s, _actor(s, other)), remains_id)
        for bad in (uuid.uuid4(), "not-a-uuid", ""):
            with pytest.raises(NotFound):
                remains_or_404(Access(s, _actor(s, mine)), bad)
