"""Nothing personal of remains is stored, logged or audited in clear; every read and write is
audited with categories only; the terms of marks and effects are indexed blind."""

from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import select

from casework.audit import AuditEvent, verify
from casework.auth.models import User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.keys import DESCRIPTION_TERMS, BlindIndexEntry
from casework.remains.models import Remains
from tests.helpers import raw_database_dump
from tests.remains.conftest import remains_body

PLACE = "Quokkavale ravine by the Zebedee windmill"
CONTEXT = "Found by the Marrowbone volunteer patrol"
MARKS = "Tattoo of a heronfish on the shoulder"
EFFECTS = "Tangerine rucksack, Wobbegong keyring"
CANARIES = ["Quokkavale", "Zebedee", "Marrowbone", "heronfish", "Tangerine", "Wobbegong"]


def _canary_body(**overrides):
    return remains_body(
        found_place=PLACE,
        recovery_context=CONTEXT,
        distinguishing_marks=MARKS,
        effects=EFFECTS,
        **overrides,
    )


def test_nothing_personal_in_the_database_logs_or_audit(forensic, database, caplog):
    caplog.set_level(logging.DEBUG)
    created = forensic.post("/remains", json=_canary_body(found_date="2025-02-10")).json
    url = f"/remains/{created['id']}"
    forensic.get(url)
    forensic.get("/remains")
    forensic.patch(url, json={"version": 1, "effects": EFFECTS + " and a Tangerine cap"})
    # refusals that could echo a value back
    bad = forensic.post("/remains", json=_canary_body(sex="Wobbegong"))
    assert bad.status_code == 422 and "Wobbegong" not in bad.get_data(as_text=True)

    dump = raw_database_dump(database)
    for canary in CANARIES:
        assert canary.encode() not in dump, canary
        assert canary.casefold().encode() not in dump, canary
    # The exact found date is encrypted too: only its month is in clear.
    table = Remains.__table__
    with database.engine.connect() as conn:
        stmt = select(table).where(table.c.id == uuid.UUID(created["id"]))
        row = conn.execute(stmt).mappings().one()
    for column, value in row.items():
        if isinstance(value, str):
            assert "2025-02-10" not in value, column
            for canary in CANARIES:
                assert canary not in value, column
        if column.endswith("_enc"):
            assert value is not None and b"Quokkavale" not in bytes(value)
    for canary in CANARIES:
        assert canary not in caplog.text, canary

    with database.session() as s:
        events = list(s.scalars(select(AuditEvent)))
        assert verify(s).ok
    serialised = json.dumps(
        [[e.action, e.object_id, e.categories, e.details] for e in events], ensure_ascii=False
    )
    for canary in CANARIES:
        assert canary not in serialised, canary
    assert "2025-02-10" not in serialised


def test_every_read_and_write_is_audited(forensic, api, add_remains, audit_events):
    created = add_remains(forensic)
    url = f"/remains/{created['id']}"
    forensic.get(url)
    forensic.get("/remains?sex=female")
    forensic.patch(url, json={"version": 1, "found_place": "Elsewhere", "age_max": 18})
    focal = api("focal_point")
    focal.get(url)

    events = [e for e in audit_events() if e.object_type == "remains"]
    assert [e.action for e in events] == [
        "remains.create",
        "remains.read",
        "remains.list",
        "remains.update",
        "remains.read",
    ]
    create, read, listed, update, focal_read = events
    assert create.object_id == read.object_id == update.object_id == created["id"]
    assert create.details["fields"] == [
        "found_date",
        "found_country",
        "found_place",
        "recovery_context",
        "sex",
        "age_min",
        "age_max",
        "stature_min_cm",
        "stature_max_cm",
        "distinguishing_marks",
        "effects",
    ]
    assert create.categories == ["circumstances", "physical_description"]
    assert read.categories == listed.categories == ["circumstances", "physical_description"]
    assert listed.details["references"] == [created["id"]]
    assert listed.details["page"] == 1 and listed.details["count"] == 1
    assert update.details == {"fields": ["found_place", "age_max"], "version": 2}
    assert update.categories == ["circumstances", "physical_description"]
    assert all(e.actor_id == forensic.user.id for e in events[:4])
    assert focal_read.actor_id == focal.user.id and focal_read.role == "focal_point"


def test_one_audit_event_per_page(forensic, add_remains, audit_events):
    ids = [add_remains(forensic)["id"] for _ in range(3)]
    forensic.get("/remains?per_page=2")
    forensic.get("/remains?per_page=2&page=2")
    lists = audit_events("remains.list")
    assert len(lists) == 2
    assert lists[0].details["references"] == [ids[2], ids[1]]
    assert lists[1].details["references"] == [ids[0]]
    assert lists[1].details["page"] == 2


def _terms(session, owner_id) -> set[int]:
    stmt = select(BlindIndexEntry.token).where(
        BlindIndexEntry.owner_id == owner_id, BlindIndexEntry.field == DESCRIPTION_TERMS
    )
    return set(session.scalars(stmt))


def test_description_terms_shared_with_a_case(forensic, database, make_user):
    created = forensic.post(
        "/remains",
        json=remains_body(
            distinguishing_marks="Tattoo of an eagle on the back", effects="Grey sweatshirt"
        ),
    ).json
    focal = make_user("focal_point")
    with database.session() as s:
        actor = Actor.for_user(s.get(User, focal.id))
        eagle = case_ops.create_case(
            s, actor, {"given_names": "Ana", "distinguishing_marks": "An eagle tattooed"}
        ).id
        other = case_ops.create_case(
            s, actor, {"given_names": "Eva", "distinguishing_marks": "Birthmark on the neck"}
        ).id
    remains_id = uuid.UUID(created["id"])
    with database.session() as s:
        terms = _terms(s, remains_id)
        assert terms, "marks and effects are indexed"
        assert terms & _terms(s, eagle)
        assert not terms & _terms(s, other)
        remains = s.get(Remains, remains_id)
        assert {
            e.data_key_id
            for e in s.scalars(
                select(BlindIndexEntry).where(BlindIndexEntry.owner_id == remains_id)
            )
        } == {remains.data_key_id}

    # Changing the marks re-indexes them: the eagle goes, the new term comes.
    forensic.patch(
        f"/remains/{created['id']}",
        json={"version": 1, "distinguishing_marks": "Birthmark on the neck"},
    )
    with database.session() as s:
        terms = _terms(s, remains_id)
        assert not terms & _terms(s, eagle) - _terms(s, other)
        assert terms & _terms(s, other)


def test_each_remains_record_is_its_own_data_subject(forensic, database):
    a = uuid.UUID(forensic.post("/remains", json=remains_body()).json["id"])
    b = uuid.UUID(forensic.post("/remains", json=remains_body()).json["id"])
    with database.session() as s:
        ra, rb = s.get(Remains, a), s.get(Remains, b)
        assert ra.data_key_id != rb.data_key_id
        assert ra.data_key.subject_type == "remains"
