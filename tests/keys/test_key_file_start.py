"""The key file is checked against the database at start (issue 12, faults): a missing key file,
one that is not a key file, or another instance's (it does not open the database's data keys)
stops the service with a one-line reason, from `create_app()` (gunicorn) and from the CLI,
never with a traceback; a new key file is made only for a database without data keys."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from casework import create_app
from casework.cli import main
from casework.crypto import generate_keyring_file
from casework.keys import DataKey
from casework.settings import ConfigurationError

CASE = {"given_names": "Ana", "family_names": "Pérez"}


@pytest.fixture
def with_data_keys(api):
    """The test database holds data keys (a case registered through the API)."""
    resp = api("focal_point").post("/cases", json=CASE)
    assert resp.status_code == 201
    return resp.json["reference"]


def _refusal(settings, database) -> str:
    with pytest.raises(ConfigurationError) as info:
        create_app(settings, database=database)
    message = str(info.value)
    assert message and "\n" not in message
    return message


def _other_key_file(tmp_path, version: int | None = None) -> str:
    """Another instance's key file; with `version`, its one KEK carries that version number
    (as this instance's current one does), so only the key itself differs."""
    path = tmp_path / "other-instance.json"
    generate_keyring_file(path)
    if version is not None:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        doc["keks"] = {str(version): doc["keks"][str(doc["current_kek"])]}
        doc["current_kek"] = version
        path.write_text(json.dumps(doc))
        os.chmod(path, 0o600)
    return str(path)


def _wrapping_version(database) -> int:
    """The KEK version that wraps the database's data keys (read from the database, not from
    the shared key file: earlier tests rotate it, and a running app's keyring picks a rotation
    up only after a few seconds, so the file's current version may not be the one in use)."""
    with database.engine.connect() as conn:
        versions = conn.scalars(
            select(DataKey.kek_version).where(DataKey.wrapped_key.is_not(None)).distinct()
        ).all()
    assert len(versions) == 1, versions
    return versions[0]


def test_a_missing_key_file_is_made_for_a_new_database_only(
    settings, database, with_data_keys, tmp_path
):
    missing = tmp_path / "keyring.json"
    message = _refusal(settings.with_(keyring_file=str(missing)), database)
    assert "missing" in message and "data keys" in message
    assert not missing.exists()  # no new key file that would open nothing

    # A new database (no data keys yet) still gets one outside production.
    from casework import migrate
    from casework.db import Database

    url = f"sqlite:///{tmp_path / 'new.db'}"
    migrate.upgrade(url)
    new_db = Database(url)
    try:
        create_app(settings.with_(database_url=url, keyring_file=str(missing)), database=new_db)
    finally:
        new_db.dispose()
    assert missing.exists()


@pytest.mark.parametrize("env", ["testing", "production"])
def test_another_instances_key_file_is_refused(settings, database, with_data_keys, tmp_path, env):
    other = _other_key_file(tmp_path, _wrapping_version(database))
    message = _refusal(settings.with_(env=env, keyring_file=other, secret_key="p" * 48), database)
    assert "does not open" in message and other in message
    # The instance's own key file starts on the same database.
    assert create_app(settings.with_(env=env, secret_key="p" * 48), database=database)


def test_a_key_file_without_the_kek_that_wraps_the_data_keys_is_refused(
    settings, database, with_data_keys, tmp_path
):
    """An older copy or another instance's file whose versions do not include the one in use."""
    used = _wrapping_version(database)
    with open(_other_key_file(tmp_path), encoding="utf-8") as fh:
        other = json.load(fh)
    other["keks"] = {str(used + 1): other["keks"][str(other["current_kek"])]}
    other["current_kek"] = used + 1
    path = tmp_path / "older.json"
    path.write_text(json.dumps(other))
    os.chmod(path, 0o600)
    message = _refusal(settings.with_(keyring_file=str(path)), database)
    assert f"lacks key-encryption key {used}" in message


def test_an_unreachable_database_at_start_is_a_one_line_refusal(settings, tmp_path):
    settings = settings.with_(database_url="postgresql+psycopg://casework@127.0.0.1:1/casework")
    with pytest.raises(ConfigurationError) as info:
        create_app(settings)
    assert "unreachable" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("fault", ["missing", "another_instance"])
def test_cli_commands_refuse_to_start_with_one_line(
    settings, with_data_keys, tmp_path, monkeypatch, fault
):
    path = tmp_path / "keyring.json"
    if fault == "another_instance":
        generate_keyring_file(path)
    monkeypatch.setenv("CASEWORK_ENV", "testing")
    monkeypatch.setenv("CASEWORK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CASEWORK_KEYRING_FILE", str(path))
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "s" * 48)
    # (create-token first: the old code started and then failed on the unknown user.)
    for command in (["create-token", "--email", "x@example.org"], ["serve", "--port", "1"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, (command, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: cannot start: "), lines
        assert "Traceback" not in result.output
    if fault == "missing":
        assert not path.exists()
