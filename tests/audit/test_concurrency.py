"""Concurrent writers cannot fork the chain: threads on SQLite, separate processes on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
import uuid

import pytest
from sqlalchemy import delete, func, select

from casework import audit
from casework.audit import AuditEvent, AuditHead, PlainActor
from casework.db import Database
from tests.helpers import is_postgres


@pytest.fixture
def db(app, database):
    with database.session() as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))
    return database


def _append_many(database: Database, writer: int, count: int) -> None:
    actor = PlainActor(uuid.uuid4(), uuid.uuid4(), "focal_point", f"w{writer}")
    for i in range(count):
        session = database.new_session()
        try:
            audit.append(
                session,
                actor,
                "case.read",
                object_type="case",
                object_id=f"{writer}-{i}",
                categories=["identity"],
            )
            session.commit()
        finally:
            session.close()


def _process_writer(url: str, keyring_file: str, writer: int, count: int, barrier) -> None:
    from casework.keys.service import holder_for_file

    # The audit key lives in the key file: each process loads it, as the service does.
    database = Database(url, info={"keyring_holder": holder_for_file(keyring_file)})
    try:
        barrier.wait(timeout=30)
        _append_many(database, writer, count)
    finally:
        database.dispose()


def _assert_intact(database: Database, expected: int) -> None:
    with database.session() as s:
        result = audit.verify(s)
        seqs = s.scalar(select(func.count(func.distinct(AuditEvent.seq))))
    assert result.ok, result.reason
    assert result.count == expected
    assert seqs == expected


@pytest.mark.skipif(is_postgres(), reason="threads on SQLite; PostgreSQL uses processes below")
def test_threads_on_sqlite_leave_an_unbroken_chain(db):
    threads, errors = 8, []
    barrier = threading.Barrier(threads)

    def run(writer: int) -> None:
        try:
            barrier.wait(timeout=30)
            _append_many(db, writer, 25)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert not errors, errors
    _assert_intact(db, 200)


@pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (CASEWORK_TEST_DATABASE_URL)")
def test_processes_on_postgres_leave_an_unbroken_chain(db, settings):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [
        ctx.Process(target=_process_writer, args=(db.url, settings.keyring_file, n, 25, barrier))
        for n in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    _assert_intact(db, 100)


def test_threads_with_a_missing_head_start_one_chain(db):
    """The head row may be absent (wiped tables): concurrent first appends create it once."""
    errors = []
    barrier = threading.Barrier(4)

    def run(writer: int) -> None:
        try:
            barrier.wait(timeout=30)
            _append_many(db, writer, 5)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert not errors, errors
    _assert_intact(db, 20)
