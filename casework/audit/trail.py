"""The audit chain: `append` (serialised through the head row) and `verify` (names the first
broken event). Pure core: no Flask, no auth, no domain imports; actors are plain values."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from casework.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from casework.categories import ALL as ALL_CATEGORIES
from casework.db import Database, utcnow

log = logging.getLogger("casework.audit")

#: The field categories an event may name (never the fields' values).
CATEGORIES: tuple[str, ...] = tuple(c.value for c in ALL_CATEGORIES)
DECISIONS = ("allow", "deny")
HEAD_ID = 1

# The stored columns that the hash covers, in no particular order (the JSON is key-sorted).
# `prev_hash` is not among them: it is the prefix the hash is chained through.
HASHED_FIELDS: tuple[str, ...] = (
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
)

_ACTION_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_-]+)*$")
_DETAIL_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
# `details` are for non-personal facts. These words in a key betray a personal value: refused.
PERSONAL_KEY_WORDS = frozenset(
    {
        "name",
        "names",
        "alias",
        "aliases",
        "birth",
        "dob",
        "phone",
        "email",
        "address",
        "contact",
        "contacts",
        "circumstances",
        "marks",
        "description",
        "note",
        "notes",
        "text",
        "comment",
        "message",
        "plaintext",
        "sample",
        "document",
        "password",
        "secret",
        "token",
    }
)
_MAX_DETAIL_STR = 200
# A page of a list names its records: up to the largest page size.
_MAX_DETAIL_ITEMS = 100
_LIMITS = {
    "role": 32,
    "action": 64,
    "object_type": 64,
    "object_id": 128,
    "case_reference": 64,
    "purpose": 64,
    "request_id": 64,
}


class AuditError(ValueError):
    """An append was refused: a programming error (bad action, category or details)."""


class AuditActor(Protocol):
    """Who acts, as plain values (casework.auth.policy.Actor satisfies it)."""

    @property
    def user_id(self) -> uuid.UUID | None: ...

    @property
    def organisation_id(self) -> uuid.UUID | None: ...

    @property
    def role(self) -> str: ...

    @property
    def request_id(self) -> str | None: ...


@dataclass(frozen=True)
class PlainActor:
    """An actor made of plain values, e.g. for the CLI and background jobs."""

    user_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    role: str = "system"
    request_id: str | None = None


SYSTEM = PlainActor()


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of `verify`: `count` is the number of intact events before the first broken one."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str | None = None  # e.g. "event 17: hash mismatch (edited)"
    problem: str | None = None  # the same without the event, e.g. "hash mismatch (edited)"
    head_hash: str | None = None  # hash of the last event when the chain is intact


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


# --------------------------------------------------------------------------- hashing


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC through Core on some paths
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def canonical_json(event: AuditEvent | Row[Any] | Any, seq: int | None = None) -> str:
    """The event's hashed fields as key-sorted, compact JSON; `seq` overrides the stored one."""
    data = {name: _plain(getattr(event, name)) for name in HASHED_FIELDS}
    if seq is not None:
        data["seq"] = seq
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def chain_hash(prev_hash: str, canonical: str) -> str | None:
    """SHA-256(previous hash's 32 bytes ‖ UTF-8 canonical JSON), hex; None for a malformed prev."""
    if not isinstance(prev_hash, str) or not _HEX64_RE.match(prev_hash):
        return None
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical.encode("utf-8")).hexdigest()


def event_hash(event: AuditEvent | Row[Any] | Any, seq: int | None = None) -> str | None:
    try:
        canonical = canonical_json(event, seq)
    except (TypeError, ValueError):  # a tampered JSON column may hold anything
        return None
    return chain_hash(event.prev_hash, canonical)


# --------------------------------------------------------------------------- append


def _text(name: str, value: Any, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise AuditError(f"audit {name} is required")
        return None
    value = str(value)
    if len(value) > _LIMITS[name]:
        raise AuditError(f"audit {name} longer than {_LIMITS[name]} characters")
    return value


def _uuid(name: str, value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise AuditError(f"audit {name} is not a UUID") from None


def _scalar_ok(value: Any) -> bool:
    if value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= _MAX_DETAIL_STR


def validate_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Refuse details that could carry personal values: keys naming personal fields, nested
    structures, long strings. A guard against mistakes — the rule is: no personal values."""
    if not details:
        return {}
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if not isinstance(key, str) or not _DETAIL_KEY_RE.match(key):
            raise AuditError(f"audit detail key {key!r} must be lower_snake_case")
        if set(key.split("_")) & PERSONAL_KEY_WORDS:
            raise AuditError(
                f"audit detail key {key!r} looks like a personal field; audit details hold "
                "non-personal facts only (name the category in `categories` instead)"
            )
        if isinstance(value, list | tuple):
            if len(value) > _MAX_DETAIL_ITEMS or not all(_scalar_ok(v) for v in value):
                raise AuditError(f"audit detail {key!r}: at most {_MAX_DETAIL_ITEMS} scalars")
            clean[key] = list(value)
        elif _scalar_ok(value):
            clean[key] = value
        else:
            raise AuditError(
                f"audit detail {key!r} must be a number, a boolean or a short string "
                f"(at most {_MAX_DETAIL_STR} characters)"
            )
    return clean


def _categories(categories: Iterable[str]) -> list[str]:
    given = set(categories)
    unknown = given - set(CATEGORIES)
    if unknown:
        raise AuditError(f"unknown audit categories: {', '.join(sorted(unknown))}")
    return [c for c in CATEGORIES if c in given]


def _insert_head(session: Session) -> None:
    """(Re)create the head row: at genesis, or after the last event if events exist."""
    cols = AuditEvent.__table__.c
    last = session.execute(select(cols.seq, cols.hash).order_by(cols.seq.desc()).limit(1)).first()
    seq, hash_ = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    if last is not None:
        log.warning("audit head row was missing; recreated after event %s", seq)
    values = {"id": HEAD_ID, "seq": seq, "hash": hash_}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(AuditHead).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(AuditHead).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - casework runs on SQLite and PostgreSQL only
        session.add(AuditHead(**values))
        session.flush()


def _lock_head(session: Session) -> tuple[int, str]:
    """Take the head (row lock on PostgreSQL, write lock on SQLite) and claim the next seq."""
    stmt = (
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(stmt).first()
    if row is None:
        _insert_head(session)
        row = session.execute(stmt).one()
    return int(row.seq), str(row.hash)


def append(
    session: Session,
    actor: AuditActor,
    action: str,
    *,
    object_type: str,
    object_id: str | uuid.UUID | None = None,
    case_reference: str | None = None,
    purpose: str | None = None,
    categories: Iterable[str] = (),
    decision: str = "allow",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (flushed, never committed).

    The change being audited and its event commit or roll back together. The head row stays
    locked until that commit, so append after the change it records, as the last write of the
    unit of work. `details` hold non-personal facts only; personal values must never be passed
    (see `validate_details`). Raises `AuditError` on a malformed event, before taking the lock.
    """
    if not isinstance(action, str) or not _ACTION_RE.match(action):
        raise AuditError(f"audit action {action!r} must be dotted lower case, e.g. 'case.read'")
    if decision not in DECISIONS:
        raise AuditError(f"audit decision must be one of {DECISIONS}")
    role = getattr(actor.role, "value", actor.role)
    fields: dict[str, Any] = {
        "actor_id": _uuid("actor_id", actor.user_id),
        "organisation_id": _uuid("organisation_id", actor.organisation_id),
        "role": _text("role", role, required=True),
        "action": _text("action", action, required=True),
        "object_type": _text("object_type", object_type, required=True),
        "object_id": _text("object_id", object_id),
        "case_reference": _text("case_reference", case_reference),
        "purpose": _text("purpose", purpose),
        "categories": _categories(categories),
        "request_id": _text("request_id", getattr(actor, "request_id", None)),
        "decision": decision,
        "details": validate_details(details),
    }
    # Everything above is checked before the head is locked: the lock is held until commit.
    seq, prev_hash = _lock_head(session)
    event = AuditEvent(seq=seq, created_at=utcnow(), prev_hash=prev_hash, **fields)
    new_hash = event_hash(event)
    assert new_hash is not None, "the audit head holds a malformed hash"
    event.hash = new_hash
    session.add(event)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(hash=event.hash)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return event


def append_denial(
    database: Database,
    actor: AuditActor,
    action: str,
    *,
    object_type: str,
    object_id: str | uuid.UUID | None = None,
    case_reference: str | None = None,
    purpose: str | None = None,
    categories: Iterable[str] = (),
    details: Mapping[str, Any] | None = None,
    release: Session | None = None,
) -> AuditEvent:
    """Record a denied attempt in its own short transaction, committed at once (the request's
    own transaction is rolled back on a 4xx answer).

    Pass the request's session as `release` when calling from a request: its transaction is
    rolled back first so that it holds no lock this write would wait for (on SQLite every
    transaction holds the write lock; on PostgreSQL it may hold the audit head).
    """
    if release is not None:
        release.rollback()
    with database.session() as session:
        return append(
            session,
            actor,
            action,
            object_type=object_type,
            object_id=object_id,
            case_reference=case_reference,
            purpose=purpose,
            categories=categories,
            decision="deny",
            details=details,
        )


# --------------------------------------------------------------------------- verify


def chain_head(session: Session) -> ChainHead:
    """The head as stored: the last seq and hash (seq 0 and the genesis hash when empty)."""
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
    ).first()
    if row is None:
        return ChainHead(0, GENESIS_HASH)
    return ChainHead(int(row.seq), str(row.hash))


class _Broken(Exception):
    def __init__(self, seq: int, problem: str):
        self.seq, self.problem = seq, problem


_MISSING = "missing (deleted)"
_EDITED = "hash mismatch (edited)"
_REORDERED = "out of order (swapped or reordered)"
_RENUMBER_WINDOW = 64


class _Walker:
    """Checks events in seq order, in keyset batches, remembering only the last hash."""

    def __init__(self, session: Session, batch_size: int, progress: Callable[[int], Any] | None):
        self.session = session
        self.batch_size = batch_size
        self.progress = progress
        self.last_seq = 0
        self.last_hash = GENESIS_HASH

    def walk(self) -> int:
        cols = AuditEvent.__table__.c
        checked = 0
        while True:
            stmt = (
                select(*[cols[name] for name in (*HASHED_FIELDS, "prev_hash", "hash")])
                .where(cols.seq > self.last_seq)
                .order_by(cols.seq)
                .limit(self.batch_size)
            )
            rows = self.session.execute(stmt).all()
            for row in rows:
                self._check(row)
                self.last_seq, self.last_hash = int(row.seq), row.hash
            checked += len(rows)
            if self.progress is not None and rows:
                self.progress(len(rows))
            if len(rows) < self.batch_size:
                return checked

    def _check(self, row: Row[Any]) -> None:
        expected = self.last_seq + 1
        if row.seq != expected:  # seq is unique and ordered: a gap
            raise _Broken(expected, _MISSING)
        intact = event_hash(row) == row.hash
        linked = row.prev_hash == self.last_hash
        if intact and linked:
            return
        if linked:
            raise _Broken(expected, _EDITED)
        if intact:
            # This event is untouched, so the one before it was rewritten with a new hash.
            if expected == 1:
                raise _Broken(1, "does not start from the genesis hash (edited)")
            raise _Broken(expected - 1, "hash mismatch (edited, hash recomputed)")
        raise _Broken(expected, self._diagnose(row, expected))

    def _diagnose(self, row: Row[Any], expected: int) -> str:
        """Neither intact nor linked: moved here from elsewhere, renumbered, or edited."""
        cols = AuditEvent.__table__.c
        found = self.session.execute(
            select(cols.seq).where(cols.hash == row.prev_hash).limit(1)
        ).first()
        if found is not None:
            # It follows an event that exists, but not the one before it: order changed.
            return _REORDERED
        for offset in range(1, _RENUMBER_WINDOW + 1):
            if event_hash(row, seq=expected + offset) == row.hash:
                return _MISSING  # events deleted here and the later ones renumbered
        return _EDITED


def verify(
    session: Session,
    batch_size: int = 5000,
    progress: Callable[[int], Any] | None = None,
) -> VerifyResult:
    """Walk the whole chain and name the first edited, deleted or reordered event.

    Memory is bounded by `batch_size`. Events appended while the walk runs are included: the
    head is re-read at the end and the walk resumes until it has caught up with it.
    `progress(n)` is called after each batch with the number of events just checked.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    walker = _Walker(session, batch_size, progress)
    head_was_ahead = False
    try:
        while True:
            checked = walker.walk()
            head = session.execute(
                select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
            ).first()
            if head is None:
                if walker.last_seq == 0:
                    return VerifyResult(True, 0, head_hash=GENESIS_HASH)
                raise _Broken(walker.last_seq + 1, "chain head missing (deleted)")
            if head.seq == walker.last_seq:
                if head.hash != walker.last_hash:
                    raise _Broken(walker.last_seq, "does not match the chain head (edited)")
                return VerifyResult(True, walker.last_seq, head_hash=walker.last_hash)
            if head.seq < walker.last_seq:
                raise _Broken(head.seq + 1, "beyond the chain head (inserted)")
            # The head is ahead: either events committed meanwhile or the last ones deleted.
            if head_was_ahead and checked == 0:
                raise _Broken(walker.last_seq + 1, _MISSING)
            head_was_ahead = True
    except _Broken as broken:
        sep = " " if broken.problem == _MISSING else ": "
        return VerifyResult(
            ok=False,
            count=broken.seq - 1,
            first_bad_seq=broken.seq,
            reason=f"event {broken.seq}{sep}{broken.problem}",
            problem=broken.problem,
        )
