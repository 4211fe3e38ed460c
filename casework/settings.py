"""The frozen settings object: config/<env>.py overlaid with the CASEWORK_* environment."""

from __future__ import annotations

import os
import runpy
import secrets
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "testing", "production")
CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


#: The shortest session secret production accepts (ASVS 5.0 V11: at least 128 bits of
#: strength; 32 bytes leave room for secrets that are not uniformly random).
MIN_SECRET_KEY_BYTES = 32


class ConfigurationError(Exception):
    """The instance cannot start; the message is one line saying why."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = "sqlite:///instance/casework.db"
    keyring_file: str = "instance/keyring.json"
    secret_key: str | None = None
    instance_path: str = "instance"
    generate_secrets: bool = True
    session_idle_minutes: int = 30
    # A session ends this long after sign-in, however busy (ASVS 5.0 V7.3.2).
    session_absolute_hours: float = 12
    login_max_failures: int = 5
    # "standard": argon2's recommended cost. "fast" exists for the test suite only (thousands
    # of accounts are created there); production refuses it.
    password_hash_profile: str = "standard"  # noqa: S105 - a cost profile, not a password
    login_failure_window_minutes: int = 15
    login_lockout_minutes: int = 15
    max_content_length: int = 4 * 1024 * 1024
    token_default_days: int = 90
    planned_rows: int = 1_000_000
    # The family's status page: a status code's lifetime, and the failed look-ups allowed per
    # code typed and per client address within the window before they wait out the window.
    family_access_days: int = 180
    family_status_failures_per_code: int = 5
    family_status_failures_per_address: int = 20
    family_status_window_minutes: int = 15
    session_cookie_secure: bool = False
    # Proxies in front of the service (werkzeug's ProxyFix): the client address used for sign-in
    # throttling is the one the outermost trusted proxy saw. 0: the socket's peer address.
    trusted_proxies: int = 0
    # Anonymised statistics publish no count below this (1 to n-1 suppressed as null).
    statistics_min_cell: int = 5
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _load_config_file(env: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("default", "production" if env == "production" else env):
        path = CONFIG_DIR / f"{name}.py"
        if path.exists():
            values.update({k: v for k, v in runpy.run_path(str(path)).items() if k.isupper()})
    return values


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from config/<env>.py and CASEWORK_* variables (variables win)."""
    environ = os.environ if environ is None else environ
    env = overrides.pop("env", None) or environ.get("CASEWORK_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"CASEWORK_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}")
    config = _load_config_file(env)
    values: dict[str, Any] = {
        "env": env,
        "database_url": config.get("DATABASE_URL"),
        "keyring_file": config.get("KEYRING_FILE"),
        "secret_key": config.get("SECRET_KEY"),
        "generate_secrets": config.get("GENERATE_SECRETS", True),
        "session_idle_minutes": config.get("SESSION_IDLE_MINUTES", 30),
        "session_absolute_hours": config.get("SESSION_ABSOLUTE_HOURS", 12),
        "login_max_failures": config.get("LOGIN_MAX_FAILURES", 5),
        "password_hash_profile": config.get("PASSWORD_HASH_PROFILE", "standard"),
        "login_failure_window_minutes": config.get("LOGIN_FAILURE_WINDOW_MINUTES", 15),
        "login_lockout_minutes": config.get("LOGIN_LOCKOUT_MINUTES", 15),
        "max_content_length": config.get("MAX_CONTENT_LENGTH", 4 * 1024 * 1024),
        "token_default_days": config.get("TOKEN_DEFAULT_DAYS", 90),
        "planned_rows": config.get("PLANNED_ROWS", 1_000_000),
        "family_access_days": config.get("FAMILY_ACCESS_DAYS", 180),
        "family_status_failures_per_code": config.get("FAMILY_STATUS_FAILURES_PER_CODE", 5),
        "family_status_failures_per_address": config.get("FAMILY_STATUS_FAILURES_PER_ADDRESS", 20),
        "family_status_window_minutes": config.get("FAMILY_STATUS_WINDOW_MINUTES", 15),
        "session_cookie_secure": config.get("SESSION_COOKIE_SECURE", False),
        "trusted_proxies": config.get("TRUSTED_PROXIES", 0),
        "statistics_min_cell": config.get("STATISTICS_MIN_CELL", 5),
    }
    for var, key in (
        ("CASEWORK_DATABASE_URL", "database_url"),
        ("CASEWORK_KEYRING_FILE", "keyring_file"),
        ("CASEWORK_SECRET_KEY", "secret_key"),
    ):
        if environ.get(var):
            values[key] = environ[var]
    if environ.get("CASEWORK_TRUSTED_PROXIES"):
        try:
            values["trusted_proxies"] = int(environ["CASEWORK_TRUSTED_PROXIES"])
        except ValueError:
            raise ConfigurationError("CASEWORK_TRUSTED_PROXIES is not a whole number") from None
        if not 0 <= values["trusted_proxies"] <= 10:
            raise ConfigurationError("CASEWORK_TRUSTED_PROXIES must be between 0 and 10")
    if environ.get("CASEWORK_STATISTICS_MIN_CELL"):
        try:
            values["statistics_min_cell"] = int(environ["CASEWORK_STATISTICS_MIN_CELL"])
        except ValueError:
            raise ConfigurationError("CASEWORK_STATISTICS_MIN_CELL is not a whole number") from None
    if not 1 <= int(values["statistics_min_cell"]) <= 1000:
        raise ConfigurationError("CASEWORK_STATISTICS_MIN_CELL must be between 1 and 1000")
    values.update(overrides)
    if env == "production":
        _refuse_unsafe_production(values)
    else:
        values["database_url"] = values["database_url"] or "sqlite:///instance/casework.db"
        values["keyring_file"] = values["keyring_file"] or "instance/keyring.json"
    return Settings(**values)


def _refuse_unsafe_production(values: dict[str, Any]) -> None:
    url = values.get("database_url")
    if not url:
        raise ConfigurationError("CASEWORK_DATABASE_URL is not set")
    if str(url).startswith("sqlite"):
        raise ConfigurationError(
            "production refuses SQLite: set a PostgreSQL CASEWORK_DATABASE_URL"
        )
    if not values.get("secret_key"):
        raise ConfigurationError("CASEWORK_SECRET_KEY is not set")
    if len(str(values["secret_key"]).encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigurationError(
            f"CASEWORK_SECRET_KEY is shorter than {MIN_SECRET_KEY_BYTES} bytes: "
            "use a random one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if values.get("password_hash_profile", "standard") != "standard":
        raise ConfigurationError("production hashes passwords at the standard cost only")
    path = values.get("keyring_file")
    if not path:
        raise ConfigurationError("CASEWORK_KEYRING_FILE is not set")
    if not os.path.isfile(path):
        raise ConfigurationError(f"key file {path} is missing")
    if not os.access(path, os.R_OK):
        raise ConfigurationError(f"key file {path} is not readable")
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"key file {path} has mode {mode:04o}: it must not be open to group or others "
            f"(chmod 600 {path})"
        )


def ensure_secret_key(settings: Settings) -> Settings:
    """Outside production, generate a session secret into instance/ (0600) once and reuse it."""
    if settings.secret_key:
        return settings
    if not settings.generate_secrets:
        raise ConfigurationError("CASEWORK_SECRET_KEY is not set")
    path = Path(settings.instance_path) / "secret_key"
    if path.exists():
        return settings.with_(secret_key=path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    sys.stderr.write(f"casework: generated a session secret in {path}\n")
    return settings.with_(secret_key=key)
