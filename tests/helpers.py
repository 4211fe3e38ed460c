"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import select

from casework.cases.models import Case

PASSWORD = "correct horse battery"
PG_URL = os.environ.get("CASEWORK_TEST_DATABASE_URL")
FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def is_postgres() -> bool:
    return bool(PG_URL)


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in page"
    return m.group(1)


def fresh_database_url(tmp_dir: Path, name: str) -> str:
    """An empty database of the kind under test (a new file, or a new PostgreSQL database)."""
    import uuid

    from sqlalchemy import create_engine, text

    if not PG_URL:
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    base, _, _ = PG_URL.rpartition("/")
    dbname = f"cw_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{dbname}"'))
    admin.dispose()
    return f"{base}/{dbname}"


def raw_database_dump(database) -> bytes:
    """Every byte the database holds for its tables, as the attacker who steals it would see."""
    from sqlalchemy import inspect, text

    if database.engine.dialect.name == "sqlite":
        # Committed data is in the main file or still in the write-ahead log: read both.
        path = Path(database.engine.url.database)
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
        return b"".join(read_in_another_process(f) for f in files if f.exists())
    chunks = []
    with database.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            for row in rows:
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


def read_in_another_process(path: Path) -> bytes:
    """The bytes of a file of a database this process has open, read by another process.

    Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
    included (https://sqlite.org/howtocorrupt.html, 2.2): after a plain `read_bytes()` of the
    live database, another process (a `casework backup` started by a test) took it for unused,
    checkpointed and deleted the WAL and its shared-memory file under this process's open
    connections, and every later statement here failed with "disk I/O error"."""
    return subprocess.run(["cat", "--", str(path)], capture_output=True, check=True).stdout


class StandInGrants:
    """Grants as plain data: {organisation id: {case id: categories}}."""

    def __init__(self) -> None:
        self.grants: dict[uuid.UUID, dict[uuid.UUID, set[str]]] = {}

    def grant(self, organisation_id: uuid.UUID, case_id: uuid.UUID, categories: set[str]):
        self.grants.setdefault(organisation_id, {})[case_id] = set(categories)

    def granted_case_ids(self, session, actor, purpose, categories):
        mine = self.grants.get(actor.organisation_id, {})
        ids = [case_id for case_id, granted in mine.items() if granted & categories]
        return select(Case.id).where(Case.id.in_(ids)) if ids else None

    def granted_categories(
        self, session, actor, purpose, case_ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, set[str]]:
        mine = self.grants.get(actor.organisation_id, {})
        return {i: mine[i] for i in case_ids if i in mine}


# --- signing in through the pages (two-step sign-in included) -------------------------------


def mfa_secret(database, user) -> str:
    """Enrol `user` in two-step sign-in straight in the database (as the enrolment page would
    after its first code) unless enrolled already, and return the TOTP secret, read back from
    the database like the user's authenticator app holds it."""
    from casework.auth import mfa
    from casework.auth.models import User, UserMfa
    from casework.db import utcnow

    with database.session() as s:
        row = s.get(UserMfa, user.id)
        if row is not None and row.enrolled_at is not None:
            return mfa.current_secret(s, user.id)
        secret = mfa.pending_secret(s, s.get(User, user.id))
        s.get(UserMfa, user.id).enrolled_at = utcnow()
        return secret


def totp_now(secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).now()


def sign_in(client, user, password: str = PASSWORD, next_url: str | None = None):
    """Sign `user` in through the real pages: the password form, then — for the roles that
    require it, or a user who enrolled — the code step with a code computed from the secret in
    the database. Returns the last response (a 302 to `next` when signed in; the password step's
    answer when it refused)."""
    from sqlalchemy import update

    from casework.auth import mfa
    from casework.auth.models import UserMfa

    database = client.application.extensions["casework.db"]
    secret = None
    if mfa.required_for(user.role):
        secret = mfa_secret(database, user)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    resp = client.post(url, data={"email": user.email, "password": password, "csrf_token": token})
    if resp.status_code != 302 or not resp.headers["Location"].endswith("/login/code"):
        return resp
    with database.session() as s:
        secret = secret or mfa.current_secret(s, user.id)
        # Tests sign the same user in many times within one 30-second step: forget the last
        # accepted step so the code is not refused as a replay (the replay test does not use this).
        s.execute(update(UserMfa).where(UserMfa.user_id == user.id).values(last_step=None))
    token = csrf_from(client.get("/login/code").get_data(as_text=True))
    return client.post("/login/code", data={"code": totp_now(secret), "csrf_token": token})
