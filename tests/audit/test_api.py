"""GET /api/v1/audit/events: auditors only, their organisation only, filters, audited reads."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import delete, select

from casework import audit
from casework.audit import AuditEvent, AuditHead, PlainActor


def _empty_trail(database) -> None:
    with database.session() as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))


@pytest.fixture
def db(app, database):
    _empty_trail(database)
    return database


@pytest.fixture
def scene(db, api, make_org, make_user, org):
    """An auditor of `org`, two officers of `org`, and one officer of another organisation."""
    auditor = api("auditor")
    officer = make_user("focal_point")
    liaison = make_user("family_liaison")
    other_org = make_org("GT")
    foreigner = make_user("focal_point", other_org)
    # Creating those accounts and the token is audited too; the scene starts from an empty trail.
    _empty_trail(db)

    def act(user, action, case, **kw):
        actor = PlainActor(user.id, user.organisation_id, user.role.value, "req")
        with db.session() as s:
            return audit.append(s, actor, action, object_type="case", case_reference=case, **kw)

    events = [
        act(officer, "case.create", "SLV-2026-000001", categories=["identity"]),
        act(officer, "case.read", "SLV-2026-000001", purpose="tracing"),
        act(liaison, "relative.read", "SLV-2026-000001", categories=["family_contacts"]),
        act(officer, "case.update", "SLV-2026-000002"),
        act(foreigner, "case.read", "GTM-2026-000009"),
    ]
    return auditor, officer, liaison, foreigner, events


def _seqs(resp) -> list[int]:
    assert resp.status_code == 200, resp.get_json()
    return [item["seq"] for item in resp.json["items"]]


def test_auditor_lists_own_organisation_events_newest_first(scene):
    auditor, officer, _, foreigner, events = scene
    resp = auditor.get("/audit/events?action=case.*")
    assert _seqs(resp) == [4, 2, 1]
    body = resp.json
    assert (body["page"], body["per_page"], body["total"]) == (1, 25, 3)
    item = body["items"][-1]
    assert set(item) == {
        "seq",
        "created_at",
        "actor_id",
        "organisation_id",
        "role",
        "action",
        "object_type",
        "object_id",
        "case_reference",
        "purpose",
        "categories",
        "request_id",
        "decision",
        "details",
        "hash",
    }
    assert item["actor_id"] == str(officer.id)
    assert item["categories"] == ["identity"]
    assert item["hash"] == events[0].hash
    assert item["decision"] == "allow"
    # The other organisation's events are absent, whatever the filter.
    everything = auditor.get("/audit/events?per_page=100").json["items"]
    assert all(i["organisation_id"] == str(auditor.user.organisation_id) for i in everything)
    assert str(foreigner.id) not in {i["actor_id"] for i in everything}
    assert auditor.get(f"/audit/events?actor={foreigner.id}").json["total"] == 0
    assert auditor.get("/audit/events?case=GTM-2026-000009").json["total"] == 0


def test_filters_by_actor_case_action_and_time(scene):
    auditor, officer, liaison, _, events = scene
    assert _seqs(auditor.get(f"/audit/events?actor={liaison.id}")) == [3]
    assert _seqs(auditor.get(f"/audit/events?actor={officer.id}&case=SLV-2026-000001")) == [2, 1]
    assert _seqs(auditor.get("/audit/events?action=case.update")) == [4]
    t2, t4 = events[1].created_at, events[3].created_at
    params = {"from": t2.isoformat(), "to": t4.isoformat(), "action": "case.*"}
    assert _seqs(auditor.get("/audit/events", query_string=params)) == [4, 2]
    before = (t2 - dt.timedelta(microseconds=1)).isoformat()
    resp = auditor.get("/audit/events", query_string={"to": before, "action": "case.*"})
    assert _seqs(resp) == [1]
    day = t4.date().isoformat()  # a bare date as `to` covers the whole day
    resp = auditor.get("/audit/events", query_string={"to": day, "action": "case.*"})
    assert _seqs(resp) == [4, 2, 1]
    naive = t2.replace(tzinfo=None).isoformat()  # no zone given: UTC
    resp = auditor.get("/audit/events", query_string={"from": naive, "action": "case.*"})
    assert _seqs(resp) == [4, 2]


def test_pagination(scene):
    auditor = scene[0]
    first = auditor.get("/audit/events?action=case.*&per_page=2")
    second = auditor.get("/audit/events?action=case.*&per_page=2&page=2")
    assert _seqs(first) == [4, 2] and _seqs(second) == [1]
    assert first.json["total"] == second.json["total"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("actor=not-a-uuid", "actor"),
        ("action=DROP TABLE", "action"),
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("per_page=1000", "per_page"),
    ],
)
def test_invalid_filters_get_422_naming_the_field(scene, query, field):
    resp = scene[0].get(f"/audit/events?{query}")
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "invalid"
    assert field in resp.json["error"]["fields"]


def test_reads_are_audited(scene, database):
    auditor = scene[0]
    assert auditor.get("/audit/events?case=SLV-2026-000002").status_code == 200
    with database.session() as s:
        read = s.scalar(select(AuditEvent).where(AuditEvent.action == "audit.read"))
        assert read.actor_id == auditor.user.id
        assert read.role == "auditor" and read.decision == "allow"
        assert read.case_reference == "SLV-2026-000002"
        assert read.details == {"filters": ["case"], "page": 1, "results": 1}
        assert read.request_id
        assert audit.verify(s).ok


@pytest.mark.parametrize("role", ["focal_point", "admin", "partner", "family_liaison"])
def test_other_roles_get_403_and_the_attempt_is_recorded(db, api, database, role):
    caller = api(role)
    resp = caller.get("/audit/events")
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "forbidden"
    with database.session() as s:
        denied = s.scalar(select(AuditEvent).where(AuditEvent.actor_id == caller.user.id))
        assert (denied.action, denied.decision) == ("audit.read", "deny")
        assert audit.verify(s).ok


def test_no_token_gets_401(db, client):
    resp = client.get("/api/v1/audit/events")
    assert resp.status_code == 401
    bad = client.get("/api/v1/audit/events", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_endpoint_is_in_the_openapi_document(db, client):
    doc = client.get("/api/v1/openapi.json").json
    params = {p["name"] for p in doc["paths"]["/api/v1/audit/events"]["get"]["parameters"]}
    assert {"actor", "case", "action", "from", "to", "page", "per_page"} <= params


def test_unknown_actor_uuid_is_just_empty(scene):
    resp = scene[0].get(f"/audit/events?actor={uuid.uuid4()}")
    assert resp.status_code == 200 and resp.json["total"] == 0
