"""`casework audit reseal`: a chain written before the audit key (plain SHA-256 links, a head
without a tag) is checked and sealed once under the key, and the reseal is audited; a sealed
chain, an empty one or a broken one is refused and left as it was."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest
from sqlalchemy import delete, select, text

from casework import audit
from casework.audit import AuditEvent, AuditHead, PlainActor
from casework.audit.trail import canonical_json

ACTOR = PlainActor(uuid.uuid4(), uuid.uuid4(), "forensic", None)


@pytest.fixture
def db(app, database):
    with database.session() as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))
    return database


def _append_n(database, n: int) -> None:
    with database.session() as s:
        for i in range(n):
            audit.append(s, ACTOR, "remains.read", object_type="remains", object_id=str(i))


def _rows(database) -> list:
    with database.engine.connect() as conn:
        return list(conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)))


def _make_legacy(database) -> None:
    """Rewrite the chain as the code before issue 11 wrote it: SHA-256 links, no head tag."""
    prev = audit.GENESIS_HASH
    rows = _rows(database)
    with database.engine.begin() as conn:
        for row in rows:
            new = hashlib.sha256(bytes.fromhex(prev) + canonical_json(row).encode()).hexdigest()
            conn.execute(
                text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": new, "i": row.id},
            )
            prev = new
        conn.execute(text("UPDATE audit_head SET hash = :h, tag = NULL"), {"h": prev})


def _links_ok(database, key: bytes) -> bool:
    prev = audit.GENESIS_HASH
    for row in _rows(database):
        message = bytes.fromhex(prev) + canonical_json(row).encode()
        if row.prev_hash != prev or row.hash != hmac.new(key, message, hashlib.sha256).hexdigest():
            return False
        prev = row.hash
    return True


def test_an_old_chain_is_reported_unsealed_then_resealed_once(db, cli, audit_key):
    _append_n(db, 6)
    _make_legacy(db)
    out = cli("audit", "verify")
    assert out.exit_code == 1
    assert "not sealed under the audit key" in out.output and "audit reseal" in out.output
    assert cli("audit", "head").exit_code == 1  # an unsealed head is not signed

    out = cli("audit", "reseal", "--yes")
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "audit chain resealed: 6 events"
    # Every link is now an HMAC under the key in the key file, the reseal itself included.
    assert _links_ok(db, audit_key)
    rows = _rows(db)
    assert [r.action for r in rows][-1] == "audit.resealed"
    assert (rows[-1].role, rows[-1].details) == ("system", {"count": 6})
    out = cli("audit", "verify")
    assert (out.exit_code, out.output.strip()) == (0, "audit chain intact: 7 events")
    assert cli("audit", "head").exit_code == 0

    again = cli("audit", "reseal", "--yes")
    assert again.exit_code == 1
    assert "already sealed" in again.output
    assert [r.hash for r in _rows(db)] == [r.hash for r in rows]


def test_events_appended_between_the_upgrade_and_the_reseal_are_sealed_too(db, cli, audit_key):
    _append_n(db, 3)
    _make_legacy(db)
    _append_n(db, 2)  # the upgraded service appends keyed links; the head stays untagged
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT tag FROM audit_head")).scalar() is None
    out = cli("audit", "reseal", "--yes")
    assert out.exit_code == 0, out.output
    assert "5 events" in out.output
    assert _links_ok(db, audit_key)
    assert cli("audit", "verify").exit_code == 0


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("UPDATE audit_events SET object_id = 'x' WHERE seq = 3", "event 3 was edited"),
        ("DELETE FROM audit_events WHERE seq = 2", "event 2 is missing"),
    ],
)
def test_a_broken_old_chain_is_not_resealed(db, cli, tamper, named):
    _append_n(db, 5)
    _make_legacy(db)
    with db.engine.begin() as conn:
        conn.execute(text(tamper))
    before = [(r.seq, r.hash) for r in _rows(db)]
    out = cli("audit", "reseal", "--yes")
    assert out.exit_code == 1
    assert named in out.output and "nothing was resealed" in out.output
    assert [(r.seq, r.hash) for r in _rows(db)] == before


def test_a_cut_old_chain_is_not_resealed(db, cli):
    _append_n(db, 5)
    _make_legacy(db)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 5"))
    out = cli("audit", "reseal", "--yes")
    assert out.exit_code == 1
    assert "head names event 5" in out.output


def test_an_empty_trail_has_nothing_to_reseal(db, cli):
    out = cli("audit", "reseal", "--yes")
    assert out.exit_code == 1 and "empty" in out.output


def test_reseal_asks_first(db, cli):
    _append_n(db, 2)
    _make_legacy(db)
    out = cli("audit", "reseal", input="n\n")
    assert out.exit_code == 1
    assert "Reseal the audit chain" in out.output
    assert cli("audit", "verify").exit_code == 1  # still unsealed
