"""The demo remains: three records of the Salvadoran directorate, recorded by its forensic
officer through the service (encrypted, indexed, audited)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from casework import demo
from casework.audit import AuditEvent
from casework.auth.models import Organisation, User
from casework.keys import DESCRIPTION_TERMS, BlindIndexEntry
from casework.remains.demo import load_demo_remains
from casework.remains.models import Remains, RemainsStatus


def test_loader_records_three_remains(database, make_org, make_user):
    org, other = make_org("SV"), make_org("GT")
    forensic = make_user("forensic", org)
    with database.session() as s:
        orgs = [s.get(Organisation, org.id), s.get(Organisation, other.id)]
        load_demo_remains(s, orgs, {"forensic@sv.demo": s.get(User, forensic.id)})
    with database.session() as s:
        found = list(s.scalars(select(Remains).order_by(Remains.created_at)))
        assert [r.found_country for r in found] == ["US", "PA", "MX"]
        assert {r.organisation_id for r in found} == {org.id}
        assert {r.created_by for r in found} == {forensic.id}
        assert all(r.reference.startswith("SLV-UR-") for r in found)
        us, pa, mx = found
        assert (us.sex.value, us.age_min, us.age_max) == ("female", 14, 19)
        assert (us.stature_min_cm, us.stature_max_cm) == (150, 160)
        assert us.found_date == "2025-11" and us.found_month == dt.date(2025, 11, 1)
        assert us.found_place == "Desert near Sasabe, Arizona"
        assert us.recovery_context == "Found by a humanitarian search group"
        assert us.effects == "Pink backpack, rosary with white beads, denim jacket"
        assert (pa.sex.value, pa.age_min, pa.age_max, pa.found_date) == ("male", 25, 35, "2024-06")
        assert pa.distinguishing_marks == "Scar on the chin"
        assert pa.effects == "Black jacket, Eritrean identity card fragment"
        assert (mx.sex.value, mx.age_min, mx.age_max) == ("male", 40, 60)
        assert mx.stature_min_cm is None and mx.found_date == "2025-02-10"
        assert mx.distinguishing_marks == "Tattoo of an eagle on the back"
        assert all(r.status == RemainsStatus.unidentified for r in found)
        for r in found:
            terms = s.scalar(
                select(func.count()).where(
                    BlindIndexEntry.owner_id == r.id, BlindIndexEntry.field == DESCRIPTION_TERMS
                )
            )
            assert terms > 0
        creates = s.scalar(select(func.count()).where(AuditEvent.action == "remains.create"))
        assert creates == 3


def test_loader_without_the_forensic_officer_does_nothing(database, make_org):
    org = make_org("SV")
    with database.session() as s:
        load_demo_remains(s, [s.get(Organisation, org.id)], {})
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Remains)) == 0


def test_full_demo_has_the_remains(app, database, settings):
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        found = list(s.scalars(select(Remains).order_by(Remains.created_at)))
        assert [r.found_country for r in found] == ["US", "PA", "MX"]
        forensic = s.scalar(select(User).where(User.email == "forensic@sv.demo"))
        assert {r.organisation_id for r in found} == {forensic.organisation_id}
        # The Rivera Campos candidate stays unidentified; the PA remains may be identified by
        # the identification demo.
        assert found[0].status == RemainsStatus.unidentified
    with database.session() as s:
        demo.load(s, settings)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Remains)) == 3
