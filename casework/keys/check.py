"""The start-up check of the key file against the database: a service never starts with a key
file that cannot open the data keys the database holds (missing, or another instance's).

Cheap by design: for each key-encryption-key version that wraps live data keys (found by one
index look-up per version), unwrap a few of those keys. A key file of another instance holds
other KEKs, so none of them opens; one damaged row among several does not stop the service
(that record is reported unreadable when read).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, inspect, select

from casework.crypto import CryptoError, Keyring, unwrap_data_key
from casework.keys.models import DataKey
from casework.keys.service import binding_of
from casework.settings import ConfigurationError

#: Live data keys tried per KEK version: the version passes when any of them opens.
SAMPLES_PER_VERSION = 5


def database_is_new(engine: Engine) -> bool:
    """A database nothing was written to yet: a SQLite file that does not exist (not created by
    asking), or one without the data-key table (not migrated)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        name = url.database or ""
        if name in ("", ":memory:") or not Path(name).exists():
            return True
    with engine.connect() as conn:
        return not inspect(conn).has_table(DataKey.__tablename__)


def count_data_keys(engine: Engine) -> int:
    """Data keys in the database (shredded ones included: the database was made with a key
    file); 0 for a new database."""
    if database_is_new(engine):
        return 0
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(DataKey)) or 0


def _live_versions(conn) -> list[int]:
    """KEK versions that wrap live data keys, one index look-up each (no full scan)."""
    versions: list[int] = []
    last = 0
    while True:
        found = conn.scalar(
            select(func.min(DataKey.kek_version)).where(
                DataKey.kek_version > last, DataKey.wrapped_key.is_not(None)
            )
        )
        if found is None:
            return versions
        versions.append(found)
        last = found


def check_key_file(engine: Engine, keyring: Keyring, path: str) -> None:
    """Raise `ConfigurationError` (one line) when the key file does not open the database's
    data keys. A new or empty database passes."""
    if database_is_new(engine):
        return
    with engine.connect() as conn:
        for version in _live_versions(conn):
            if version not in keyring.keks:
                raise ConfigurationError(
                    f"key file {path} lacks key-encryption key {version}, which wraps data "
                    "keys in the database: it is another instance's key file, or an older copy"
                )
            sample = conn.execute(
                select(DataKey)
                .where(DataKey.kek_version == version, DataKey.wrapped_key.is_not(None))
                .limit(SAMPLES_PER_VERSION)  # any few: no sort, the version's index only
            ).all()
            if not any(_opens(keyring, row) for row in sample):
                raise ConfigurationError(
                    f"key file {path} does not open the database's data keys (key-encryption "
                    f"key {version}): it is another instance's key file"
                )


def _opens(keyring: Keyring, row) -> bool:
    key = DataKey(
        id=row.id,
        subject_type=row.subject_type,
        organisation_id=row.organisation_id,
        binding=row.binding,
    )
    try:
        unwrap_data_key(keyring, row.kek_version, row.wrapped_key, binding_of(key))
    except (CryptoError, ValueError):
        return False
    return True
