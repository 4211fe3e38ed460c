"""Crypto-shredding that erases (issue 11, findings 2, 3, 9 and the tombstone of 10).

- after `keys shred` and `keys rotate --retire-old`, no copy of the old wrapped data key, in the
  raw SQLite file, its WAL or a backup taken before the shred, opens with any KEK of the key file;
- shredding a case shreds its relatives after one confirmation listing them; the hotline look-up
  no longer finds them; the tombstones belong to the case's organisation (its auditor sees them);
- a shredded case refuses new relatives, DNA references and notifications (409 case_shredded);
- a case moved to another organisation in the database does not decrypt there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text, update

from casework import create_app, migrate
from casework.auth import operations as auth_ops
from casework.auth.models import User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.cases.models import Case
from casework.crypto import (
    DecryptionError,
    FileKeyProvider,
    KeyBinding,
    KeyringError,
    add_kek_version,
    generate_keyring_file,
    retire_older_keks,
    unwrap_with_kek,
    wrap_data_key,
)
from casework.db import Database
from casework.families import operations as family_ops
from casework.families.models import Relative
from casework.keys import BlindIndexEntry, DataKey
from casework.keys.service import plaintext_key
from casework.settings import Settings
from tests.helpers import PASSWORD, is_postgres

CANARY_GIVEN = "Quiriaco-Canary"
CANARY_FAMILY = "Zapateiro-Canary"
MOTHER_PHONE = "+503 7123 4567"
BROTHER_PHONE = "+503 7654 3210"


def relative_body(name: str, phone: str, **more) -> dict:
    return {"full_name": name, "relationship": "mother", "phone": phone, **more}


def case_body() -> dict:
    return {"given_names": CANARY_GIVEN, "family_names": CANARY_FAMILY, "sex": "male"}


def _key_of(database, model, **where):
    with database.session() as s:
        row = s.scalars(select(model).filter_by(**where)).one()
        return row.data_key_id


def _index_entries(database, key_ids) -> int:
    with database.session() as s:
        return s.scalar(
            select(func.count())
            .select_from(BlindIndexEntry)
            .where(BlindIndexEntry.data_key_id.in_(list(key_ids)))
        )


# --- finding 3: relatives go with their case --------------------------------------------------


def test_shredding_a_case_shreds_its_relatives_after_one_confirmation(api, cli, database, make_org):
    focal, liaison = api("focal_point"), api("family_liaison")
    ref = focal.post("/cases", json=case_body()).json["reference"]
    mother = liaison.post(
        f"/cases/{ref}/relatives",
        json=relative_body("Canary Mother", MOTHER_PHONE, is_reporting_person=True),
    ).json
    brother = liaison.post(
        f"/cases/{ref}/relatives", json=relative_body("Canary Brother", BROTHER_PHONE)
    ).json
    assert liaison.get("/relatives", query_string={"phone": MOTHER_PHONE}).json["total"] == 1
    keys = [
        _key_of(database, Case, reference=ref),
        _key_of(database, Relative, id=uuid.UUID(mother["id"])),
        _key_of(database, Relative, id=uuid.UUID(brother["id"])),
    ]
    assert _index_entries(database, keys[1:]) > 0

    declined = cli("keys", "shred", ref, input="n\n")
    assert declined.exit_code != 0
    # One confirmation, naming the case and each relative (by id, never by name).
    assert declined.output.count("[y/N]") == 1
    assert ref in declined.output
    assert mother["id"] in declined.output and brother["id"] in declined.output
    assert "Canary" not in declined.output
    assert liaison.get(f"/relatives/{mother['id']}").json["full_name"] == "Canary Mother"

    done = cli("keys", "shred", ref, input="y\n")
    assert done.exit_code == 0, done.output
    assert done.output.count("[y/N]") == 1
    assert "rotate --retire-old" in done.output  # the KEK that wrapped them is still there
    # The freed pages were erased after the commit (a WAL checkpoint, or VACUUM on PostgreSQL).
    assert "Freed pages:" in done.output and "failed" not in done.output

    for rel in (mother, brother):
        body = liaison.get(f"/relatives/{rel['id']}").json
        assert body["full_name"] is None and body["phone"] is None
    for phone in (MOTHER_PHONE, BROTHER_PHONE):
        assert liaison.get("/relatives", query_string={"phone": phone}).json["total"] == 0
    assert _index_entries(database, keys) == 0
    with database.session() as s:
        rows = s.scalars(select(DataKey).where(DataKey.id.in_(keys))).all()
        assert len(rows) == 3
        assert all(r.wrapped_key is None and r.kek_version is None for r in rows)
        assert all(r.shredded_kek_version is not None for r in rows)

    # Finding 10: each tombstone belongs to the case's organisation, so its auditor sees it.
    auditor = api("auditor")
    items = auditor.get("/audit/events", query_string={"action": "keys.shred"}).json["items"]
    assert {(e["object_type"], e["object_id"]) for e in items} == {
        ("case", ref),
        ("relative", mother["id"]),
        ("relative", brother["id"]),
    }
    erased = auditor.get("/audit/events", query_string={"action": "relative.erase"}).json
    assert erased["total"] == 2
    stranger = api("auditor", organisation=make_org("GT"))
    assert stranger.get("/audit/events", query_string={"action": "keys.shred"}).json["total"] == 0


def test_shred_relative_alone_keeps_the_case(api, cli):
    focal, liaison = api("focal_point"), api("family_liaison")
    ref = focal.post("/cases", json=case_body()).json["reference"]
    mother = liaison.post(
        f"/cases/{ref}/relatives", json=relative_body("Canary Mother", MOTHER_PHONE)
    ).json
    result = cli("keys", "shred-relative", mother["id"], "--yes")
    assert result.exit_code == 0, result.output
    assert liaison.get(f"/relatives/{mother['id']}").json["full_name"] is None
    assert focal.get(f"/cases/{ref}").json["given_names"] == CANARY_GIVEN
    again = cli("keys", "shred-relative", mother["id"], "--yes")
    assert again.exit_code != 0 and "already" in again.output


def test_a_shredded_case_refuses_new_relatives_dna_references_and_notifications(api, cli):
    focal, liaison, admin = api("focal_point"), api("family_liaison"), api("admin")
    ref = focal.post("/cases", json=case_body()).json["reference"]
    mother = liaison.post(
        f"/cases/{ref}/relatives", json=relative_body("Canary Mother", MOTHER_PHONE)
    ).json
    bank = admin.post(
        "/dna-databases",
        json={"name": "Banco", "institution": "Inst", "country": "SV", "kind": "forensic_lab"},
    )
    assert bank.status_code == 201, bank.json
    assert cli("keys", "shred", ref, "--yes").exit_code == 0

    refused = [
        liaison.post(f"/cases/{ref}/relatives", json=relative_body("Late", BROTHER_PHONE)),
        focal.post(
            f"/cases/{ref}/dna-references",
            json={
                "database_id": bank.json["id"],
                "sample_id": "EFF-77",
                "sample_kind": "personal_effect",
            },
        ),
        liaison.post(
            f"/cases/{ref}/notifications",
            json={
                "relative_id": mother["id"],
                "kind": "progress_update",
                "planned_date": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
            },
        ),
    ]
    for resp in refused:
        assert resp.status_code == 409, resp.json
        assert resp.json["error"]["code"] == "case_shredded"
    assert liaison.get(f"/cases/{ref}/relatives").json["total"] == 1


# --- finding 9: the organisation is bound --------------------------------------------------------


def test_a_case_moved_to_another_organisation_does_not_decrypt_there(api, database, make_org, org):
    focal, liaison = api("focal_point"), api("family_liaison")
    ref = focal.post("/cases", json=case_body()).json["reference"]
    rel = liaison.post(
        f"/cases/{ref}/relatives", json=relative_body("Canary Mother", MOTHER_PHONE)
    ).json
    other = make_org("GT")
    thief = api("focal_point", organisation=other)
    case_key = _key_of(database, Case, reference=ref)
    rel_key = _key_of(database, Relative, id=uuid.UUID(rel["id"]))

    # The attacker writes the database: the case and its data key rows now name the other
    # organisation (the relative's key row too).
    with database.session() as s:
        s.execute(update(Case).where(Case.reference == ref).values(organisation_id=other.id))
        s.execute(
            update(DataKey)
            .where(DataKey.id.in_([case_key, rel_key]))
            .values(organisation_id=other.id)
        )
    with database.session() as s:
        case = s.scalars(select(Case).where(Case.reference == ref)).one()
        with pytest.raises(DecryptionError):
            _ = case.given_names
        relative = s.get(Relative, uuid.UUID(rel["id"]))
        with pytest.raises(DecryptionError):
            _ = relative.full_name
    resp = thief.get(f"/cases/{ref}")
    assert CANARY_GIVEN not in resp.get_data(as_text=True)

    # The case row moved, its key row left alone: the record no longer matches its key.
    with database.session() as s:
        s.execute(update(DataKey).where(DataKey.id == case_key).values(organisation_id=org.id))
    with database.session() as s:
        case = s.scalars(select(Case).where(Case.reference == ref)).one()
        with pytest.raises(DecryptionError):
            _ = case.given_names
    # Moved back entirely, it reads again (the test above failed for the right reason).
    with database.session() as s:
        s.execute(update(Case).where(Case.reference == ref).values(organisation_id=org.id))
    assert focal.get(f"/cases/{ref}").json["given_names"] == CANARY_GIVEN


def test_the_subject_kind_is_bound(api, database):
    focal = api("focal_point")
    ref = focal.post("/cases", json=case_body()).json["reference"]
    key = _key_of(database, Case, reference=ref)
    with database.session() as s:
        s.execute(update(DataKey).where(DataKey.id == key).values(subject_type="remains"))
    with database.session() as s:
        case = s.scalars(select(Case).where(Case.reference == ref)).one()
        with pytest.raises(DecryptionError):
            _ = case.given_names


def test_keys_from_before_the_binding_are_rebound_by_rotate(api, cli, database, settings, org):
    """The upgrade path: a key wrapped the old way (subject id only, binding 1, as migration 0008
    leaves existing keys) reads, is listed by `keys status`, and `keys rotate --resume` re-wraps
    it bound to its organisation, after which moving it no longer works."""
    focal = api("focal_point")
    ref = focal.post("/cases", json=case_body()).json["reference"]
    key_id = _key_of(database, Case, reference=ref)
    keyring = FileKeyProvider(settings.keyring_file).load()
    with database.session() as s:
        dek = plaintext_key(s.get(DataKey, key_id))
        version, legacy = wrap_data_key(keyring, dek, key_id.hex)  # the pre-0008 form
        s.execute(
            update(DataKey)
            .where(DataKey.id == key_id)
            .values(kek_version=version, wrapped_key=legacy, binding=1)
        )
    assert focal.get(f"/cases/{ref}").json["given_names"] == CANARY_GIVEN
    assert "not yet bound" in cli("keys", "status").output

    result = cli("keys", "rotate", "--resume")
    assert result.exit_code == 0, result.output
    with database.session() as s:
        row = s.get(DataKey, key_id)
        assert row.binding == 2 and row.wrapped_key != legacy
        assert row.organisation_id == org.id
    assert "not yet bound" not in cli("keys", "status").output
    assert focal.get(f"/cases/{ref}").json["given_names"] == CANARY_GIVEN
    with database.session() as s:
        s.execute(update(DataKey).where(DataKey.id == key_id).values(organisation_id=uuid.uuid4()))
    with database.session() as s, pytest.raises(DecryptionError):
        _ = s.scalars(select(Case).where(Case.reference == ref)).one().given_names


# --- KEK retirement -------------------------------------------------------------------------------


def test_retire_older_keks_keeps_only_the_current_one(tmp_path):
    path = tmp_path / "keyring.json"
    first = generate_keyring_file(path)
    add_kek_version(path)
    current = add_kek_version(path)
    before = json.loads(path.read_text())
    with pytest.raises(KeyringError):
        retire_older_keks(path, current - 1)  # not the current version: refused
    assert retire_older_keks(path, current) == [1, 2]
    after = json.loads(path.read_text())
    assert list(after["keks"]) == [str(current)] and after["current_kek"] == current
    assert after["keks"][str(current)] == before["keks"][str(current)]
    # Every other key is carried over unchanged.
    for name, value in before.items():
        if name != "keks":
            assert after[name] == value, name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert FileKeyProvider(path).load().index_key == first.index_key
    assert retire_older_keks(path, current) == []


# --- finding 2: nothing left that opens ---------------------------------------------------------


def _files(db_path: Path) -> dict[str, bytes]:
    out = {}
    for suffix in ("", "-wal", "-journal"):
        f = db_path.with_name(db_path.name + suffix)
        if f.exists():
            out[f.name] = f.read_bytes()
    return out


def _openers(keyring_file: str, blob: bytes, binding: KeyBinding) -> list[int]:
    """The KEK versions of the key file that open `blob` (tried with every one of them)."""
    keyring = FileKeyProvider(keyring_file).load()
    opened = []
    for version, kek in keyring.keks.items():
        try:
            unwrap_with_kek(kek, blob, binding)
        except DecryptionError:
            continue
        opened.append(version)
    return opened


@pytest.mark.skipif(is_postgres(), reason="reads SQLite's own files; PostgreSQL is VACUUMed")
def test_after_shred_and_retirement_no_copy_of_the_wrapped_key_opens(tmp_path):
    db_path = tmp_path / "shred.db"
    url = f"sqlite:///{db_path}"
    migrate.upgrade(url)
    settings = Settings(
        env="testing",
        database_url=url,
        keyring_file=str(tmp_path / "keyring.json"),
        secret_key="test-secret-key-not-for-production",
        instance_path=str(tmp_path),
        planned_rows=10_000,
        password_hash_profile="fast",
    )
    database = Database(url)

    @event.listens_for(database.engine, "connect")
    def _insecure_by_default(dbapi_conn, _record):
        # Some SQLite builds zero freed content by default, others do not: start from "not",
        # so that what the shred itself turns on is what is tested.
        dbapi_conn.execute("PRAGMA secure_delete=OFF")

    app = create_app(settings, database=database)
    try:
        _retirement_journey(app, database, settings, db_path, tmp_path)
    finally:
        database.dispose()


def _retirement_journey(app, database, settings, db_path, tmp_path):
    from click.testing import CliRunner

    from casework.cli import main
    from casework.commands import CliContext

    def cli(*args, input=None):
        return CliRunner().invoke(main, list(args), obj=CliContext(app), input=input)

    with database.session() as s:
        org = auth_ops.create_organisation(s, "Shredders", "SV", "national_authority")
        user = auth_ops.create_user(s, "focal@example.org", PASSWORD, "focal_point", org.id)
        org_id, user_id = org.id, user.id
    with database.session() as s:
        actor = Actor.for_user(s.get(User, user_id))
        doomed = case_ops.create_case(s, actor, case_body())
        mother = family_ops.create_relative(
            s, actor, doomed, relative_body("Canary Mother", MOTHER_PHONE)
        )
        kept = case_ops.create_case(s, actor, {"given_names": "Keeps-Her-Name"})
        subjects = {
            "case": (doomed.data_key_id, KeyBinding(doomed.data_key_id.hex, "case", org_id.hex)),
            "relative": (
                mother.data_key_id,
                KeyBinding(mother.data_key_id.hex, "relative", org_id.hex),
            ),
        }
        doomed_ref, kept_ref = doomed.reference, kept.reference

    def wrapped_now() -> dict[str, bytes]:
        with database.session() as s:
            return {n: s.get(DataKey, k).wrapped_key for n, (k, _) in subjects.items()}

    blobs = {n: [b] for n, b in wrapped_now().items()}  # wrapped under KEK 1
    assert cli("keys", "rotate").exit_code == 0  # KEK 2: a second copy of each wrapped key
    for n, b in wrapped_now().items():
        blobs[n].append(b)
    # A backup taken before the shred (the files as they are: main file and WAL).
    backup = tmp_path / "backup"
    backup.mkdir()
    for name in _files(db_path):
        shutil.copy(db_path.with_name(name), backup / name)
    backup_bytes = b"".join(_files(backup / db_path.name).values())
    assert any(b in backup_bytes for bs in blobs.values() for b in bs)

    shred = cli("keys", "shred", doomed_ref, "--yes")
    assert shred.exit_code == 0, shred.output
    assert "rotate --retire-old" in shred.output

    # The live files: secure_delete and the truncating checkpoint left no copy at all.
    live = _files(db_path)
    assert not live.get(db_path.name + "-wal"), "the WAL was not truncated"
    for n, bs in blobs.items():
        for b in bs:
            assert all(b not in data for data in live.values()), n
    # The window: the backup's copy still opens with a KEK of the key file.
    latest = {n: bs[-1] for n, bs in blobs.items()}
    for n, (_, binding) in subjects.items():
        assert latest[n] in backup_bytes
        assert _openers(settings.keyring_file, latest[n], binding) == [2], n

    retired = cli("keys", "rotate", "--retire-old", "--settle", "0")
    assert retired.exit_code == 0, retired.output
    keyring = FileKeyProvider(settings.keyring_file).load()
    assert sorted(keyring.keks) == [3]
    assert stat.S_IMODE(os.stat(settings.keyring_file).st_mode) == 0o600
    assert "rotate --retire-old" not in cli("keys", "status").output

    # Every copy of every wrapped key that appears anywhere (live files, backup) is tried with
    # every KEK now in the key file: none opens.
    everywhere = b"".join([*_files(db_path).values(), backup_bytes])
    tried = 0
    for n, bs in blobs.items():
        for b in bs:
            if b in everywhere:
                tried += 1
                assert _openers(settings.keyring_file, b, subjects[n][1]) == [], n
    assert tried >= 2

    # The case that was not shredded reads under the one KEK left.
    with database.session() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1
        kept = s.scalars(select(Case).where(Case.reference == kept_ref)).one()
        assert kept.data_key.kek_version == 3 and kept.given_names == "Keeps-Her-Name"
        gone = s.scalars(select(Case).where(Case.reference == doomed_ref)).one()
        assert gone.given_names is None
