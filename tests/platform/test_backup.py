"""Backups (issue 12): `casework backup --out FILE` writes an encrypted, authenticated archive
of the database while the service runs; `casework restore FILE` verifies it completely and
restores it into an empty database. A round trip gives back every decrypted record and an audit
chain that verifies; a damaged, truncated, reordered or foreign archive is refused with nothing
written; a full disk leaves no archive behind. Runs on SQLite and, with
CASEWORK_TEST_DATABASE_URL, on PostgreSQL (the restore target is a second database there)."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import errno
import json
import os
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, inspect, select, text

from casework import create_app
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.cli import main
from casework.commands import CliContext
from casework.crypto import FileKeyProvider, generate_keyring_file
from casework.crypto.keyring import add_kek_version, retire_older_keks
from casework.db import Database
from casework.keys import DataKey
from casework.ops import archive as archive_format
from casework.ops import backup as backup_module
from casework.ops.archive import ArchiveError, ArchiveWriter, read_archive
from tests.helpers import PG_URL, fresh_database_url

NAME = "Quetzalina Backupcanary"
PHONE = "+503 7234 5678"
#: A planned notification date: in the future, within the two years a plan may look ahead.
SOON = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


# --------------------------------------------------------------------------- helpers


def run(settings, *args: str, input: str | None = None):
    """`casework ARGS` under `settings` (a context of its own, as a fresh process has)."""
    ctx = CliContext()
    ctx.use(settings)
    return CliRunner().invoke(main, list(args), obj=ctx, input=input)


@pytest.fixture
def target(tmp_path, settings):
    """Settings whose database is a new, empty one of the kind under test (dropped after)."""
    url = fresh_database_url(tmp_path, "restore")
    yield dataclasses.replace(settings, database_url=url)
    if PG_URL:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)'))
        admin.dispose()


def tables_of(url: str) -> list[str]:
    if url.startswith("sqlite") and not Path(url.removeprefix("sqlite:///")).exists():
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


def populate(api, make_org) -> tuple[object, dict[str, object]]:
    """Records of every kind through the API; returns the caller and what the API reads back."""
    focal = api("focal_point")
    forensic = api("forensic", focal.user.organisation)
    liaison = api("family_liaison", focal.user.organisation)
    case = focal.post(
        "/cases",
        json={
            "given_names": NAME.split()[0],
            "family_names": NAME.split()[1],
            "aliases": ["Quetza"],
            "date_of_birth": "2001-04",
            "nationality": "SV",
            "last_seen_date": "2025-10-02",
            "last_seen_country": "MX",
            "last_seen_place": "Tapachula bus terminal",
            "circumstances": "Travelled north with a cousin",
            "distinguishing_marks": "Heron tattoo on the left wrist",
            "sex": "female",
        },
    )
    assert case.status_code == 201, case.json
    ref = case.json["reference"]
    status = focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "x"})
    assert status.status_code == 200, status.json
    relative = focal.post(
        f"/cases/{ref}/relatives",
        json={
            "full_name": "Marta Backupcanary",
            "relationship": "mother",
            "phone": PHONE,
            "email": "marta.canary@example.org",
            "preferred_language": "es-SV",
            "preferred_channel": "phone",
            "is_reporting_person": True,
        },
    )
    assert relative.status_code == 201, relative.json
    rid = relative.json["id"]
    consent = focal.post(
        f"/relatives/{rid}/consents",
        json={"purpose": "tracing", "scope": [{"kind": "any"}], "evidence_reference": "F-1"},
    )
    assert consent.status_code == 201, consent.json
    note = liaison.post(
        f"/cases/{ref}/notifications",
        json={"relative_id": rid, "kind": "progress_update", "planned_date": SOON},
    )
    assert note.status_code == 201, note.json
    remains = forensic.post(
        "/remains",
        json={"found_date": "2025-11", "found_country": "US", "effects": "Pink backpack"},
    )
    assert remains.status_code == 201, remains.json
    paths = [
        f"/cases/{ref}",
        f"/cases/{ref}/timeline",
        f"/cases/{ref}/relatives",
        f"/relatives/{rid}",
        f"/relatives/{rid}/consents",
        f"/cases/{ref}/notifications",
        f"/remains/{remains.json['id']}",
    ]
    return focal, {p: _get(focal.get, p) for p in paths} | {"search": _search(focal.post)}


def _get(get, path):
    resp = get(path)
    assert resp.status_code == 200, (path, resp.json)
    return resp.json


def _search(post):
    resp = post("/relatives/search", json={"phone": PHONE})
    assert resp.status_code == 200, resp.json
    return resp.json


def reads_on(settings, token: str, paths) -> dict[str, object]:
    """The same reads, with the same token, on an app serving `settings`' database."""
    database = Database(settings.database_url)
    try:
        client = create_app(settings, database=database).test_client()
        headers = {"Authorization": f"Bearer {token}"}

        def get(path):
            return client.get("/api/v1" + path, headers=headers)

        def post(path, json):
            return client.post("/api/v1" + path, json=json, headers=headers)

        return {p: _get(get, p) for p in paths if p != "search"} | {"search": _search(post)}
    finally:
        database.dispose()


def make_backup(settings, path: Path, chunk_size: int | None = None) -> Path:
    if chunk_size is None:
        result = run(settings, "backup", "--out", str(path))
        assert result.exit_code == 0, result.output
    else:
        backup_module.backup(
            settings,
            str(path),
            writer_factory=lambda fh, secret, kind: ArchiveWriter(fh, secret, kind, chunk_size),
        )
    return path


def records(data: bytes) -> tuple[bytes, list[bytes]]:
    """The archive's header bytes and its records (length prefix included)."""
    (hlen,) = struct.unpack(">I", data[9:13])
    pos = 13 + hlen
    head, out = data[:pos], []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        out.append(data[pos : pos + 4 + n])
        pos += 4 + n
    return head, out


def secret_of(settings) -> bytes:
    return FileKeyProvider(settings.keyring_file).load().instance_signing_key


# --------------------------------------------------------------------------- round trip


def test_round_trip_gives_back_every_decrypted_record_and_a_verified_chain(
    app, api, make_org, settings, target, tmp_path
):
    focal, before = populate(api, make_org)
    archive = make_backup(settings, tmp_path / "instance.cwb")

    raw = archive.read_bytes()
    assert raw.startswith(b"CWBACKUP")
    for value in (NAME.split()[1], "Backupcanary", "Heron tattoo", "Tapachula"):
        assert value.encode() not in raw
    # The key file is deliberately not in the archive, not even inside the encryption.
    plain = bytearray()
    with archive.open("rb") as fh:
        read_archive(fh, secret_of(settings), plain.extend)
    keyfile = json.loads(Path(settings.keyring_file).read_text())
    keys = [*keyfile["keks"].values(), keyfile["index_key"], keyfile["audit_key"]]
    keys.append(keyfile["instance_signing_key"])
    for key in keys:
        assert key.encode() not in plain
        assert base64.b64decode(key) not in plain

    result = run(target, "restore", str(archive), "--yes")
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output
    assert "cases 1" in result.output and "relatives 1" in result.output

    after = reads_on(target, focal.token, before)
    assert after == before

    # Reads on the restored instance are appended to the restored chain, which still verifies.
    ctx_result = run(target, "audit", "verify")
    assert ctx_result.exit_code == 0, ctx_result.output
    assert "audit chain intact" in ctx_result.output


def test_backup_prints_size_counts_and_the_archive_digest(app, api, make_org, settings, tmp_path):
    populate(api, make_org)
    out = tmp_path / "b.cwb"
    result = run(settings, "backup", "--out", str(out))
    assert result.exit_code == 0, result.output
    import hashlib

    assert f"archive sha256: {hashlib.sha256(out.read_bytes()).hexdigest()}" in result.output
    assert f"{out.stat().st_size} bytes" in result.output
    assert "cases 1" in result.output and "remains 1" in result.output
    assert oct(out.stat().st_mode & 0o777) == oct(0o600)
    assert not Path(str(out) + ".partial").exists()
    # An existing archive is never replaced.
    again = run(settings, "backup", "--out", str(out))
    assert again.exit_code == 1 and "already exists" in again.output


# --------------------------------------------------------------------------- refusals


def test_restore_into_a_database_that_is_not_empty_is_refused(
    app, api, make_org, settings, tmp_path
):
    populate(api, make_org)
    archive = make_backup(settings, tmp_path / "a.cwb")
    with Database(settings.database_url).engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Case)).scalar_one()
    result = run(settings, "restore", str(archive), "--yes")
    assert result.exit_code == 1
    assert "is not empty" in result.output and "already at migration" in result.output
    with Database(settings.database_url).engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Case)).scalar_one() == before


def test_restore_asks_first_and_a_no_writes_nothing(app, api, make_org, settings, target, tmp_path):
    populate(api, make_org)
    archive = make_backup(settings, tmp_path / "a.cwb")
    result = run(target, "restore", str(archive), input="n\n")
    assert result.exit_code == 1
    assert "Archive verified" in result.output and "Restore it into" in result.output
    assert "cancelled; nothing was written" in result.output
    assert tables_of(target.database_url) == []


def test_a_foreign_archive_is_refused(app, api, make_org, settings, target, tmp_path):
    populate(api, make_org)
    archive = make_backup(settings, tmp_path / "a.cwb")
    other = dataclasses.replace(target, keyring_file=str(tmp_path / "other-keyring.json"))
    generate_keyring_file(other.keyring_file)
    result = run(other, "restore", str(archive), "--yes")
    assert result.exit_code == 1
    assert "foreign archive" in result.output
    assert tables_of(target.database_url) == []


def test_without_the_key_file_nothing_is_restored_and_none_is_generated(
    app, api, make_org, settings, target, tmp_path
):
    archive = make_backup(settings, tmp_path / "a.cwb")
    missing = dataclasses.replace(target, keyring_file=str(tmp_path / "nowhere" / "keys.json"))
    result = run(missing, "restore", str(archive), "--yes")
    assert result.exit_code == 1 and "key file" in result.output and "missing" in result.output
    assert not Path(missing.keyring_file).exists()
    assert tables_of(target.database_url) == []


def test_restore_warns_when_the_key_file_retired_the_archives_keys(
    app, api, make_org, settings, database, target, tmp_path
):
    """An archive made before `keys rotate --retire-old` holds data keys wrapped under the
    retired KEK: the restore says their records will not open, and exits 1."""
    populate(api, make_org)
    archive = make_backup(settings, tmp_path / "a.cwb")
    # The versions wrapping the archived data keys, read from the database (earlier tests
    # rotate the shared key file, so they are not necessarily 1).
    with database.engine.connect() as conn:
        used = sorted(
            conn.scalars(
                select(DataKey.kek_version).where(DataKey.wrapped_key.is_not(None)).distinct()
            )
        )
    assert used
    later = tmp_path / "later-keyring.json"
    shutil.copy(settings.keyring_file, later)
    retired = retire_older_keks(later, add_kek_version(later))  # `keys rotate --retire-old`
    assert set(used) <= set(retired)
    result = run(
        dataclasses.replace(target, keyring_file=str(later)), "restore", str(archive), "--yes"
    )
    assert result.exit_code == 1, result.output
    versions = ", ".join(map(str, used))
    assert f"data keys are wrapped under key-encryption key version(s) {versions} " in result.output
    assert "audit chain intact" in result.output


def test_an_archive_of_another_database_kind_is_refused(app, settings, tmp_path):
    archive = make_backup(settings, tmp_path / "a.cwb")
    if PG_URL:
        other_url = f"sqlite:///{tmp_path / 'other.db'}"
        expected = "holds a PostgreSQL database and the configured database is SQLite"
    else:
        other_url = "postgresql+psycopg://nobody@127.0.0.1:9/none"
        expected = "holds a SQLite database and the configured database is PostgreSQL"
    result = run(dataclasses.replace(settings, database_url=other_url), "restore", str(archive))
    assert result.exit_code == 1
    assert expected in result.output


def _damaged(data: bytes, how: str) -> bytes:
    head, recs = records(data)
    if how == "flip-header":
        return data[:20] + bytes([data[20] ^ 0x01]) + data[21:]
    if how == "flip-middle":
        i = len(data) // 2
        return data[:i] + bytes([data[i] ^ 0x80]) + data[i + 1 :]
    if how == "flip-last":
        return data[:-1] + bytes([data[-1] ^ 0x01])
    if how == "truncated-inside":
        return data[: len(data) - 7]
    if how == "truncated-at-record":
        return head + b"".join(recs[:-1])
    if how == "record-dropped":
        return head + b"".join(recs[:1] + recs[2:])
    if how == "records-swapped":
        return head + b"".join([recs[1], recs[0], *recs[2:]])
    if how == "data-appended":
        return data + recs[-1]
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "flip-header",
        "flip-middle",
        "flip-last",
        "truncated-inside",
        "truncated-at-record",
        "record-dropped",
        "records-swapped",
        "data-appended",
    ],
)
def test_a_damaged_archive_is_refused_with_nothing_written(app, settings, target, tmp_path, how):
    good = make_backup(settings, tmp_path / "good.cwb", chunk_size=4096)
    assert len(records(good.read_bytes())[1]) > 3
    bad = tmp_path / "bad.cwb"
    bad.write_bytes(_damaged(good.read_bytes(), how))
    result = run(target, "restore", str(bad), "--yes")
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output
    assert tables_of(target.database_url) == []


def test_every_flipped_byte_is_detected(app, settings, tmp_path):
    """Flip each byte of the header and the first record, and bytes spread over the rest."""
    data = make_backup(settings, tmp_path / "a.cwb", chunk_size=4096).read_bytes()
    secret = secret_of(settings)
    head, recs = records(data)
    positions = list(range(len(head) + len(recs[0]) + 8))
    positions += list(range(len(positions), len(data), max(1, len(data) // 300)))
    positions += list(range(len(data) - 64, len(data)))
    for pos in sorted(set(positions)):
        damaged = bytearray(data)
        damaged[pos] ^= 0x04
        import io

        with pytest.raises(ArchiveError):
            read_archive(io.BytesIO(bytes(damaged)), secret)


# --------------------------------------------------------------------------- full disk


class _DiskFullWriter(ArchiveWriter):
    """The archive writer on a device that fills after the header and one record."""

    def _emit(self, data: bytes) -> None:
        if self.size > 0 and self._index >= 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        super()._emit(data)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_full_disk_during_backup_leaves_no_archive(app, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(backup_module, "ArchiveWriter", _DiskFullWriter)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = run(settings, "backup", "--out", str(out_dir / "a.cwb"))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [
        f"Error: backup failed, no archive written: cannot write the archive "
        f"{out_dir / 'a.cwb'}: no space left on the device"
    ]
    assert _leftovers(out_dir) == []


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str):
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (no CAP_SYS_ADMIN)")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_full_disk_on_a_real_small_filesystem(app, settings, tmp_path):
    with small_tmpfs(tmp_path / "small", "8k") as small:
        result = run(settings, "backup", "--out", str(small / "a.cwb"))
        assert result.exit_code == 1, result.output
        assert "no space left on the device" in result.output
        assert _leftovers(small) == []


def test_file_size_limit_in_a_real_process(app, settings, tmp_path):
    """RLIMIT_FSIZE: every write past the limit fails (EFBIG) in a process of its own."""
    out_dir, tmp = tmp_path / "out", tmp_path / "tmp"
    out_dir.mkdir()
    tmp.mkdir()
    env = dict(os.environ) | {
        "CASEWORK_ENV": "testing",
        "CASEWORK_DATABASE_URL": settings.database_url,
        "CASEWORK_KEYRING_FILE": settings.keyring_file,
        "CASEWORK_SECRET_KEY": settings.secret_key,
        "TMPDIR": str(tmp),
    }
    limit = 16384
    if not PG_URL:
        # Room for the database's snapshot (its logical size), not for the archive.
        engine = create_engine(settings.database_url)
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            limit = pages * conn.exec_driver_sql("PRAGMA page_size").scalar_one() + 16
        engine.dispose()
    code = (
        f"import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        "from casework.cli import main; sys.argv = ['casework'] + sys.argv[1:]; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "backup", "--out", str(out_dir / "a.cwb")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith(
        f"Error: backup failed, no archive written: cannot write the archive {out_dir / 'a.cwb'}: "
        "file too large"
    ), proc.stderr
    assert _leftovers(out_dir) == []
    assert _leftovers(tmp) == []


# --------------------------------------------------------------------------- while writing


def test_backup_taken_while_cases_are_written_restores_consistently(
    app, api, settings, target, tmp_path
):
    focal = api("focal_point")
    stop = threading.Event()
    made: list[str] = []
    failures: list[object] = []

    def writer():
        client = app.test_client()
        headers = {"Authorization": f"Bearer {focal.token}"}
        while not stop.is_set():
            resp = client.post(
                "/api/v1/cases", json={"given_names": f"Writer{len(made)}"}, headers=headers
            )
            if resp.status_code != 201:
                failures.append(resp.status_code)
                return
            made.append(resp.json["reference"])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(made) < 5 and thread.is_alive():
            threading.Event().wait(0.01)
        archive = make_backup(settings, tmp_path / "busy.cwb")
        during = len(made)
        while len(made) < during + 3 and thread.is_alive():
            threading.Event().wait(0.01)
    finally:
        stop.set()
        thread.join()
    assert not failures

    result = run(target, "restore", str(archive), "--yes")
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.output

    database = Database(target.database_url)
    try:
        with database.engine.connect() as conn:
            refs = set(conn.execute(select(Case.reference)).scalars())
            created = conn.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "case.create")
            ).scalar_one()
    finally:
        database.dispose()
    # A snapshot: a prefix of the writes, each case with its audit event, none half-written.
    assert 5 <= len(refs) < len(made)
    assert refs == set(made[: len(refs)])
    assert created == len(refs)
    database = Database(target.database_url)
    try:
        client = create_app(target, database=database).test_client()
        for ref in sorted(refs):
            resp = client.get(
                f"/api/v1/cases/{ref}", headers={"Authorization": f"Bearer {focal.token}"}
            )
            assert resp.status_code == 200 and resp.json["given_names"].startswith("Writer")
    finally:
        database.dispose()


# --------------------------------------------------------------------------- pg tools


def test_pg_dump_older_than_the_server_is_refused(monkeypatch, tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    tool = fake / "pg_dump"
    tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.2'\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    monkeypatch.setattr(backup_module.glob, "glob", lambda pattern: [])
    with pytest.raises(backup_module.BackupError, match=r"pg_dump 11\.2 is older than the server"):
        backup_module.find_pg_tool("pg_dump", 15)
    assert backup_module.find_pg_tool("pg_dump", 11) == str(tool)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(backup_module.BackupError, match="pg_dump was not found"):
        backup_module.find_pg_tool("pg_dump", 15)


def test_the_archive_format_is_what_the_module_says(settings, app, tmp_path):
    data = make_backup(settings, tmp_path / "a.cwb").read_bytes()
    assert data[:8] == archive_format.MAGIC and data[8] == archive_format.FORMAT_VERSION
    (hlen,) = struct.unpack(">I", data[9:13])
    header = json.loads(data[13 : 13 + hlen])
    assert header["database"] == ("postgresql" if PG_URL else "sqlite")
    assert header["cipher"] == "AES-256-GCM" and len(bytes.fromhex(header["salt"])) == 32
    assert header["instance"] == archive_format.instance_identity(secret_of(settings))


def test_pg_tools_get_the_password_in_their_environment_only(monkeypatch):
    from sqlalchemy.engine import make_url

    monkeypatch.setenv("PGHOST", "elsewhere.example")
    monkeypatch.setenv("PGDATABASE", "not_this_one")
    url = make_url("postgresql+psycopg://cw:s3cret%20pw@db.example:6543/casework?sslmode=require")
    conninfo, env = backup_module._libpq(url)
    assert "s3cret" not in conninfo
    assert env["PGPASSWORD"] == "s3cret pw"
    assert "PGHOST" not in env and "PGDATABASE" not in env
    for part in ("host=db.example", "port=6543", "user=cw", "dbname=casework", "sslmode=require"):
        assert part in conninfo.split()
