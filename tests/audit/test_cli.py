"""`casework audit verify`: exit 0 with the event count, exit 1 naming the first broken event."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, text

from casework import audit
from casework.audit import AuditEvent, AuditHead, PlainActor

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


def test_empty_trail_is_intact(db, cli):
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "audit chain intact: 0 events"


def test_intact_chain_prints_the_count(db, cli):
    _append_n(db, 7)
    result = cli("audit", "verify", "--batch-size", "100")
    assert result.exit_code == 0, result.output
    assert "audit chain intact: 7 events" in result.output


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            ["UPDATE audit_events SET role = 'admin' WHERE seq = 3"],
            "audit chain broken at event 3: hash mismatch (edited)",
        ),
        (
            ["DELETE FROM audit_events WHERE seq = 4"],
            "audit chain broken at event 4: missing (deleted)",
        ),
        (
            [
                "UPDATE audit_events SET seq = -1 WHERE seq = 2",
                "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE seq = -1",
            ],
            "audit chain broken at event 2: out of order (swapped or reordered)",
        ),
    ],
    ids=["edited", "deleted", "swapped"],
)
def test_broken_chain_exits_1_naming_the_event(db, cli, tamper, message):
    _append_n(db, 6)
    with db.engine.begin() as conn:
        for statement in tamper:
            conn.execute(text(statement))
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == message


def test_verify_is_listed_in_help(cli):
    result = cli("audit", "--help")
    assert result.exit_code == 0
    assert "verify" in result.output
