"""A relative's erasure request: their data key is shredded (API or CLI) — contacts, evidence
and notes unreadable, index values gone — while the notification history's facts remain."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from casework.auth.models import Organisation
from casework.families.models import Relative, RelativeErasure
from casework.families.policy import has_valid_consent
from casework.keys import BlindIndexEntry
from tests.families.helpers import CANARY_EVIDENCE, CANARY_NOTES

YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


@pytest.fixture
def history(liaison, case_ref, add_relative):
    """A relative with a consent and a delivered notification with notes and a follow-up."""
    rel = add_relative(liaison, case_ref)
    consent = liaison.post(
        f"/relatives/{rel['id']}/consents",
        json={
            "purpose": "tracing",
            "scope": [{"kind": "any"}],
            "evidence_reference": CANARY_EVIDENCE,
        },
    ).json
    n = liaison.post(
        f"/cases/{case_ref}/notifications",
        json={
            "relative_id": rel["id"],
            "kind": "progress_update",
            "planned_date": YESTERDAY,
            "delivered_date": YESTERDAY,
            "channel": "phone",
            "support_offered": "offered",
            "follow_up_due": YESTERDAY,
            "notes": CANARY_NOTES,
        },
    ).json
    assert n["outcome"] == "delivered"
    return {"rel": rel, "consent": consent, "notification": n}


def _index_entries(database, relative_id: str) -> int:
    with database.session() as s:
        stmt = select(BlindIndexEntry).where(BlindIndexEntry.owner_id == uuid.UUID(relative_id))
        return len(list(s.scalars(stmt)))


def _assert_erased(liaison, database, history, case_ref):
    rid = history["rel"]["id"]
    rel = liaison.get(f"/relatives/{rid}").json
    assert rel["is_erased"] is True and rel["erased_at"] is not None
    for name in ("full_name", "relationship", "phone", "email", "address", "safety_note"):
        assert rel[name] is None, name
    assert _index_entries(database, rid) == 0
    assert liaison.get("/relatives?phone=71234567").json["total"] == 0
    assert liaison.get("/relatives?email=zephyrine.canary@example.org").json["total"] == 0
    (consent,) = liaison.get(f"/relatives/{rid}/consents").json["items"]
    assert consent["evidence_reference"] is None
    assert consent["withdrawn_at"] is not None  # erasure withdraws every consent
    (n,) = liaison.get(f"/cases/{case_ref}/notifications").json["items"]
    assert n["notes"] is None
    kept = {k: n[k] for k in ("kind", "planned_date", "delivered_date", "channel", "outcome")}
    assert kept == {
        "kind": "progress_update",
        "planned_date": YESTERDAY,
        "delivered_date": YESTERDAY,
        "channel": "phone",
        "outcome": "delivered",
    }
    assert n["support_offered"] == "offered" and n["follow_up_due"] == YESTERDAY
    # Nothing is due for an erased relative: they can no longer be contacted.
    assert liaison.get("/notifications").json["total"] == 0
    with database.session() as s:
        relative = s.get(Relative, uuid.UUID(rid))
        anyone = s.scalars(select(Organisation)).first()
        assert has_valid_consent(s, relative, "tracing", anyone) is False


def test_erasure_through_the_api(liaison, database, history, case_ref, audit_events):
    rid = history["rel"]["id"]
    assert _index_entries(database, rid) == 2
    assert liaison.get("/notifications").json["total"] == 1  # the follow-up is due
    unconfirmed = liaison.post(f"/relatives/{rid}/erase", json={"confirm": False})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.json["error"]["fields"]
    resp = liaison.post(
        f"/relatives/{rid}/erase", json={"confirm": True, "note": "Asked by phone on 3 May."}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["is_erased"] is True and resp.json["full_name"] is None
    _assert_erased(liaison, database, history, case_ref)
    (event,) = audit_events("relative.erase")
    assert event.object_id == rid and event.case_reference == case_ref
    assert event.details == {
        "index_entries_removed": 2,
        "consents_withdrawn": 1,
        "subject_type": "relative",
    }
    with database.session() as s:
        erasure = s.scalars(select(RelativeErasure)).one()
        assert erasure.note == "Asked by phone on 3 May."  # kept under the case's key
        assert erasure.erased_by == liaison.user.id
    again = liaison.post(f"/relatives/{rid}/erase", json={"confirm": True})
    assert again.status_code == 409


def test_an_erased_relative_cannot_be_changed(liaison, history, case_ref):
    rid, nid = history["rel"]["id"], history["notification"]["id"]
    liaison.post(f"/relatives/{rid}/erase", json={"confirm": True})
    assert (
        liaison.patch(f"/relatives/{rid}", json={"address": "x", "version": 1}).status_code == 409
    )
    give = {"purpose": "contact", "scope": [{"kind": "any"}]}
    assert liaison.post(f"/relatives/{rid}/consents", json=give).status_code == 409
    plan = {"relative_id": rid, "kind": "progress_update", "planned_date": YESTERDAY}
    assert liaison.post(f"/cases/{case_ref}/notifications", json=plan).status_code == 409
    notes = liaison.patch(f"/notifications/{nid}", json={"notes": "more", "version": 1})
    assert notes.status_code == 409
    # Non-personal facts can still be recorded.
    done = liaison.patch(f"/notifications/{nid}", json={"follow_up_completed": True, "version": 1})
    assert done.status_code == 200, done.json


def test_focal_point_may_erase(api, history):
    resp = api("focal_point").post(
        f"/relatives/{history['rel']['id']}/erase", json={"confirm": True}
    )
    assert resp.status_code == 200


def test_erasure_through_the_cli(cli, liaison, database, history, case_ref, audit_events):
    rid = history["rel"]["id"]
    refused = cli("keys", "shred-relative", rid, input="n\n")
    assert refused.exit_code != 0
    assert liaison.get(f"/relatives/{rid}").json["is_erased"] is False
    result = cli("keys", "shred-relative", rid, "--yes")
    assert result.exit_code == 0, result.output
    assert "2 index value(s) cleared" in result.output
    _assert_erased(liaison, database, history, case_ref)
    (tombstone,) = audit_events("keys.shred")
    assert tombstone.object_type == "relative" and tombstone.object_id == rid
    (erase,) = audit_events("relative.erase")
    assert erase.details["via"] == "cli" and erase.details["consents_withdrawn"] == 1
    assert cli("keys", "shred-relative", rid, "--yes").exit_code != 0  # already shredded
    assert cli("keys", "shred-relative", str(uuid.uuid4()), "--yes").exit_code != 0
    assert cli("keys", "shred-relative", "nonsense", "--yes").exit_code != 0
