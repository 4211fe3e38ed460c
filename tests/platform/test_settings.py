"""Production refuses to start without its secrets; development generates them (0600)."""

from __future__ import annotations

import os
import stat

import pytest

from casework import create_app
from casework.crypto import generate_keyring_file
from casework.settings import ConfigurationError, Settings, load_settings

PG = "postgresql+psycopg://casework@db.invalid/casework"


@pytest.fixture
def keyfile(tmp_path):
    path = tmp_path / "keyring.json"
    generate_keyring_file(path)
    return str(path)


def prod_env(keyfile, **changes):
    env = {
        "CASEWORK_ENV": "production",
        "CASEWORK_DATABASE_URL": PG,
        "CASEWORK_KEYRING_FILE": keyfile,
        "CASEWORK_SECRET_KEY": "s3cret-" * 6,
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


def test_complete_production_settings_load(keyfile):
    settings = load_settings(prod_env(keyfile))
    assert settings.is_production and settings.database_url == PG


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"CASEWORK_SECRET_KEY": None}, "CASEWORK_SECRET_KEY"),
        ({"CASEWORK_DATABASE_URL": "sqlite:///x.db"}, "SQLite"),
        ({"CASEWORK_DATABASE_URL": None}, "CASEWORK_DATABASE_URL"),
        ({"CASEWORK_KEYRING_FILE": "/nonexistent/keyring.json"}, "missing"),
    ],
)
def test_production_refuses_to_start(keyfile, changes, reason):
    with pytest.raises(ConfigurationError) as info:
        load_settings(prod_env(keyfile, **changes))
    message = str(info.value)
    assert reason in message and "\n" not in message


def test_production_refuses_unreadable_key_file(keyfile, tmp_path):
    if os.geteuid() == 0:
        # root reads any file: make it unreadable by making it a directory instead.
        bad = tmp_path / "dir.json"
        bad.mkdir()
        env = prod_env(keyfile, CASEWORK_KEYRING_FILE=str(bad))
        with pytest.raises(ConfigurationError):
            create_app(load_settings(env))
        return
    os.chmod(keyfile, 0)
    with pytest.raises(ConfigurationError, match="not readable"):
        load_settings(prod_env(keyfile))


def test_production_refuses_corrupt_key_file(keyfile):
    with open(keyfile, "w") as fh:
        fh.write("{not json")
    with pytest.raises(ConfigurationError) as info:
        create_app(load_settings(prod_env(keyfile)))
    assert "\n" not in str(info.value)


def test_serve_refuses_with_one_line_reason(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from casework.cli import main

    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    monkeypatch.setenv("CASEWORK_DATABASE_URL", PG)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: cannot start: CASEWORK_SECRET_KEY is not set"
    ]


def test_development_generates_secrets_with_private_modes(tmp_path):
    settings = Settings(
        env="development",
        database_url=f"sqlite:///{tmp_path / 'dev.db'}",
        keyring_file=str(tmp_path / "instance" / "keyring.json"),
        instance_path=str(tmp_path / "instance"),
    )
    app = create_app(settings)
    assert app.config["SECRET_KEY"]
    for name in ("keyring.json", "secret_key"):
        mode = stat.S_IMODE(os.stat(tmp_path / "instance" / name).st_mode)
        assert mode == 0o600, name
    from casework import migrate

    migrate.upgrade(settings.database_url)
    assert stat.S_IMODE(os.stat(tmp_path / "dev.db").st_mode) == 0o600
    # A second start reuses what was generated.
    again = create_app(settings)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigurationError):
        load_settings({"CASEWORK_ENV": "staging"})


def test_production_refuses_the_fast_password_hashing_of_the_tests(keyfile):
    with pytest.raises(ConfigurationError, match="standard cost"):
        load_settings(prod_env(keyfile), password_hash_profile="fast")
    assert load_settings(prod_env(keyfile)).password_hash_profile == "standard"
