"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when CASEWORK_TEST_DATABASE_URL is
set), the app, clients, and factories for organisations, users, logins and tokens."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from casework import create_app, migrate
from casework.auth import operations
from casework.auth.models import Organisation, User
from casework.db import Database
from casework.models import metadata
from casework.settings import Settings
from tests.helpers import PASSWORD, PG_URL, sign_in


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        _reset_postgres(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'casework.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture
def settings(db_url: str, instance_dir: Path) -> Settings:
    return Settings(
        env="testing",
        database_url=db_url,
        keyring_file=str(instance_dir / "keyring.json"),
        secret_key="test-secret-key-not-for-production",
        instance_path=str(instance_dir),
        login_max_failures=3,
        planned_rows=10_000,
        # Thousands of accounts are made here: argon2 at its lowest cost (never in production).
        password_hash_profile="fast",
    )


def _wipe(database: Database) -> None:
    with database.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


#: Apps already built, by their settings: building one (blueprints, the OpenAPI document)
#: costs about 0.3 s, and the suite's two thousand tests use a handful of settings. An app
#: holds no state of its own between requests (the database is wiped after every test).
_APPS: dict[tuple[str, int], object] = {}


@pytest.fixture
def app(settings: Settings, database: Database):
    key = (repr(settings), id(database))
    application = _APPS.get(key)
    if application is None:
        application = _APPS[key] = create_app(settings, database=database)
    yield application
    _wipe(database)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    """Run a `casework` command against the test app: `cli("create-token", "--email", e)`."""
    from click.testing import CliRunner

    from casework.cli import main
    from casework.commands import CliContext

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), obj=CliContext(app), input=input)

    return invoke


@pytest.fixture
def session(app, database: Database):
    """A session outside any request, for arranging data and reading it back."""
    s = database.new_session()
    yield s
    s.rollback()
    s.close()


_seq = itertools.count(1)


@pytest.fixture
def make_org(app, database: Database):
    def factory(country: str = "SV", kind: str = "national_authority", name: str | None = None):
        with database.session() as s:
            org = operations.create_organisation(
                s, name or f"Org {next(_seq)} {country}", country, kind
            )
            return s.get(Organisation, org.id)

    return factory


@pytest.fixture
def org(make_org) -> Organisation:
    return make_org("SV")


@pytest.fixture
def make_user(database: Database, org: Organisation):
    def factory(role: str = "focal_point", organisation: Organisation | None = None) -> User:
        with database.session() as s:
            user = operations.create_user(
                s,
                f"{role}{next(_seq)}@example.org",
                PASSWORD,
                role,
                (organisation or org).id,
            )
            user_id = user.id
        with database.session() as s:
            return s.get(User, user_id)

    return factory


@pytest.fixture
def make_token(database: Database):
    def factory(user: User, days: int = 30) -> str:
        with database.session() as s:
            _, secret = operations.create_token(s, s.get(User, user.id), days)
            return secret

    return factory


@pytest.fixture
def api(client, make_user, make_token):
    """An API caller: `api(role)` returns a client wrapper sending that role's bearer token."""

    class Caller:
        def __init__(self, user: User, token: str):
            self.user, self.token = user, token

        def _headers(self, extra=None):
            h = {"Authorization": f"Bearer {self.token}"}
            h.update(extra or {})
            return h

        def get(self, path, **kw):
            return client.get(
                "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
            )

        def post(self, path, json=None, **kw):
            return client.post(
                "/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
            )

        def patch(self, path, json=None, **kw):
            return client.patch(
                "/api/v1" + path, json=json, headers=self._headers(kw.pop("headers", None)), **kw
            )

    def factory(role: str = "focal_point", organisation: Organisation | None = None) -> Caller:
        user = make_user(role, organisation)
        return Caller(user, make_token(user))

    return factory


@pytest.fixture
def login(client):
    """Sign a user in through the real login form (and code step); returns the response."""

    def do(user: User, password: str = PASSWORD, next_url: str | None = None):
        # Admins, partners and auditors also pass the code step (secret read from the database).
        return sign_in(client, user, password, next_url)

    return do


@pytest.fixture
def grants():
    """A stand-in grant provider (for the exchange domain): `grants.grant(org_id, case_id,
    categories)`."""
    from casework import registry
    from tests.helpers import StandInGrants

    provider = StandInGrants()
    with registry.registered(registry.GRANT_PROVIDER, provider):
        yield provider
