"""The keys layer on its own, through a test-only model: encrypted fields never reach the database
in clear, ciphertexts are bound to their row and column, data keys rotate and shred."""

from __future__ import annotations

import logging
import uuid
from typing import ClassVar

import pytest
from sqlalchemy import LargeBinary, String, Uuid, func, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from casework.categories import Category
from casework.crypto import DecryptionError, FileKeyProvider, add_kek_version
from casework.db import Base
from casework.keys import (
    BlindIndexEntry,
    DataKey,
    Encrypted,
    EncryptedMixin,
    create_data_key,
    indexer,
    owners_matching,
    set_index,
)
from casework.keys.service import count_to_rotate, rotate_data_keys
from tests.helpers import is_postgres, raw_database_dump


class Specimen(EncryptedMixin, Base):
    """A stand-in for a domain record with personal fields."""

    __tablename__ = "test_specimens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    label: Mapped[str] = mapped_column(String(40), default="")
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    notes_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    __categories__: ClassVar[dict[str, Category]] = {
        "name": Category.identity,
        "notes": Category.circumstances,
    }
    name = Encrypted("name_enc")
    notes = Encrypted("notes_enc", kind="json")


# The table exists only for these tests: keep it out of the schema the migrations must match.
Base.metadata.remove(Specimen.__table__)

CANARY_NAME = "Zebulon Quixotic-Canary"
CANARY_NOTE = "canary-note-7f3a9 tattoo of a heron"


@pytest.fixture
def specimens(app, database):
    Specimen.__table__.create(database.engine, checkfirst=True)
    yield
    with database.engine.begin() as conn:
        conn.execute(Specimen.__table__.delete())


def add_specimen(session, name, notes=None, label=""):
    key = create_data_key(session, "test")
    spec = Specimen(label=label, data_key=key)
    spec.name = name
    spec.notes = notes
    session.add(spec)
    ix = indexer(session)
    set_index(session, spec.id, key, "test.name", ix.name_tokens("test.name", name))
    session.flush()
    return spec


def test_fields_round_trip_and_are_never_stored_in_clear(specimens, database, caplog):
    caplog.set_level(logging.DEBUG)
    with database.session() as s:
        spec_id = add_specimen(s, CANARY_NAME, {"text": CANARY_NOTE}).id
    with database.session() as s:
        spec = s.get(Specimen, spec_id)
        assert spec.name == CANARY_NAME
        assert spec.notes == {"text": CANARY_NOTE}
    dump = raw_database_dump(database)
    for canary in (CANARY_NAME, "Quixotic", CANARY_NOTE, "heron"):
        assert canary.encode() not in dump, canary
        assert canary.casefold().encode() not in dump, canary
    assert all(CANARY_NAME not in r.getMessage() for r in caplog.records)


def test_ciphertext_moved_to_another_row_or_column_fails(specimens, database):
    with database.session() as s:
        a = add_specimen(s, "Ana Pérez", {"text": "a"})
        b = add_specimen(s, "Berta Ruiz", {"text": "b"})
        a_id, b_id = a.id, b.id
        a_name_env = a.name_enc
    with database.session() as s:
        # Same key, other column: the associated data names the column.
        s.execute(update(Specimen).where(Specimen.id == a_id).values(notes_enc=a_name_env))
        # Other row (and other key).
        s.execute(update(Specimen).where(Specimen.id == b_id).values(name_enc=a_name_env))
    with database.session() as s:
        with pytest.raises(DecryptionError):
            _ = s.get(Specimen, a_id).notes
        with pytest.raises(DecryptionError):
            _ = s.get(Specimen, b_id).name
        assert s.get(Specimen, a_id).name == "Ana Pérez"


def test_same_key_other_row_fails(specimens, database):
    with database.session() as s:
        key = create_data_key(s, "test")
        one = Specimen(data_key=key)
        one.name = "Row One"
        two = Specimen(data_key=key)
        two.name = "Row Two"
        s.add_all([one, two])
        s.flush()
        one_id, two_id, env = one.id, two.id, one.name_enc
    with database.session() as s:
        s.execute(update(Specimen).where(Specimen.id == two_id).values(name_enc=env))
    with database.session() as s:
        assert s.get(Specimen, one_id).name == "Row One"
        with pytest.raises(DecryptionError):
            _ = s.get(Specimen, two_id).name


def test_data_key_is_unwrapped_once_per_session(specimens, database, monkeypatch):
    from casework.keys import service

    with database.session() as s:
        for i in range(5):
            add_specimen(s, f"Person {i}", label="batch")
    calls = []
    real = service.unwrap_data_key
    monkeypatch.setattr(
        service, "unwrap_data_key", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    with database.session() as s:
        rows = s.scalars(select(Specimen).where(Specimen.label == "batch")).all()
        for _ in range(3):
            for row in rows:
                assert row.name.startswith("Person")
    assert len(calls) == 5  # one per subject, not one per field read


def test_name_index_finds_variants_and_rechecks(specimens, database):
    from casework.crypto import recheck_name

    with database.session() as s:
        for name in ("José González", "Muhammad Ali", "محمد حسن", "Юсуф Петров", "Fatima Ruiz"):
            add_specimen(s, name)
    with database.session() as s:
        ix = indexer(s)

        def search(q):
            subs = owners_matching("test.name", ix.query_name_tokens("test.name", q))
            rows = s.scalars(select(Specimen).where(*[Specimen.id.in_(x) for x in subs])).all()
            return sorted(r.name for r in rows if recheck_name(q, r.name))

        assert search("Gonzalez") == ["José González"]
        assert search("Mohamed") == ["Muhammad Ali", "محمد حسن"]
        assert search("Yusuf") == ["Юсуф Петров"]
        assert search("Fatima Gonzalez") == []


def test_rotation_rewraps_mixed_versions_and_everything_still_decrypts(
    specimens, database, settings, cli
):
    path = settings.keyring_file
    holder = database.info["keyring_holder"]
    with database.session() as s:
        for i in range(4):
            add_specimen(s, f"Old {i}", {"i": i}, label="rot")
    add_kek_version(path)
    holder.reload()
    with database.session() as s:
        for i in range(3):
            add_specimen(s, f"Mid {i}", {"i": i}, label="rot")
    with database.session() as s:
        versions = set(s.scalars(select(DataKey.kek_version)))
    assert len(versions) == 2

    result = cli("keys", "rotate", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    current = FileKeyProvider(path).load().current_kek_version
    holder.reload()
    with database.session() as s:
        assert set(s.scalars(select(DataKey.kek_version))) == {current}
        names = sorted(r.name for r in s.scalars(select(Specimen).where(Specimen.label == "rot")))
    assert names == [f"Mid {i}" for i in range(3)] + [f"Old {i}" for i in range(4)]

    # The older KEKs are no longer used and can be retired.
    for old in sorted(versions):
        assert cli("keys", "retire", str(old), "--yes").exit_code == 0
    assert sorted(FileKeyProvider(path).load().keks) == [current]
    holder.reload()
    with database.session() as s:
        assert s.scalars(select(Specimen).where(Specimen.label == "rot")).first().name


def test_rotation_is_resumable(specimens, database, settings):
    with database.session() as s:
        for i in range(5):
            add_specimen(s, f"R {i}")
    add_kek_version(settings.keyring_file)
    keyring = FileKeyProvider(settings.keyring_file).load()
    calls = []

    def stop_after_first_batch(n):
        calls.append(n)
        if len(calls) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate_data_keys(database.new_session, keyring, 2, progress=stop_after_first_batch)
    with database.session() as s:
        assert count_to_rotate(s, keyring.current_kek_version) == 3
    assert rotate_data_keys(database.new_session, keyring, 2) == 3
    with database.session() as s:
        assert count_to_rotate(s, keyring.current_kek_version) == 0


def test_retire_refuses_a_kek_still_in_use(specimens, database, cli):
    with database.session() as s:
        add_specimen(s, "Still here")
        version = s.scalar(select(DataKey.kek_version))
    result = cli("keys", "retire", str(version), "--yes")
    assert result.exit_code == 1
    assert "still wraps data keys" in result.output


def test_shred_makes_fields_unreadable_and_clears_index(specimens, database):
    from casework.keys import shred_data_key

    with database.session() as s:
        spec = add_specimen(s, "Shred Me", {"t": "x"})
        keep = add_specimen(s, "Keep Me")
        spec_id, keep_id, key_id = spec.id, keep.id, spec.data_key_id
    with database.session() as s:
        assert shred_data_key(s, s.get(DataKey, key_id)) > 0
    with database.session() as s:
        gone = s.get(Specimen, spec_id)
        assert gone.is_shredded and gone.name is None and gone.notes is None
        assert gone.name_enc is not None  # the ciphertext stays, but nothing can open it
        assert s.get(Specimen, keep_id).name == "Keep Me"
        left = s.scalar(
            select(func.count())
            .select_from(BlindIndexEntry)
            .where(BlindIndexEntry.owner_id == spec_id)
        )
        assert left == 0
        assert s.get(DataKey, key_id).wrapped_key is None


@pytest.mark.skipif(not is_postgres(), reason="checks PostgreSQL column types")
def test_postgres_stores_envelopes_as_bytea(specimens, database):
    with database.engine.connect() as conn:
        kind = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name='test_specimens' AND column_name='name_enc'"
            )
        ).scalar()
    assert kind == "bytea"


def test_an_encrypted_field_takes_its_category_from_the_one_declaration():
    assert Specimen.name.category == "identity"
    assert Specimen.notes.category == "circumstances"


def test_an_encrypted_field_without_a_declared_category_is_refused():
    # Python 3.11 wraps an error raised in __set_name__ in a RuntimeError; 3.12 does not.
    with pytest.raises((TypeError, RuntimeError)) as raised:

        class Undeclared(EncryptedMixin):
            __categories__: ClassVar[dict[str, Category]] = {}
            secret = Encrypted("secret_enc")

    error = raised.value.__cause__ or raised.value
    assert isinstance(error, TypeError)
    assert "declare its category" in str(error)
