"""Backups of the configured database, and their restore into an empty one.

`backup` takes a consistent copy while the service runs (SQLite: the online backup API, in one
step under one read snapshot; PostgreSQL: `pg_dump` in the custom format, run inside a
repeatable-read snapshot exported from the transaction that counts the records) and writes it
encrypted (`casework.ops.archive`) to `FILE.partial`, fsynced, then renamed to `FILE`: on any
error the partial file is removed, so no damaged archive is ever left behind.

`restore` verifies the whole archive (every record, the trailer's hash, the instance, the
database kind) into a private temporary file before it writes anything into the configured
database, which must be empty; then it restores (SQLite: the backup API into the target file;
PostgreSQL: `pg_restore --single-transaction --exit-on-error`), compares the record counts with
the archive's, and walks the audit chain.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from casework.crypto import FileKeyProvider, Keyring, KeyringError
from casework.ops.archive import (
    ArchiveError,
    ArchiveWriter,
    check_instance,
    read_archive,
    read_header,
)
from casework.settings import Settings

#: Progress is reported every this many bytes of plaintext (on big dumps only).
PROGRESS_STEP = 64 << 20
_READ = 1 << 20


class BackupError(Exception):
    """A backup or restore failed or was refused; the message is one line saying why."""


Progress = Callable[[str], Any]


def _quiet(_: str) -> None:
    return None


@dataclass
class Outcome:
    path: str
    size: int = 0
    sha256: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    revision: str | None = None
    kind: str = ""
    created_at: str = ""
    audit: str = ""
    audit_ok: bool = True
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- common


def database_kind(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name in ("postgresql", "postgres"):
        return "postgresql"
    raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def load_keyring(settings: Settings) -> Keyring:
    """The key file, never generated here: an archive is only of use with the existing one."""
    path = settings.keyring_file
    if not os.path.exists(path):
        raise BackupError(
            f"the key file {path} is missing: backups are made and restored only with the "
            "instance's key file (keep a copy of it apart from the archives)"
        )
    try:
        keyring = FileKeyProvider(path).load()
    except KeyringError as exc:
        raise BackupError(str(exc)) from None
    if keyring.instance_signing_key is None:  # pragma: no cover - load() adds it
        raise BackupError("the key file holds no instance key")
    return keyring


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return path


def _scalar(conn: Any, sql: str) -> Any:
    """One value, from a SQLAlchemy connection or a plain sqlite3 one."""
    if isinstance(conn, sqlite3.Connection):
        row = conn.execute(sql).fetchone()
        return row[0] if row else None
    return conn.execute(text(sql)).scalar()


def _count_rows(conn: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        if table == "alembic_version":
            continue
        quoted = '"' + table.replace('"', '""') + '"'
        # A table name the database itself listed, quoted: no outside input.
        counts[table] = int(_scalar(conn, f"SELECT count(*) FROM {quoted}"))  # noqa: S608
    return counts


def _revision(conn: Any, tables: list[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    return _scalar(conn, "SELECT version_num FROM alembic_version")


def _os_reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the device"
    if exc.errno == errno.EFBIG:
        return "file too large (a file size limit was reached)"
    return exc.strerror or type(exc).__name__


# --------------------------------------------------------------------------- PostgreSQL tools


def _tool_version(path: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(  # noqa: S603 - a PostgreSQL client found on this machine
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    m = re.search(r"(\d+)(?:\.(\d+))?", out)
    return tuple(int(g) for g in m.groups() if g is not None) if m else None


def find_pg_tool(name: str, server_major: int | None = None) -> str:
    """The newest `name` (pg_dump, pg_restore) on PATH or under /usr/lib/postgresql/*/bin;
    BackupError when none is found or the newest is older than the server."""
    candidates = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    found = [(v, p) for p in candidates if (v := _tool_version(p)) is not None]
    if not found:
        raise BackupError(
            f"{name} was not found (install the PostgreSQL client tools of the server's version)"
        )
    version, path = max(found)
    if server_major is not None and version[0] < server_major:
        raise BackupError(
            f"{name} {'.'.join(map(str, version))} is older than the server "
            f"(PostgreSQL {server_major}); install the client tools of version {server_major} "
            "or newer"
        )
    return path


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The connection as a libpq connection string (for `--dbname`) and an environment holding
    the password, which never appears on a command line. The caller's PG* variables are
    dropped so that they cannot point the tool at another database."""
    from psycopg.conninfo import make_conninfo

    params = {k: (v[-1] if isinstance(v, tuple) else v) for k, v in url.query.items()}
    params.update(
        {
            k: v
            for k, v in {
                "host": url.host,
                "port": url.port,
                "user": url.username,
                "dbname": url.database,
            }.items()
            if v
        }
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo(**{k: str(v) for k, v in params.items()}), env


def _server_major(conn: Any) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _last_line(data: bytes) -> str:
    lines = [ln.strip() for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no message"


# --------------------------------------------------------------------------- backup


@contextlib.contextmanager
def _partial_file(out: str) -> Iterator[tuple[BinaryIO, str]]:
    """`out.partial`, 0600, in `out`'s directory; removed unless the block renames it."""
    partial = out + ".partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    fh = os.fdopen(fd, "wb")
    try:
        yield fh, partial
    except BaseException:
        with contextlib.suppress(OSError):
            fh.close()
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    finally:
        with contextlib.suppress(OSError):
            fh.close()


def _fsync_dir(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _snapshot_sqlite(url: str, into: str) -> tuple[dict[str, int], str | None]:
    """A consistent copy of the SQLite database into `into`: the online backup API in one
    step (one read snapshot; writers go on meanwhile under WAL)."""
    path = _sqlite_path(url)
    if not os.path.exists(path):
        raise BackupError(f"the database {path} does not exist")
    src = sqlite3.connect(path, timeout=30)
    try:
        dst = sqlite3.connect(into)
        try:
            src.backup(dst)
            # The copy stands alone: no WAL beside it once it is closed.
            dst.execute("PRAGMA journal_mode=DELETE")
            tables = [
                r[0]
                for r in dst.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            counts = _count_rows(dst, tables)
            revision = _revision(dst, tables)
        finally:
            dst.close()
    finally:
        src.close()
    return counts, revision


def _feed(writer: ArchiveWriter, reader: BinaryIO, progress: Progress) -> None:
    next_report = PROGRESS_STEP
    while True:
        data = reader.read(_READ)
        if not data:
            return
        writer.write(data)
        if writer.plain_size >= next_report:
            progress(f"backup: {writer.plain_size >> 20} MiB written")
            next_report += PROGRESS_STEP


def backup(
    settings: Settings,
    out: str,
    *,
    progress: Progress = _quiet,
    writer_factory: Callable[..., ArchiveWriter] | None = None,
) -> Outcome:
    """Write the encrypted archive of the configured database to `out` (see the module)."""
    kind = database_kind(settings.database_url)
    keyring = load_keyring(settings)
    out = os.fspath(out)
    if os.path.isdir(out):
        raise BackupError(f"{out} is a directory; give the archive's file name")
    if os.path.lexists(out):
        raise BackupError(f"{out} already exists; choose a new name (archives are not replaced)")
    secret = keyring.instance_signing_key
    assert secret is not None
    outcome = Outcome(path=out, kind=kind)
    try:
        with _partial_file(out) as (fh, partial):
            writer = (writer_factory or ArchiveWriter)(fh, secret, kind)
            if kind == "sqlite":
                with tempfile.TemporaryDirectory(prefix="casework-backup-") as tmp:
                    snap = os.path.join(tmp, "snapshot.db")
                    counts, revision = _snapshot_sqlite(settings.database_url, snap)
                    with open(snap, "rb") as reader:
                        _feed(writer, reader, progress)
            else:
                counts, revision = _dump_postgres(settings.database_url, writer, progress)
            outcome.counts, outcome.revision = counts, revision
            writer.finish({"counts": counts, "revision": revision, "database": kind})
            fh.flush()
            os.fsync(fh.fileno())
            fh.close()
            os.replace(partial, out)
        _fsync_dir(out)
    except OSError as exc:
        raise BackupError(f"cannot write the archive {out}: {_os_reason(exc)}") from None
    except sqlite3.Error as exc:
        raise BackupError(
            f"cannot copy the database into a snapshot in {tempfile.gettempdir()} (TMPDIR): {exc}"
        ) from None
    outcome.size, outcome.sha256 = writer.size, writer.sha256
    outcome.created_at = writer.header.created_at
    return outcome


def _dump_postgres(url: str, writer: ArchiveWriter, progress: Progress) -> tuple[dict, str | None]:
    """pg_dump (custom format, no owners, no privileges) of the snapshot exported by the
    repeatable-read transaction that counts the records: counts and dump agree."""
    sa_url = make_url(url)
    engine = create_engine(sa_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                tool = find_pg_tool("pg_dump", _server_major(conn))
                tables = inspect(conn).get_table_names()
                counts = _count_rows(conn, tables)
                revision = _revision(conn, tables)
                _run_pg_dump(tool, sa_url, snapshot, writer, progress)
    finally:
        engine.dispose()
    return counts, revision


def _run_pg_dump(
    tool: str, url: URL, snapshot: str, writer: ArchiveWriter, progress: Progress
) -> None:
    conninfo, env = _libpq(url)
    args = [
        tool,
        f"--dbname={conninfo}",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--snapshot={snapshot}",
        "--no-password",
    ]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(  # noqa: S603 - the PostgreSQL client, arguments built here
            args, stdout=subprocess.PIPE, stderr=errors, env=env
        )
        try:
            assert proc.stdout is not None
            _feed(writer, proc.stdout, progress)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.wait() != 0:
            errors.seek(0)
            raise BackupError(f"pg_dump failed: {_last_line(errors.read())}")


# --------------------------------------------------------------------------- restore


def inspect_archive(path: str, settings: Settings) -> Any:
    """Read the archive's header only (the kind and instance checks before anything else)."""
    keyring = load_keyring(settings)
    try:
        with open(path, "rb") as fh:
            header, _ = read_header(fh)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {_os_reason(exc)}") from None
    except ArchiveError as exc:
        raise BackupError(f"archive refused, nothing was restored: {exc}") from None
    try:
        check_instance(header, keyring.instance_signing_key or b"")
    except ArchiveError as exc:
        raise BackupError(f"archive refused, nothing was restored: {exc}") from None
    kind = database_kind(settings.database_url)
    if header.database != kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"the archive holds a {names[header.database]} database and the configured "
            f"database is {names[kind]}: restore it into a {names[header.database]} database"
        )
    return header


def why_not_empty(url: str) -> str | None:
    """None when the configured database is empty (no table at all); else the reason."""
    kind = database_kind(url)
    if kind == "sqlite":
        path = _sqlite_path(url)
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            if not tables:
                return None
            revision = _revision(conn, tables)
            if revision:
                return f"it is already at migration {revision}"
            counts = _count_rows(conn, tables)
            full = [t for t, n in counts.items() if n]
            if full:
                return f"it holds rows in {len(full)} tables ({', '.join(full[:5])}…)"
            return f"it holds {len(tables)} tables (restore needs a database without any)"
    finally:
        engine.dispose()


def restore(
    settings: Settings,
    path: str,
    *,
    confirm: Callable[[Any, dict[str, Any]], bool] = lambda header, trailer: True,
    progress: Progress = _quiet,
) -> Outcome:
    """Verify the archive completely, then restore it into the (empty) configured database."""
    header = inspect_archive(path, settings)
    keyring = load_keyring(settings)
    url = settings.database_url
    reason = why_not_empty(url)
    if reason is not None:
        raise BackupError(
            f"the configured database {shown_url(url)} is not empty: {reason}; restore into "
            "a new, empty database"
        )
    outcome = Outcome(path=path, kind=header.database, created_at=header.created_at)
    with tempfile.TemporaryDirectory(prefix="casework-restore-") as tmp:
        plain = os.path.join(tmp, "database")
        try:
            fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(path, "rb") as fh, os.fdopen(fd, "wb") as sink:
                _, trailer = read_archive(fh, keyring.instance_signing_key or b"", sink.write)
        except ArchiveError as exc:
            raise BackupError(f"archive refused, nothing was restored: {exc}") from None
        except OSError as exc:
            raise BackupError(
                f"cannot verify the archive (temporary copy): {_os_reason(exc)}"
            ) from None
        if not confirm(header, trailer):
            raise BackupError("restore cancelled; nothing was written")
        progress("archive verified; restoring")
        if header.database == "sqlite":
            _restore_sqlite(plain, url)
        else:
            _restore_postgres(plain, url)
    outcome.revision = trailer.get("revision")
    outcome.counts = _counts_of(url)
    expected = trailer.get("counts") or {}
    if expected != outcome.counts:
        differ = sorted(
            t
            for t in set(expected) | set(outcome.counts)
            if expected.get(t) != outcome.counts.get(t)
        )
        outcome.warnings.append(f"record counts differ from the archive's in: {', '.join(differ)}")
    _check_keys(url, keyring, outcome)
    _check_audit(url, settings, outcome)
    return outcome


def _check_keys(url: str, keyring: Keyring, outcome: Outcome) -> None:
    """Data keys wrapped under a key-encryption key this key file no longer holds (retired
    after the archive was made) will not open: say so."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if "data_keys" not in inspect(conn).get_table_names():
                return
            rows = conn.execute(
                text(
                    "SELECT kek_version, count(*) FROM data_keys WHERE wrapped_key IS NOT NULL "
                    "GROUP BY kek_version"
                )
            ).all()
    finally:
        engine.dispose()
    lost = {v: n for v, n in rows if v not in keyring.keks}
    if lost:
        outcome.warnings.append(
            f"{sum(lost.values())} data keys are wrapped under key-encryption key version(s) "
            f"{', '.join(map(str, sorted(lost)))} that this key file no longer holds (retired): "
            "their records' encrypted fields will not open"
        )


def _restore_sqlite(plain: str, url: str) -> None:
    target = _sqlite_path(url)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    if not os.path.exists(target):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src = sqlite3.connect(plain)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot write the database {target}: {exc}") from None
    finally:
        src.close()


def _restore_postgres(plain: str, url: str) -> None:
    sa_url = make_url(url)
    engine = create_engine(sa_url)
    try:
        with engine.connect() as conn:
            major = _server_major(conn)
    finally:
        engine.dispose()
    tool = find_pg_tool("pg_restore", major)
    conninfo, env = _libpq(sa_url)
    args = [
        tool,
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={conninfo}",
        plain,
    ]
    proc = subprocess.run(  # noqa: S603 - the PostgreSQL client, arguments built here
        args, capture_output=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise BackupError(
            f"pg_restore failed, nothing was restored (one transaction): {_last_line(proc.stderr)}"
        )


def _counts_of(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return _count_rows(conn, inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _check_audit(url: str, settings: Settings, outcome: Outcome) -> None:
    """`audit verify` on the restored database, under the key file."""
    from casework.audit.trail import verify
    from casework.db import Database
    from casework.keys.service import holder_for_file

    database = Database(url, info={"keyring_holder": holder_for_file(settings.keyring_file)})
    try:
        with database.session() as s:
            result = verify(s)
    finally:
        database.dispose()
    outcome.audit_ok = result.ok
    outcome.audit = (
        f"audit chain intact: {result.count} events"
        if result.ok
        else f"audit chain broken at event {result.first_bad_seq}: {result.problem}"
    )
