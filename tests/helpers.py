"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
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
        return b"".join(f.read_bytes() for f in files if f.exists())
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
