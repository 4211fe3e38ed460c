"""The audit chain: `append` (serialised through the head row) and `verify` (names the first
broken event). Pure core: no Flask, no auth, no domain imports; actors are plain values."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Row, bindparam, select, update
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
    at: dt.datetime | None = field(default=None, compare=False)


# --------------------------------------------------------------------------- keys


class AuditKeyMissing(AuditError):
    """The session carries no keyring holding the audit keys (they live in the key file)."""


@dataclass(frozen=True, eq=False)
class AuditKeys:
    """The audit HMAC key (links), the head-tag key derived from it, and the instance's
    Ed25519 key that signs the head for outside witnesses. Never printed (no repr)."""

    link_key: bytes = field(repr=False)
    head_key: bytes = field(repr=False)
    signing_seed: bytes = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return _public_key(self.signing_seed)

    def sign(self, message: bytes) -> bytes:
        return _private_key(self.signing_seed).sign(message)


@functools.lru_cache(maxsize=4)
def _derived_head_key(audit_key: bytes) -> bytes:
    # A key of its own for the head's tag, so a tag can never be taken for a link.
    return hmac.new(audit_key, b"casework audit head tag v1", hashlib.sha256).digest()


@functools.lru_cache(maxsize=4)
def _private_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


@functools.lru_cache(maxsize=4)
def _public_key(seed: bytes) -> bytes:
    return _private_key(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def keys_from(audit_key: bytes, signing_seed: bytes) -> AuditKeys:
    return AuditKeys(audit_key, _derived_head_key(audit_key), signing_seed)


def audit_keys(session: Session) -> AuditKeys:
    """The audit keys of the session's instance, from its keyring (the key file)."""
    holder = session.info.get("keyring_holder")
    keyring = holder.get() if holder is not None else None
    if keyring is None or keyring.audit_key is None or keyring.instance_signing_key is None:
        raise AuditKeyMissing(
            "the audit key is not available: the audit trail needs the instance's key file"
        )
    return keys_from(keyring.audit_key, keyring.instance_signing_key)


# --------------------------------------------------------------------------- hashing


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite hands back naive UTC through Core on some paths
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def canonical_json(event: AuditEvent | Row[Any] | Any, seq: int | None = None) -> str:
    """The event's hashed fields as key-sorted, compact JSON; `seq` overrides the stored one."""
    data = {name: _plain(getattr(event, name)) for name in HASHED_FIELDS}
    if seq is not None:
        data["seq"] = seq
    return _canonical(data)


def chain_hash(key: bytes, prev_hash: str, canonical: str) -> str | None:
    """HMAC-SHA256(audit key, previous hash's 32 bytes ‖ UTF-8 canonical JSON), hex; None for
    a malformed previous hash."""
    if not isinstance(prev_hash, str) or not _HEX64_RE.match(prev_hash):
        return None
    message = bytes.fromhex(prev_hash) + canonical.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def legacy_chain_hash(prev_hash: str, canonical: str) -> str | None:
    """The unkeyed link of chains written before the audit key: SHA-256(prev ‖ canonical).
    Only `reseal` reads it, to check an old chain before sealing it under the key."""
    if not isinstance(prev_hash, str) or not _HEX64_RE.match(prev_hash):
        return None
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical.encode("utf-8")).hexdigest()


def event_hash(
    event: AuditEvent | Row[Any] | Any, key: bytes, seq: int | None = None
) -> str | None:
    try:
        canonical = canonical_json(event, seq)
    except (TypeError, ValueError):  # a tampered JSON column may hold anything
        return None
    return chain_hash(key, event.prev_hash, canonical)


def _head_doc(seq: int, hash_: str, at: dt.datetime | None) -> str:
    return _canonical({"hash": hash_, "sequence": seq, "time": _plain(at)})


def head_tag(keys: AuditKeys, seq: int, hash_: str, at: dt.datetime | None) -> str:
    """The head's tag: HMAC under the head key over (sequence, hash, time)."""
    doc = _head_doc(seq, hash_, at).encode("utf-8")
    return hmac.new(keys.head_key, doc, hashlib.sha256).hexdigest()


_HEAD_OK, _HEAD_UNSEALED, _HEAD_FORGED = "ok", "unsealed", "forged"


def _head_state(
    keys: AuditKeys, seq: int, hash_: str, at: dt.datetime | None, tag: str | None
) -> str:
    """ok: the tag verifies (or a new, empty chain); unsealed: a chain written before the key,
    waiting for `reseal`; forged: the head was written without the key (reset, rewritten)."""
    if tag is None:
        if seq == 0 and hash_ == GENESIS_HASH:
            return _HEAD_OK
        return _HEAD_UNSEALED
    if hmac.compare_digest(tag, head_tag(keys, seq, hash_, at)):
        return _HEAD_OK
    return _HEAD_FORGED


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
    last = session.execute(
        select(cols.seq, cols.hash, cols.created_at).order_by(cols.seq.desc()).limit(1)
    ).first()
    values: dict[str, Any] = {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH}
    if last is not None:
        # Events without a head: someone deleted it. The head made here carries no valid tag,
        # so the next append records that it extended a head that was not authentic.
        log.warning("audit head row was missing; recreated after event %s", last.seq)
        values.update(seq=last.seq, hash=last.hash, at=last.created_at, tag="missing")
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


@dataclass(frozen=True)
class _Claimed:
    seq: int  # the seq claimed for the new event
    prev_hash: str
    prev_at: dt.datetime | None
    prev_tag: str | None


def _lock_head(session: Session) -> _Claimed:
    """Take the head (row lock on PostgreSQL, write lock on SQLite) and claim the next seq."""
    stmt = (
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash, AuditHead.at, AuditHead.tag)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(stmt).first()
    if row is None:
        _insert_head(session)
        row = session.execute(stmt).one()
    return _Claimed(int(row.seq), str(row.hash), row.at, row.tag)


#: The event that records, in the chain itself, that an append found the head not authentic:
#: the events after it were cut off, or the head rewritten, by someone without the audit key.
HEAD_NOT_AUTHENTIC = "audit.head_not_authentic"


def _write(
    session: Session, keys: AuditKeys, claimed: _Claimed, fields: Mapping[str, Any], *, sealed: bool
) -> AuditEvent:
    """Insert the event at the claimed seq (one HMAC), move the head to it and tag the head."""
    event = AuditEvent(seq=claimed.seq, created_at=utcnow(), prev_hash=claimed.prev_hash, **fields)
    new_hash = event_hash(event, keys.link_key)
    assert new_hash is not None, "the audit head holds a malformed hash"
    event.hash = new_hash
    session.add(event)
    # A chain from before the audit key stays untagged until `reseal` seals it whole.
    tag = head_tag(keys, event.seq, new_hash, event.created_at) if sealed else None
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(hash=new_hash, at=event.created_at, tag=tag)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return event


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

    The link is one HMAC under the audit key; the head's tag two more (checking the old one,
    making the new one). A head that was not written with the key (reset to an earlier event,
    rewritten) is never silently extended: an `audit.head_not_authentic` event goes first.
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
    keys = audit_keys(session)
    # Everything above is checked before the head is locked: the lock is held until commit.
    claimed = _lock_head(session)
    state = _head_state(keys, claimed.seq - 1, claimed.prev_hash, claimed.prev_at, claimed.prev_tag)
    if state == _HEAD_FORGED:
        log.error("audit head at event %s is not authentic; recorded in the trail", claimed.seq - 1)
        marker = {
            "actor_id": None,
            "organisation_id": None,
            "role": SYSTEM.role,
            "action": HEAD_NOT_AUTHENTIC,
            "object_type": "audit_head",
            "object_id": str(claimed.seq - 1),
            "case_reference": None,
            "purpose": None,
            "categories": [],
            "request_id": fields["request_id"],
            "decision": "deny",
            "details": {"head_seq": claimed.seq - 1},
        }
        _write(session, keys, claimed, marker, sealed=True)
        claimed = _lock_head(session)
    return _write(session, keys, claimed, fields, sealed=state != _HEAD_UNSEALED)


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


# --------------------------------------------------------------------------- the head


def chain_head(session: Session) -> ChainHead:
    """The head as stored: the last seq and hash (seq 0 and the genesis hash when empty)."""
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash, AuditHead.at).where(AuditHead.id == HEAD_ID)
    ).first()
    if row is None:
        return ChainHead(0, GENESIS_HASH)
    return ChainHead(int(row.seq), str(row.hash), row.at)


class HeadError(Exception):
    """The head cannot be signed or a witnessed head cannot be read (one-line reason)."""


#: What an Ed25519 head signature covers: this prefix, then the head's canonical JSON.
HEAD_SIGNATURE_CONTEXT = b"casework audit head v1\n"


@dataclass(frozen=True)
class SignedHead:
    """The head as given to an outside witness: sequence, hash and time, signed with the
    instance's Ed25519 key (whose public half travels with it)."""

    sequence: int
    hash: str
    time: dt.datetime | None
    signature: bytes
    public_key: bytes

    def message(self) -> bytes:
        return HEAD_SIGNATURE_CONTEXT + _head_doc(self.sequence, self.hash, self.time).encode()

    def signature_ok(self, public_key: bytes) -> bool:
        """Whether the signature verifies under `public_key` (the instance's own, not the one
        the document carries: a forger would bring a key of their own)."""
        if not hmac.compare_digest(self.public_key, public_key):
            return False
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(self.signature, self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "hash": self.hash,
            "time": _plain(self.time),
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
        }

    @classmethod
    def from_json(cls, doc: Any) -> SignedHead:
        """Parse a witnessed head; `HeadError` naming the first bad field."""
        if not isinstance(doc, dict):
            raise HeadError("a signed head is a JSON object")
        seq = doc.get("sequence")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise HeadError('"sequence" is not a non-negative integer')
        hash_ = doc.get("hash")
        if not isinstance(hash_, str) or not _HEX64_RE.match(hash_):
            raise HeadError('"hash" is not 64 lower-case hex digits')
        raw_time = doc.get("time")
        time: dt.datetime | None = None
        if raw_time is not None:
            try:
                time = dt.datetime.strptime(str(raw_time), "%Y-%m-%dT%H:%M:%S.%fZ")
            except ValueError:
                raise HeadError(
                    '"time" is not a UTC time such as 2026-12-02T10:00:00.000000Z'
                ) from None
            time = time.replace(tzinfo=dt.UTC)
        out: dict[str, bytes] = {}
        for name, size in (("signature", 64), ("public_key", 32)):
            try:
                out[name] = base64.b64decode(str(doc.get(name, "")), validate=True)
            except (binascii.Error, ValueError):
                raise HeadError(f'"{name}" is not base64') from None
            if len(out[name]) != size:
                raise HeadError(f'"{name}" is not {size} bytes')
        return cls(seq, hash_, time, out["signature"], out["public_key"])


def sign_head(session: Session) -> SignedHead:
    """Sign the stored head for a witness, once its tag shows it was written with the key and
    its event is there: a head reset by someone without the key is never signed."""
    keys = audit_keys(session)
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash, AuditHead.at, AuditHead.tag).where(
            AuditHead.id == HEAD_ID
        )
    ).first()
    if row is None:
        raise HeadError("the chain head is missing (deleted); run `casework audit verify`")
    seq, hash_ = int(row.seq), str(row.hash)
    state = _head_state(keys, seq, hash_, row.at, row.tag)
    if state == _HEAD_UNSEALED:
        raise HeadError(_UNSEALED_HINT)
    if state == _HEAD_FORGED:
        raise HeadError("the chain head is not authentic; run `casework audit verify`")
    if seq:
        cols = AuditEvent.__table__.c
        stored = session.execute(select(cols.hash).where(cols.seq == seq)).scalar()
        if stored != hash_:
            raise HeadError(
                f"event {seq} of the head is missing or changed; run `casework audit verify`"
            )
    unsigned = SignedHead(seq, hash_, row.at, b"", keys.public_key)
    return SignedHead(seq, hash_, row.at, keys.sign(unsigned.message()), keys.public_key)


# --------------------------------------------------------------------------- verify


class _Broken(Exception):
    def __init__(self, seq: int, problem: str):
        self.seq, self.problem = seq, problem


_MISSING = "missing (deleted)"
_EDITED = "hash mismatch (edited)"
_REORDERED = "out of order (swapped or reordered)"
_HEAD_FORGED_PROBLEM = "tail cut or head rewritten (the chain head is not authentic)"
_AFTER_FORGED_HEAD = "appended after a head that was not authentic (tail cut or head rewritten)"
_UNSEALED = (
    "not sealed under the audit key: if this instance was upgraded from before keyed links "
    "and never resealed, run `casework audit reseal` once; if it was sealed before, the chain "
    "was rewritten (do not reseal; check it against a witnessed head with --head)"
)
# `audit head` signs only a sealed chain: a witnessed head proves this one was sealed before.
_UNSEALED_WITNESSED = (
    "not sealed under the audit key, yet the witnessed head was signed after it was sealed "
    "(rewritten: do not reseal)"
)
_UNSEALED_HINT = (
    "the chain was written before its links were keyed; run `casework audit reseal` once"
)
_TAIL_CUT = "missing (tail cut: the witnessed head is further)"
_NOT_WITNESSED = "does not match the witnessed head (rewritten)"
_RENUMBER_WINDOW = 64


class _Walker:
    """Checks events in seq order, in keyset batches, remembering only the last hash."""

    def __init__(
        self,
        session: Session,
        key: bytes,
        batch_size: int,
        progress: Callable[[int], Any] | None,
        witnessed: SignedHead | None,
    ):
        self.session = session
        self.key = key
        self.batch_size = batch_size
        self.progress = progress
        self.witnessed = witnessed
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
        intact = event_hash(row, self.key) == row.hash
        linked = row.prev_hash == self.last_hash
        if not (intact and linked):
            self._broken(row, expected, intact, linked)
        if row.action == HEAD_NOT_AUTHENTIC and row.role == SYSTEM.role:
            raise _Broken(expected, _AFTER_FORGED_HEAD)
        w = self.witnessed
        if w is not None and row.seq == w.sequence and not hmac.compare_digest(row.hash, w.hash):
            raise _Broken(expected, _NOT_WITNESSED)

    def _broken(self, row: Row[Any], expected: int, intact: bool, linked: bool) -> None:
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
            if event_hash(row, self.key, seq=expected + offset) == row.hash:
                return _MISSING  # events deleted here and the later ones renumbered
        return _EDITED


def _read_head(session: Session) -> Row[Any] | None:
    return session.execute(
        select(AuditHead.seq, AuditHead.hash, AuditHead.at, AuditHead.tag).where(
            AuditHead.id == HEAD_ID
        )
    ).first()


def verify(
    session: Session,
    batch_size: int = 5000,
    progress: Callable[[int], Any] | None = None,
    witnessed: SignedHead | None = None,
) -> VerifyResult:
    """Walk the whole chain and name the first edited, deleted, reordered or cut-off event.

    Each link is checked under the audit key, the stored head's tag under the head key (a head
    reset to an earlier event does not verify), and, given a `witnessed` head (from `audit
    head`, kept outside), its signature under the instance's key and that the chain still holds
    its event with the same hash and extends it. Memory is bounded by `batch_size`. Events
    appended while the walk runs are included: the head is re-read at the end and the walk
    resumes until it has caught up with it. `progress(n)` is called after each batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    keys = audit_keys(session)
    try:
        if witnessed is not None and not witnessed.signature_ok(keys.public_key):
            raise _Broken(
                witnessed.sequence,
                "the witnessed head's signature does not verify (forged, or another instance's)",
            )
        first = _read_head(session)
        if (
            first is not None
            and _head_state(keys, int(first.seq), str(first.hash), first.at, first.tag)
            == _HEAD_UNSEALED
        ):
            raise _Broken(1, _UNSEALED if witnessed is None else _UNSEALED_WITNESSED)
        walker = _Walker(session, keys.link_key, batch_size, progress, witnessed)
        head_was_ahead = False
        while True:
            checked = walker.walk()
            head = _read_head(session)
            if head is None:
                if walker.last_seq == 0:
                    break
                raise _Broken(walker.last_seq + 1, "chain head missing (deleted)")
            if head.seq == walker.last_seq:
                if head.hash != walker.last_hash:
                    raise _Broken(walker.last_seq, "does not match the chain head (edited)")
                state = _head_state(keys, int(head.seq), str(head.hash), head.at, head.tag)
                if state != _HEAD_OK:
                    raise _Broken(walker.last_seq + 1, _HEAD_FORGED_PROBLEM)
                break
            if head.seq < walker.last_seq:
                raise _Broken(head.seq + 1, "beyond the chain head (inserted)")
            # The head is ahead: either events committed meanwhile or the last ones deleted.
            if head_was_ahead and checked == 0:
                raise _Broken(walker.last_seq + 1, _MISSING)
            head_was_ahead = True
        if witnessed is not None and witnessed.sequence > walker.last_seq:
            raise _Broken(walker.last_seq + 1, _TAIL_CUT)
        return VerifyResult(True, walker.last_seq, head_hash=walker.last_hash)
    except _Broken as broken:
        sep = " " if broken.problem in (_MISSING, _TAIL_CUT) else ": "
        return VerifyResult(
            ok=False,
            count=broken.seq - 1,
            first_bad_seq=broken.seq,
            reason=f"event {broken.seq}{sep}{broken.problem}",
            problem=broken.problem,
        )


# --------------------------------------------------------------------------- reseal


class ResealRefused(Exception):
    """`reseal` found nothing to do or a chain it must not seal (one-line reason)."""


def reseal(
    session: Session, batch_size: int = 5000, progress: Callable[[int], Any] | None = None
) -> int:
    """Seal a chain written before the audit key: check every old link (plain SHA-256, or the
    keyed links appended since the upgrade) and recompute them all under the audit key, then
    tag the head and record `audit.resealed`. One transaction, the head locked throughout.

    Refuses a chain that is already sealed (its head has a tag: resealing would accept any
    rewrite made since), one that is empty, and one whose old links are broken (sealing it
    would hide the break), naming the event. Returns the number of events resealed.
    """
    keys = audit_keys(session)
    head = session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(seq=AuditHead.seq)  # takes the head's lock: no append runs meanwhile
        .returning(AuditHead.seq, AuditHead.hash, AuditHead.at, AuditHead.tag)
        .execution_options(synchronize_session=False)
    ).first()
    if head is None:
        if session.execute(select(AuditEvent.seq).limit(1)).first() is None:
            raise ResealRefused("the audit trail is empty; nothing to reseal")
        raise ResealRefused("the chain head is missing; nothing was resealed")
    state = _head_state(keys, int(head.seq), str(head.hash), head.at, head.tag)
    if state != _HEAD_UNSEALED:
        if int(head.seq) == 0:
            raise ResealRefused("the audit trail is empty; nothing to reseal")
        raise ResealRefused("the chain is already sealed under the audit key; nothing was changed")
    table = AuditEvent.__table__
    cols = table.c
    write = (
        update(table)
        .where(cols.id == bindparam("b_id"))
        .values(prev_hash=bindparam("b_prev"), hash=bindparam("b_hash"))
    )
    old_prev, new_prev, last_seq, last_at = GENESIS_HASH, GENESIS_HASH, 0, None
    while True:
        rows = session.execute(
            select(cols.id, *[cols[name] for name in (*HASHED_FIELDS, "prev_hash", "hash")])
            .where(cols.seq > last_seq)
            .order_by(cols.seq)
            .limit(batch_size)
        ).all()
        changes = []
        for row in rows:
            seq = last_seq + 1
            if row.seq != seq or row.prev_hash != old_prev:
                raise ResealRefused(f"event {seq} is missing or out of order; nothing was resealed")
            try:
                canonical = canonical_json(row)
            except (TypeError, ValueError):
                canonical = ""
            if row.hash not in (
                legacy_chain_hash(old_prev, canonical),
                chain_hash(keys.link_key, old_prev, canonical),
            ):
                raise ResealRefused(f"event {seq} was edited; nothing was resealed")
            new_hash = chain_hash(keys.link_key, new_prev, canonical)
            changes.append({"b_id": row.id, "b_prev": new_prev, "b_hash": new_hash})
            old_prev, new_prev, last_seq, last_at = row.hash, new_hash, seq, row.created_at
        if changes:
            session.execute(write, changes, execution_options={"synchronize_session": False})
            if progress is not None:
                progress(len(changes))
        if len(rows) < batch_size:
            break
    if last_seq != head.seq or old_prev != head.hash:
        raise ResealRefused(
            f"the chain ends at event {last_seq} but its head names event {head.seq}; "
            "nothing was resealed"
        )
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(hash=new_prev, at=last_at, tag=head_tag(keys, last_seq, new_prev, last_at))
        .execution_options(synchronize_session=False)
    )
    append(
        session,
        SYSTEM,
        "audit.resealed",
        object_type="audit_events",
        details={"count": last_seq},
    )
    return last_seq
