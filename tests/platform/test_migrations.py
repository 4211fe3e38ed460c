"""The Alembic head matches the models on this database, and every revision downgrades."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from casework import migrate
from casework.db import make_engine
from casework.models import metadata
from tests.helpers import fresh_database_url


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_empty_database_upgrades_to_head_matching_the_models(tmp_path):
    url = fresh_database_url(tmp_path, "head")
    migrate.upgrade(url)
    assert _diff(url) == []
    assert _tables(url) == set(metadata.tables)


def test_every_revision_downgrades_and_upgrades_again(tmp_path):
    url = fresh_database_url(tmp_path, "stairs")
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no migrations found"
    for rev in revisions:
        migrate.upgrade(url, rev.revision)
        migrate.downgrade(url, rev.down_revision or "base")
        migrate.upgrade(url, rev.revision)
    migrate.downgrade(url, "base")
    assert _tables(url) == set()
    migrate.upgrade(url)
    assert _diff(url) == []
