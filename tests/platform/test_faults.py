"""Faults (issue 12): the database goes away in the middle of requests (503 in the contract's
shape, a plain page, nothing half-written, recovery without a restart), and a corrupted
ciphertext or an unopenable data key in one record (a deliberate error for that record only,
audited; every other record still served)."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select, text

from casework import create_app
from casework.audit import AuditEvent
from casework.cases.models import Case
from casework.db import Database
from tests.helpers import PG_URL, is_postgres, sign_in

CASE = {"given_names": "Ana", "family_names": "Pérez", "nationality": "SV"}


# --- a database that can be taken away --------------------------------------------------------


class TcpProxy:
    """A TCP relay in front of PostgreSQL that the test can cut (every open connection dropped,
    new ones refused) and restore, as a network outage or a database restart would."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener: socket.socket | None = None
        self.port = 0
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()
        self.start()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self.listener is None:
            return
        # shutdown() wakes the thread blocked in accept() (close() alone would not on Linux).
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self.listener = None
        with self.lock:
            links, self.links = self.links, []
        for s in links:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        if self.listener is None:
            self.start()


class Outage:
    """Takes the database away from one app and gives it back: on PostgreSQL a cut network
    (the proxy above); on SQLite another process holding the write lock (the app's connections
    give up after a short busy timeout with "database is locked")."""

    def __init__(self, db_url: str, tmp_path):
        self.db_url = db_url
        if is_postgres():
            url = PG_URL or ""
            host_port = url.split("@", 1)[1].split("/", 1)[0]
            host, port = host_port.rsplit(":", 1)
            self.proxy: TcpProxy | None = TcpProxy(host, int(port))
            self.app_url = url.replace(host_port, f"127.0.0.1:{self.proxy.port}")
            self.database = Database(self.app_url)
        else:
            self.proxy = None
            self.app_url = db_url
            self.database = Database(db_url, busy_timeout_ms=200)
        self.holder: sqlite3.Connection | None = None

    def begin(self) -> None:
        if self.proxy is not None:
            self.proxy.cut()
        else:
            path = self.db_url.removeprefix("sqlite:///")
            self.holder = sqlite3.connect(path, isolation_level=None)
            self.holder.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if self.proxy is not None:
            self.proxy.restore()
        elif self.holder is not None:
            self.holder.execute("ROLLBACK")
            self.holder.close()
            self.holder = None

    def close(self) -> None:
        self.end()
        self.database.dispose()
        if self.proxy is not None:
            self.proxy.cut()


@pytest.fixture
def outage(app, settings, db_url, tmp_path) -> Iterator[tuple[object, Outage]]:
    """An app of its own whose database the test can take away (`outage.begin()`)."""
    fault = Outage(db_url, tmp_path)
    own = create_app(settings, database=fault.database)
    try:
        yield own, fault
    finally:
        fault.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _count_cases(database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


def test_api_answers_503_while_the_database_is_away_and_recovers_without_a_restart(
    outage, make_user, make_token, database
):
    own, fault = outage
    token = make_token(make_user("focal_point"))
    client = own.test_client()
    assert client.get("/api/v1/cases", headers=_bearer(token)).status_code == 200

    fault.begin()
    try:
        for method, path, body in (
            ("get", "/api/v1/cases", None),
            ("post", "/api/v1/cases", CASE),
        ):
            resp = getattr(client, method)(path, json=body, headers=_bearer(token))
            assert resp.status_code == 503, (path, resp.status_code)
            assert resp.json["error"]["code"] == "unavailable"
            assert resp.json["error"]["message"]
            assert int(resp.headers["Retry-After"]) > 0
    finally:
        fault.end()

    assert _count_cases(database) == 0
    # The same app, no restart: the dead connections were dropped, new ones work.
    created = client.post("/api/v1/cases", json=CASE, headers=_bearer(token))
    assert created.status_code == 201, created.json
    assert client.get("/api/v1/cases", headers=_bearer(token)).json["total"] == 1


def test_pages_show_a_plain_translated_page_while_the_database_is_away(outage, make_user):
    own, fault = outage
    user = make_user("focal_point")
    client = own.test_client()
    sign_in(client, user)
    assert client.get("/cases").status_code == 200

    fault.begin()
    try:
        page = client.get("/cases")
        spanish = client.get("/cases", headers={"Accept-Language": "es"})
    finally:
        fault.end()
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert int(page.headers["Retry-After"]) > 0
    body = page.get_data(as_text=True)
    assert "try again" in body and "Traceback" not in body and "OperationalError" not in body
    assert spanish.status_code == 503 and 'lang="es"' in spanish.get_data(as_text=True)
    assert client.get("/cases").status_code == 200


def _break_connection_at(database: Database, statement_start: str):
    """At the first statement starting with `statement_start`, break the connection for real:
    PostgreSQL terminates the backend (from another connection); SQLite interrupts the
    statement (its progress handler). Returns a function that removes the fault."""
    fired: list[str] = []
    interrupted: list = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if fired or not statement.lstrip().upper().startswith(statement_start):
            return
        fired.append(statement)
        raw = conn.connection.dbapi_connection
        if conn.dialect.name == "postgresql":
            pid = raw.info.backend_pid
            killer = Database(database.url)
            with killer.engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            killer.dispose()
        else:
            calls = iter([1])  # interrupt this statement only
            raw.set_progress_handler(lambda: next(calls, 0), 1)
            interrupted.append(raw)

    event.listen(database.engine, "before_cursor_execute", before)

    def remove() -> None:
        event.remove(database.engine, "before_cursor_execute", before)
        for raw in interrupted:
            raw.set_progress_handler(None, 1)

    return fired, remove


def test_a_write_broken_midway_leaves_nothing_and_the_next_one_succeeds(
    app, settings, db_url, make_user, make_token, database
):
    own_db = Database(db_url)
    own = create_app(settings, database=own_db)
    token = make_token(make_user("focal_point"))
    client = own.test_client()
    events_before = _count_events(database)
    # The case, its data key and index rows are written; the audit event is the last write.
    fired, remove = _break_connection_at(own_db, "INSERT INTO AUDIT_EVENTS")
    try:
        resp = client.post("/api/v1/cases", json=CASE, headers=_bearer(token))
    finally:
        remove()
    try:
        assert fired, "the fault was not injected"
        assert resp.status_code == 503, resp.get_data(as_text=True)
        assert resp.json["error"]["code"] == "unavailable"
        assert _count_cases(database) == 0
        assert _count_events(database) == events_before
        again = client.post("/api/v1/cases", json=CASE, headers=_bearer(token))
        assert again.status_code == 201, again.json
        assert _count_cases(database) == 1
    finally:
        own_db.dispose()


def _count_events(database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


@pytest.mark.skipif(is_postgres(), reason="SQLite's own lock; PostgreSQL's outage is above")
def test_a_locked_sqlite_database_is_503_not_500(outage, make_user, make_token):
    own, fault = outage
    token = make_token(make_user("focal_point"))
    fault.begin()
    try:
        resp = own.test_client().post("/api/v1/cases", json=CASE, headers=_bearer(token))
    finally:
        fault.end()
    assert resp.status_code == 503
    assert resp.json["error"]["code"] == "unavailable"


# --- a record that does not decrypt -----------------------------------------------------------


def _case_row(database, reference: str) -> tuple:
    with database.engine.connect() as conn:
        return conn.execute(
            text("SELECT id, given_names_enc FROM cases WHERE reference = :r"), {"r": reference}
        ).one()


def _corrupt_given_names(database, reference: str) -> str:
    """Flip one byte of the case's encrypted given names in the raw database; its row id."""
    row_id, envelope = _case_row(database, reference)
    damaged = bytearray(envelope)
    damaged[-1] ^= 0x01
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE cases SET given_names_enc = :v WHERE reference = :r"),
            {"v": bytes(damaged), "r": reference},
        )
    return str(row_id if not isinstance(row_id, bytes) else row_id.hex())


def _unreadable_events(database) -> list[AuditEvent]:
    with database.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.action == "record.unreadable")
        return list(s.scalars(stmt.order_by(AuditEvent.seq)))


@pytest.fixture
def two_cases(api):
    focal = api("focal_point")
    bad = focal.post("/cases", json=CASE | {"given_names": "Marisol"}).json["reference"]
    good = focal.post("/cases", json=CASE | {"given_names": "Rosa"}).json["reference"]
    return focal, bad, good


def test_a_corrupted_field_fails_that_record_only_and_is_audited(two_cases, database, caplog):
    focal, bad, good = two_cases
    _corrupt_given_names(database, bad)

    resp = focal.get(f"/cases/{bad}")
    assert resp.status_code == 500
    error = resp.json["error"]
    assert error["code"] == "record_unreadable"
    assert error["message"].startswith("This record cannot be decrypted; it has been reported")
    assert "Marisol" not in resp.get_data(as_text=True)

    (event,) = _unreadable_events(database)
    assert event.case_reference == bad and event.object_type == "cases"
    assert event.details["field"] == "given_names"
    assert event.actor_id == focal.user.id
    logged = [r.getMessage() for r in caplog.records if "unreadable" in r.getMessage()]
    assert logged and "given_names" in logged[0]
    assert not any("Marisol" in m or "Rosa" in m for m in logged)

    assert focal.get(f"/cases/{good}").json["given_names"] == "Rosa"
    listed = focal.get("/cases")
    assert listed.status_code == 200
    items = {i["reference"]: i for i in listed.json["items"]}
    assert items[bad]["unreadable"] is True and "given_names" not in items[bad]
    assert items[bad]["family_names"] == "Pérez"  # what still decrypts is shown
    assert items[good]["given_names"] == "Rosa" and not items[good].get("unreadable")
    assert len(_unreadable_events(database)) == 2  # the list's failure is audited too
    # A new case like the damaged one is still registered (the duplicate check skips it).
    again = focal.post("/cases", json=CASE | {"given_names": "Marisol"})
    assert again.status_code == 201, again.json


def test_pages_list_the_damaged_case_as_unreadable_and_its_page_says_why(
    two_cases, database, client
):
    focal, bad, good = two_cases
    _corrupt_given_names(database, bad)
    sign_in(client, focal.user)

    listed = client.get("/cases")
    assert listed.status_code == 200
    body = listed.get_data(as_text=True)
    assert "[unreadable]" in body and "Rosa" in body and bad in body

    page = client.get(f"/cases/{bad}")
    assert page.status_code == 500 and page.mimetype == "text/html"
    text_ = page.get_data(as_text=True)
    assert "This record cannot be decrypted" in text_
    assert "Traceback" not in text_ and "DecryptionError" not in text_
    assert client.get(f"/cases/{good}").status_code == 200


def test_a_case_whose_data_key_does_not_open_is_unreadable_not_an_unhandled_500(
    api, make_org, database
):
    """The case row moved to another organisation in the database: its key is bound to the
    first, so it does not decrypt for the second (a deliberate 500, not 'internal')."""
    focal = api("focal_point")
    moved = focal.post("/cases", json=CASE).json["reference"]
    other = make_org("GT")
    elsewhere = api("focal_point", other)
    own = elsewhere.post("/cases", json=CASE | {"given_names": "Lucía"}).json["reference"]
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE cases SET organisation_id = :o WHERE reference = :r"),
            {"o": other.id if is_postgres() else other.id.hex, "r": moved},
        )

    resp = elsewhere.get(f"/cases/{moved}")
    assert resp.status_code == 500
    assert resp.json["error"]["code"] == "record_unreadable"
    listed = elsewhere.get("/cases")
    assert listed.status_code == 200
    items = {i["reference"]: i for i in listed.json["items"]}
    assert items[moved]["unreadable"] is True
    assert items[own]["given_names"] == "Lucía"
    events = _unreadable_events(database)
    assert events and all(e.organisation_id == other.id for e in events)
