"""The chain: appends link up, verify names the first edited, deleted or reordered event, an
event commits or rolls back with its change, and details refuse personal-looking values."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest
from sqlalchemy import delete, select, text, update

from casework import audit
from casework.audit import GENESIS_HASH, AuditEvent, AuditHead, PlainActor
from casework.audit.trail import canonical_json

ORG = uuid.uuid4()
ALICE = PlainActor(user_id=uuid.uuid4(), organisation_id=ORG, role="focal_point", request_id="r1")


@pytest.fixture
def db(app, database):
    """The test database with an empty audit trail (the app fixture wipes it afterwards)."""
    with database.session() as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))
    return database


def _append_n(database, n: int, **kw) -> None:
    for i in range(n):
        with database.session() as s:
            audit.append(
                s,
                ALICE,
                "case.read",
                object_type="case",
                object_id=str(i),
                case_reference=f"SLV-2026-{i:06d}",
                purpose="tracing",
                categories=("identity", "circumstances"),
                details={"status": "active_search", "index": i},
                **kw,
            )


def _sql(database, statement: str, **params) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(statement), params)


def _verify(database, **kw):
    with database.session() as s:
        return audit.verify(s, **kw)


def test_appends_build_a_valid_chain(db, audit_key):
    _append_n(db, 5)
    with db.session() as s:
        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    # hash = HMAC-SHA256(audit key, previous hash's bytes || canonical JSON of the columns)
    first = rows[0]
    message = bytes.fromhex(GENESIS_HASH) + canonical_json(first).encode("utf-8")
    assert first.hash == hmac.new(audit_key, message, hashlib.sha256).hexdigest()
    # ... and not the unkeyed SHA-256 that anyone could recompute.
    assert first.hash != hashlib.sha256(message).hexdigest()
    doc = json.loads(canonical_json(first))
    assert doc["created_at"].endswith("Z") and "." in doc["created_at"]
    assert doc["categories"] == ["identity", "circumstances"]
    assert doc["actor_id"] == str(ALICE.user_id)
    assert first.request_id == "r1" and first.role == "focal_point"
    assert first.decision == "allow"
    result = _verify(db)
    assert result.ok and result.count == 5 and result.first_bad_seq is None
    assert result.head_hash == rows[-1].hash
    with db.session() as s:
        assert audit.chain_head(s) == audit.ChainHead(5, rows[-1].hash)


def test_empty_chain_verifies(db):
    result = _verify(db)
    assert result.ok and result.count == 0


def test_small_batches_walk_the_whole_chain(db):
    _append_n(db, 12)
    seen = []
    result = _verify(db, batch_size=5, progress=seen.append)
    assert result.ok and result.count == 12
    assert seen == [5, 5, 2]


def test_edited_event_is_named(db):
    _append_n(db, 8)
    _sql(db, "UPDATE audit_events SET purpose = 'identification' WHERE seq = 5")
    result = _verify(db, batch_size=3)
    assert not result.ok
    assert result.first_bad_seq == 5
    assert result.reason == "event 5: hash mismatch (edited)"
    assert result.count == 4


def test_edited_json_details_are_named(db):
    _append_n(db, 4)
    with db.engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(details={"x": 1}))
    result = _verify(db)
    assert (result.first_bad_seq, result.problem) == (2, "hash mismatch (edited)")


def test_rewritten_event_with_recomputed_hash_is_named(db, audit_key):
    """Even someone holding the audit key who rewrites one event and its own link is named:
    the next event no longer links to it."""
    _append_n(db, 6)
    with db.session() as s:
        row = s.scalar(select(AuditEvent).where(AuditEvent.seq == 3))
        row.action = "case.update"
        row.hash = audit.trail.event_hash(row, audit_key)
    result = _verify(db)
    assert result.first_bad_seq == 3
    assert result.problem == "hash mismatch (edited, hash recomputed)"


def test_deleted_event_is_named(db):
    _append_n(db, 8)
    _sql(db, "DELETE FROM audit_events WHERE seq = 4")
    result = _verify(db)
    assert not result.ok
    assert result.first_bad_seq == 4
    assert result.reason == "event 4 missing (deleted)"


def test_deleted_first_and_last_events_are_named(db):
    _append_n(db, 5)
    _sql(db, "DELETE FROM audit_events WHERE seq = 5")
    assert _verify(db).reason == "event 5 missing (deleted)"
    _sql(db, "DELETE FROM audit_events WHERE seq = 1")
    assert _verify(db).reason == "event 1 missing (deleted)"


def test_deleted_event_with_later_events_renumbered_is_named(db):
    _append_n(db, 6)
    _sql(db, "DELETE FROM audit_events WHERE seq = 3")
    for seq in (4, 5, 6):
        _sql(db, "UPDATE audit_events SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    _sql(db, "UPDATE audit_head SET seq = 5")
    result = _verify(db)
    assert result.reason == "event 3 missing (deleted)"


def test_swapped_seq_values_are_named(db):
    _append_n(db, 8)
    _sql(db, "UPDATE audit_events SET seq = -1 WHERE seq = 5")
    _sql(db, "UPDATE audit_events SET seq = 5 WHERE seq = 6")
    _sql(db, "UPDATE audit_events SET seq = 6 WHERE seq = -1")
    result = _verify(db)
    assert not result.ok
    assert result.first_bad_seq == 5
    assert result.reason == "event 5: out of order (swapped or reordered)"


def test_swapped_row_contents_are_named(db):
    _append_n(db, 8)
    cols = [c for c in AuditEvent.__table__.c if c.name not in ("id", "seq")]
    with db.engine.begin() as conn:
        a = conn.execute(select(*cols).where(AuditEvent.seq == 3)).one()._asdict()
        b = conn.execute(select(*cols).where(AuditEvent.seq == 6)).one()._asdict()
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(**b))
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 6).values(**a))
    result = _verify(db)
    assert result.first_bad_seq == 3
    assert result.problem == "out of order (swapped or reordered)"


def test_swapped_contents_keeping_the_chain_columns_are_named(db):
    _append_n(db, 8)
    _sql(db, "UPDATE audit_events SET object_id = 'swap' WHERE seq = 2")
    _sql(db, "UPDATE audit_events SET object_id = '1' WHERE seq = 3")
    _sql(db, "UPDATE audit_events SET object_id = '2' WHERE seq = 2")
    result = _verify(db)
    assert (result.first_bad_seq, result.problem) == (2, "hash mismatch (edited)")


def test_head_rewound_or_changed_is_detected(db):
    _append_n(db, 3)
    _sql(db, "UPDATE audit_head SET hash = :h", h="f" * 64)
    assert _verify(db).reason == "event 3: does not match the chain head (edited)"
    _sql(db, "UPDATE audit_head SET seq = 2")
    assert _verify(db).reason == "event 3: beyond the chain head (inserted)"


def test_event_rolls_back_with_its_change(db):
    _append_n(db, 2)
    s = db.new_session()
    try:
        event = audit.append(s, ALICE, "case.update", object_type="case", object_id="x")
        assert event.seq == 3  # flushed: visible inside the transaction
        assert s.scalar(select(AuditEvent.seq).where(AuditEvent.action == "case.update")) == 3
        s.rollback()
    finally:
        s.close()
    with db.session() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "case.update")) is None
    result = _verify(db)
    assert result.ok and result.count == 2
    _append_n(db, 1)  # the seq freed by the rollback is reused: no gap
    assert _verify(db).count == 3


def test_append_recreates_a_missing_head_and_records_that_it_was_missing(db):
    _append_n(db, 2)
    _sql(db, "DELETE FROM audit_head")
    result = _verify(db)
    assert (result.ok, result.reason) == (False, "event 3: chain head missing (deleted)")
    # Appending goes on (the service keeps working), but the head it had to recreate is not
    # authentic: the chain records that first, and verify names that event from then on.
    _append_n(db, 1)
    with db.session() as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions == ["case.read", "case.read", "audit.head_not_authentic", "case.read"]
    result = _verify(db)
    assert not result.ok and result.first_bad_seq == 3
    assert "not authentic" in result.problem


def test_denial_is_recorded_in_its_own_transaction(db):
    request_session = db.new_session()
    try:
        # The request's transaction holds locks (on SQLite the write lock): released first.
        request_session.execute(select(AuditHead.seq)).all()
        event = audit.append_denial(
            db,
            ALICE,
            "case.share",
            object_type="case",
            case_reference="SLV-2026-000001",
            purpose="tracing",
            categories=["dna_references"],
            details={"reason": "no_agreement"},
            release=request_session,
        )
        assert event.decision == "deny" and event.seq == 1
    finally:
        request_session.close()
    with db.session() as s:
        stored = s.scalar(select(AuditEvent))
        assert (stored.decision, stored.action) == ("deny", "case.share")
    assert _verify(db).ok


def test_system_actor_and_enum_roles(db):
    import enum

    class Role(enum.StrEnum):
        auditor = "auditor"

    actor = PlainActor(user_id=str(uuid.uuid4()), organisation_id=None, role=Role.auditor)
    with db.session() as s:
        audit.append(s, audit.SYSTEM, "keys.rotate", object_type="keyring")
        event = audit.append(s, actor, "audit.read", object_type="audit_events")
        assert event.role == "auditor" and isinstance(event.actor_id, uuid.UUID)
    with db.session() as s:
        first = s.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
        assert (first.actor_id, first.role) == (None, "system")
    assert _verify(db).ok


@pytest.mark.parametrize(
    "details",
    [
        {"given_names": "Maria"},
        {"phone": "+50370000000"},
        {"family_name": "Lopez"},
        {"date_of_birth": "1990-01-01"},
        {"note": "seen near the border"},
        {"status": {"nested": "value"}},
        {"status": "x" * 201},
        {"Status": "ok"},
        {"count": float("nan")},
    ],
)
def test_details_refuse_personal_looking_values(db, details):
    with db.session() as s, pytest.raises(audit.AuditError):
        audit.append(s, ALICE, "case.update", object_type="case", details=details)
    with db.session() as s:
        assert s.scalar(select(AuditEvent)) is None  # refused before the head was touched


def test_details_accept_non_personal_facts(db):
    details = {
        "from_status": "reported",
        "to_status": "active_search",
        "kek_version": 3,
        "index_entries_removed": 4,
        "subject_type": "case",
        "is_four_eyes": True,
        "likelihood_ratio": 1.5e9,
        "filters": ["actor", "case"],
    }
    with db.session() as s:
        audit.append(s, ALICE, "case.update", object_type="case", details=details)
    with db.session() as s:
        assert s.scalar(select(AuditEvent.details)) == details
    assert _verify(db).ok


@pytest.mark.parametrize(
    "kwargs",
    [
        {"categories": ["names"]},
        {"decision": "maybe"},
        {"object_type": ""},
        {"case_reference": "X" * 65},
    ],
)
def test_invalid_events_are_refused(db, kwargs):
    kw = {"object_type": "case", **kwargs}
    with db.session() as s, pytest.raises(audit.AuditError):
        audit.append(s, ALICE, "case.read", **kw)
    with db.session() as s, pytest.raises(audit.AuditError):
        audit.append(s, ALICE, "Case Read!", object_type="case")


def test_categories_are_the_declared_names_in_a_fixed_order(db):
    assert audit.CATEGORIES == (
        "identity",
        "circumstances",
        "physical_description",
        "family_contacts",
        "dna_references",
        "photos",
        "consent",
        "notifications",
    )
    with db.session() as s:
        event = audit.append(
            s, ALICE, "case.read", object_type="case", categories=["photos", "identity", "photos"]
        )
        assert event.categories == ["identity", "photos"]
