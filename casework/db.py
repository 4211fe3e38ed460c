"""Declarative base, engines for SQLite and PostgreSQL, and sessions per request or command."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, select, update
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import TypeDecorator

from casework.errors import InvalidInput, VersionConflict

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


_uuid7_lock = threading.Lock()
_uuid7_last = [0, 0]  # last millisecond, counter within it


def new_time_uuid() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a counter and random bits.

    Ids that sort by creation time let an index walk "newest first" without a sort: the
    name search reads blind-index entries in id order and stops at its candidate cap. The
    12-bit counter keeps ids from one process increasing within a millisecond.
    """
    with _uuid7_lock:
        ms = time.time_ns() // 1_000_000
        last_ms, counter = _uuid7_last
        if ms <= last_ms:
            ms, counter = last_ms, counter + 1
            if counter > 0xFFF:  # 4096 ids in one millisecond: borrow the next one
                ms, counter = ms + 1, 0
        else:
            counter = 0
        _uuid7_last[:] = [ms, counter]
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; casework stores UTC-aware times only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: How long a request waits for SQLite's write lock before it is answered 503 (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: How long a connection attempt to PostgreSQL may take before the request is answered 503.
PG_CONNECT_TIMEOUT_S = 10


def make_engine(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> Engine:
    """An engine for SQLite (WAL, foreign keys, write transactions serialised) or PostgreSQL.

    Dead connections are never handed out: PostgreSQL's pool pings a connection before lending
    it (`pool_pre_ping`), and a connection that fails with a disconnect is invalidated with
    every older one in the pool, so the service recovers from a database restart without one
    of its own. SQLite waits `busy_timeout_ms` for the write lock, then fails ("database is
    locked"), which requests answer 503.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Take transaction control from pysqlite so BEGIN IMMEDIATE can be emitted below.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Every request may write (reads are audited), and a deferred transaction that
            # upgrades from reader to writer fails at once under contention: take the write
            # lock up front so concurrent requests queue instead of failing.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)
        kwargs["connect_args"] = connect_args
    return create_engine(url, **kwargs)


class Database:
    """The engine and session factory of one instance; session info carries its key services."""

    def __init__(self, url: str, info: dict[str, Any] | None = None, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.info = info or {}
        self._factory = sessionmaker(bind=self.engine, expire_on_commit=False, info=self.info)

    def new_session(self) -> Session:
        return self._factory()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits when the block succeeds, rolls back otherwise."""
        session = self.new_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


# --- optimistic locking: the one version rule of every versioned record ---------------------


def check_version(record: Any, expected: int | None, *, required: bool = False) -> None:
    """Refuse a change made against another version than the record's (409 with the current
    one). With `required`, a change that names no version is refused too (422): an update
    never overwrites blindly."""
    if expected is None:
        if required:
            raise InvalidInput(
                "An update must carry the record's version (field `version` or If-Match).",
                {"version": ["Give the record's version (field or If-Match header)."]},
            )
        return
    if expected != record.version:
        raise VersionConflict(
            "The record was changed by someone else since you loaded it; reload it and apply "
            "your change again.",
            {"version": [f"The current version is {record.version}."]},
            extra={"current_version": record.version},
        )


def claim_version(session: Session, record: Any) -> None:
    """UPDATE … SET version = v + 1 WHERE version = v: of two writers holding the same
    version, exactly one wins and the other gets a 409 naming the current version."""
    model = type(record)
    now = utcnow()
    with session.no_autoflush:
        result = session.execute(
            update(model)
            .where(model.id == record.id, model.version == record.version)
            .values(version=record.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = session.scalar(select(model.version).where(model.id == record.id))
            raise VersionConflict(
                "The record was changed by someone else meanwhile; reload it and apply your "
                "change again.",
                {"version": [f"The current version is {current}."]},
                extra={"current_version": current},
            )
    set_committed_value(record, "version", record.version + 1)
    set_committed_value(record, "updated_at", now)
