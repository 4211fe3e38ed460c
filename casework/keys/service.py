"""Data-key life cycle: create, unwrap (once per session), rotate under a new KEK, shred; and the
blind-index entries that go with each subject."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Engine, Select, delete, event, exists, func, or_, select, text
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, object_session

from casework.crypto import (
    BINDING,
    BlindIndexer,
    FileKeyProvider,
    KeyBinding,
    KeyProvider,
    Keyring,
    UnknownKeyVersion,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from casework.crypto.terms import description_terms
from casework.db import utcnow
from casework.keys.models import BlindIndexEntry, DataKey

_CACHE_ATTR = "_casework_plain_dek"


class ShreddedKey(Exception):
    """The subject's data key was destroyed: its personal fields can no longer be read."""


class KeyringHolder:
    """The process's keyring; reloads when the key file changes (after `keys rotate`), so a
    running service can unwrap data keys re-wrapped under a KEK it has not seen yet."""

    def __init__(self, provider: KeyProvider, check_every: float = 2.0):
        self.provider = provider
        self.check_every = check_every
        self._lock = threading.Lock()
        self._keyring = provider.load()
        self._stamp = self._file_stamp()
        self._checked = time.monotonic()

    def _file_stamp(self) -> float | None:
        path = getattr(self.provider, "path", None)
        try:
            return os.stat(path).st_mtime_ns if path else None
        except OSError:
            return None

    def get(self) -> Keyring:
        now = time.monotonic()
        if now - self._checked >= self.check_every:
            with self._lock:
                self._checked = now
                stamp = self._file_stamp()
                if stamp != self._stamp:
                    self._keyring, self._stamp = self.provider.load(), stamp
        return self._keyring

    def reload(self) -> Keyring:
        with self._lock:
            self._keyring, self._stamp = self.provider.load(), self._file_stamp()
            self._checked = time.monotonic()
        return self._keyring


def holder_for_file(path: str) -> KeyringHolder:
    return KeyringHolder(FileKeyProvider(path))


def _holder(session: Session) -> KeyringHolder:
    return session.info["keyring_holder"]


def indexer(session: Session) -> BlindIndexer:
    return session.info["indexer"]


# Index entries each record adds to a field's index, where it is more than one: a name has
# about three parts, each with about eight forms (spellings, transliterations, skeletons,
# Metaphone keys and fuzzy skeleton keys; see casework.crypto.names), measured on real names.
ENTRIES_PER_RECORD = {"cases.name": 24, "remains.name": 24, "physical.terms": 10}

#: Blind-index field of the terms of marks, clothing and effects. Cases and remains index theirs
#: under this one field (one HMAC key), so their shared terms can be counted token to token.
DESCRIPTION_TERMS = "physical.terms"


def make_indexer(index_key: bytes, planned_rows: int) -> BlindIndexer:
    """The instance's blind indexer, each field sized for `planned_rows` records."""
    return BlindIndexer(
        index_key,
        planned_rows,
        planned_rows_by_field={f: planned_rows * n for f, n in ENTRIES_PER_RECORD.items()},
    )


# --- data keys ----------------------------------------------------------------------------


def binding_of(key: DataKey, binding: int | None = None) -> KeyBinding:
    """What the wrapped key is bound to: its id, its subject's kind and owning organisation."""
    return KeyBinding(
        subject_id=key.id.hex,
        subject_kind=key.subject_type,
        organisation_id=key.organisation_id.hex if key.organisation_id else None,
        binding=binding if binding is not None else (key.binding or BINDING),
    )


def create_data_key(
    session: Session, subject_type: str, organisation_id: uuid.UUID | None = None
) -> DataKey:
    """A fresh DEK for a new data subject owned by `organisation_id`, wrapped under the current
    KEK and bound to its id, kind and organisation."""
    key = DataKey(
        id=uuid.uuid4(),
        subject_type=subject_type,
        organisation_id=organisation_id,
        binding=BINDING,
    )
    dek = new_data_key()
    key.kek_version, key.wrapped_key = wrap_data_key(_holder(session).get(), dek, binding_of(key))
    setattr(key, _CACHE_ATTR, dek)
    session.add(key)
    return key


def plaintext_key(key: DataKey) -> bytes:
    """The unwrapped DEK, unwrapped once per session (cached on the identity-mapped instance)."""
    cached = key.__dict__.get(_CACHE_ATTR)
    if cached is not None:
        return cached
    if key.wrapped_key is None or key.kek_version is None:
        raise ShreddedKey(f"data key {key.id} was shredded")
    session = object_session(key)
    if session is None:
        raise RuntimeError("data key is not attached to a session")
    holder = _holder(session)
    bound = binding_of(key)
    try:
        dek = unwrap_data_key(holder.get(), key.kek_version, key.wrapped_key, bound)
    except UnknownKeyVersion:
        # Rotated by another process since this one loaded the key file.
        dek = unwrap_data_key(holder.reload(), key.kek_version, key.wrapped_key, bound)
    setattr(key, _CACHE_ATTR, dek)
    return dek


#: Tables a shred writes: their freed pages are erased after it commits.
SHRED_TABLES = ("data_keys", "blind_index_entries")
#: `session.info` key where the page erasure after a shred's commit leaves its outcome.
ERASED_INFO = "casework.keys.erased"


def shred_data_key(session: Session, key: DataKey) -> int:
    """Destroy a DEK and every blind-index value derived from the subject; irreversible.

    Returns the number of index entries removed. The caller audits the tombstone in the same
    transaction. On SQLite the session's connection overwrites what it frees
    (`secure_delete`); once the transaction commits, the freed pages are erased from the files
    (`erase_freed_pages`: a truncating WAL checkpoint, or VACUUM on PostgreSQL). The KEK that
    wrapped the key is remembered: until `keys rotate --retire-old` destroys it, a copy of the
    wrapped key in a backup could still be opened.
    """
    secure_delete(session)
    key.shredded_kek_version = key.kek_version
    key.wrapped_key = None
    key.kek_version = None
    key.shredded_at = utcnow()
    key.__dict__.pop(_CACHE_ATTR, None)
    result = session.execute(delete(BlindIndexEntry).where(BlindIndexEntry.data_key_id == key.id))
    session.flush()
    _erase_after_commit(session)
    return result.rowcount or 0


def secure_delete(session: Session) -> None:
    """SQLite: this session's connection zeroes the content it deletes or overwrites."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete=ON"))


def _erase_after_commit(session: Session) -> None:
    if session.info.get("casework.keys.erase_pending"):
        return
    session.info["casework.keys.erase_pending"] = True
    engine = session.get_bind()

    def erase(committed: Session) -> None:
        committed.info.pop("casework.keys.erase_pending", None)
        committed.info[ERASED_INFO] = erase_freed_pages(engine)

    def forget(rolled_back: Session) -> None:
        rolled_back.info.pop("casework.keys.erase_pending", None)
        with contextlib.suppress(InvalidRequestError):
            event.remove(session, "after_commit", erase)

    event.listen(session, "after_commit", erase, once=True)
    event.listen(session, "after_soft_rollback", forget, once=True)


def erase_freed_pages(engine: Engine, tables: Iterable[str] = SHRED_TABLES) -> str:
    """Erase what committed shreds freed from the database files; returns what was done.

    SQLite: `PRAGMA wal_checkpoint(TRUNCATE)` copies every committed page into the main file
    (where `secure_delete` has zeroed the freed content) and truncates the WAL to nothing, so
    the old page versions in it are gone. It needs a moment without readers: it waits up to
    two seconds, then reports `busy` (the next checkpoint finishes the job). PostgreSQL: a
    `VACUUM` of the tables touched, outside any transaction, removes the dead row versions.
    Never raises: the shred itself is already committed.
    """
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                cur = raw.cursor()
                try:
                    cur.execute("PRAGMA busy_timeout=2000")
                    busy, _, _ = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                finally:
                    cur.execute("PRAGMA busy_timeout=30000")
                    cur.close()
            return "WAL checkpoint busy; run again" if busy else "WAL checkpointed and truncated"
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in tables:
                    conn.execute(text(f'VACUUM "{table}"'))
            return "VACUUM " + ", ".join(tables)
        return "no page erasure for this database"
    except Exception as exc:  # noqa: BLE001 - reported to the operator, never fatal
        return f"page erasure failed ({type(exc).__name__})"


def rotation_due(session: Session, keyring: Keyring) -> int:
    """Shredded keys whose wrapping KEK (or an older one) is still in the key file.

    Non-zero means a copy of such a wrapped key in the WAL, dead rows or a backup can still be
    opened: `keys rotate --retire-old` closes that window.
    """
    oldest = min(keyring.keks)
    stmt = select(func.count()).where(
        DataKey.wrapped_key.is_(None), DataKey.shredded_kek_version >= oldest
    )
    return session.scalar(stmt) or 0


def keys_to_bind(session: Session) -> int:
    """Live data keys still wrapped with the legacy binding (subject id only)."""
    stmt = select(func.count()).where(DataKey.wrapped_key.is_not(None), DataKey.binding != BINDING)
    return session.scalar(stmt) or 0


def keys_by_version(session: Session) -> dict[int | None, int]:
    stmt = select(DataKey.kek_version, func.count()).group_by(DataKey.kek_version)
    return {version: count for version, count in session.execute(stmt)}


def rotate_data_keys(
    new_session: Callable[[], Session],
    keyring: Keyring,
    batch_size: int = 500,
    progress: Callable[[int], Any] | None = None,
) -> int:
    """Re-wrap every live DEK not yet under the keyring's current KEK, or still under the
    legacy binding, in committed batches; each is re-wrapped bound to its id, kind and
    organisation.

    Online and resumable: each batch is its own short transaction, and a re-run picks up
    whatever is still under an older version (including keys created meanwhile). On SQLite the
    old wrapped values are overwritten, not left in free space (`secure_delete`).
    """
    current, _ = keyring.current_kek()
    done = 0
    last_id: uuid.UUID | None = None
    while True:
        with new_session() as session:
            secure_delete(session)
            stmt = (
                select(DataKey).where(_needs_rewrap(current)).order_by(DataKey.id).limit(batch_size)
            )
            if last_id is not None:
                stmt = stmt.where(DataKey.id > last_id)
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            batch = list(session.scalars(stmt))
            if not batch:
                session.commit()
                break
            now = utcnow()
            for key in batch:
                assert key.wrapped_key is not None and key.kek_version is not None
                dek = unwrap_data_key(keyring, key.kek_version, key.wrapped_key, binding_of(key))
                key.kek_version, key.wrapped_key = wrap_data_key(
                    keyring, dek, binding_of(key, BINDING)
                )
                key.binding = BINDING
                key.rotated_at = now
            last_id = batch[-1].id
            session.commit()
        done += len(batch)
        if progress:
            progress(len(batch))
    return done


def _needs_rewrap(current_version: int) -> Any:
    return DataKey.wrapped_key.is_not(None) & or_(
        DataKey.kek_version != current_version, DataKey.binding != BINDING
    )


def count_to_rotate(session: Session, current_version: int) -> int:
    stmt = select(func.count()).where(_needs_rewrap(current_version))
    return session.scalar(stmt) or 0


# --- blind indexes ------------------------------------------------------------------------


def set_index(
    session: Session, owner_id: uuid.UUID, key: DataKey, field: str, tokens: Iterable[int]
) -> None:
    """Replace the index tokens of one record's field."""
    if key in session.new:
        # The entries reference the key by id only: the key row must exist first.
        session.flush()
    session.execute(
        delete(BlindIndexEntry).where(
            BlindIndexEntry.owner_id == owner_id, BlindIndexEntry.field == field
        )
    )
    for token in set(tokens):
        session.add(
            BlindIndexEntry(field=field, token=token, owner_id=owner_id, data_key_id=key.id)
        )


def description_tokens(session: Session, texts: Iterable[str | None]) -> set[int]:
    """Blind-index tokens of the descriptive terms of marks, clothing and effects."""
    index = indexer(session)
    return {index.token(DESCRIPTION_TERMS, "t:" + t) for t in description_terms(texts)}


def set_description_terms(
    session: Session, owner_id: uuid.UUID, key: DataKey, texts: Iterable[str | None]
) -> None:
    """Replace the description-term tokens of one record (a case or remains)."""
    set_index(session, owner_id, key, DESCRIPTION_TERMS, description_tokens(session, texts))


def owners_matching(field: str, token_sets: list[set[int]]) -> list[Any]:
    """Conditions on an owner id column: one sub-select per set, every set must match.

    Use as `stmt.where(*[Model.id.in_(sub) for sub in owners_matching(...)])`.
    """
    return [
        select(BlindIndexEntry.owner_id).where(
            BlindIndexEntry.field == field, BlindIndexEntry.token.in_(sorted(tokens))
        )
        for tokens in token_sets
    ]


def owners_matching_enough(
    session: Session,
    field: str,
    token_sets: list[set[int]],
    allowed: Select[Any],
    limit: int,
    need: int,
) -> list[uuid.UUID]:
    """Ids of owners matching at least `need` of the token sets, highest id first.

    `need` equal to the number of sets is `newest_owners`; one less (a query with a part the
    record lacks, such as a middle name) walks each set of all-but-one parts and merges.
    """
    if need >= len(token_sets):
        return newest_owners(session, field, token_sets, allowed, limit)
    found: set[uuid.UUID] = set()
    for left_out in range(len(token_sets)):
        subset = token_sets[:left_out] + token_sets[left_out + 1 :]
        found.update(newest_owners(session, field, subset, allowed, limit))
    return sorted(found, reverse=True)[:limit]


def strongest_first(
    session: Session, field: str, token_sets: list[set[int]], owner_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """`owner_ids` ordered by how many of the query's tokens each one shares (ties newest
    first): a part written the same way shares its spelling, transliteration, skeleton and
    phonetic tokens, a far variant only a fuzzy one. The index ranks before anything is
    decrypted, so a page can be filled with the strongest candidates of a common name."""
    if not owner_ids:
        return []
    tokens = sorted(set().union(*token_sets))
    rows = session.execute(
        select(BlindIndexEntry.owner_id, func.count())
        .where(
            BlindIndexEntry.field == field,
            BlindIndexEntry.owner_id.in_(owner_ids),
            BlindIndexEntry.token.in_(tokens),
        )
        .group_by(BlindIndexEntry.owner_id)
    )
    counts: dict[uuid.UUID, int] = {owner: count for owner, count in rows}
    return sorted(owner_ids, key=lambda o: (counts.get(o, 0), o), reverse=True)


def newest_owners(
    session: Session,
    field: str,
    token_sets: list[set[int]],
    allowed: Select[Any],
    limit: int,
) -> list[uuid.UUID]:
    """Ids of owners matching every token set and in `allowed`, highest id first, at most `limit`.

    With time-ordered ids (UUIDv7) highest first is newest first. `allowed` is a select of
    permitted owner ids (organisation and filters). Two plans, chosen by the query's shape:

    - one part (a single, often common, name): one statement per token walks that token's
      index range backwards and stops at `limit`, probing each owner by primary key; the
      walks are merged here. The cost follows `limit`, not the name's frequency.
    - several parts: the parts' entries are intersected by hashing (each part's entries are
      few once names are combined), then probed by primary key and sorted.
    """
    owner_id = allowed.selected_columns[0]
    if len(token_sets) == 1:
        permitted = exists(allowed.where(owner_id == BlindIndexEntry.owner_id))
        walks = [
            session.scalars(
                select(BlindIndexEntry.owner_id)
                .where(BlindIndexEntry.field == field, BlindIndexEntry.token == token, permitted)
                .order_by(BlindIndexEntry.owner_id.desc())
                .limit(limit)
            ).all()
            for token in sorted(token_sets[0])
        ]
        return sorted({owner for walk in walks for owner in walk}, reverse=True)[:limit]
    first, rest = token_sets[0], token_sets[1:]
    stmt = select(BlindIndexEntry.owner_id).where(
        BlindIndexEntry.field == field, BlindIndexEntry.token.in_(sorted(first))
    )
    for sub in owners_matching(field, rest):
        stmt = stmt.where(BlindIndexEntry.owner_id.in_(sub))
    matching = stmt.distinct().subquery()
    ids = (
        select(matching.c.owner_id)
        .where(exists(allowed.where(owner_id == matching.c.owner_id)))
        .order_by(matching.c.owner_id.desc())
        .limit(limit)
    )
    return list(session.scalars(ids))
