"""Code run in separate processes by the concurrency tests (importable by spawned children)."""

from __future__ import annotations

import uuid

from casework.settings import Settings


def register_cases(settings: Settings, user_id: str, org_id: str, count: int) -> list[str]:
    """Register `count` cases from a fresh process with its own engine; returns references."""
    from casework import create_app
    from casework.auth.policy import Actor
    from casework.cases import operations

    app = create_app(settings)
    database = app.extensions["casework.db"]
    actor = Actor(user_id=uuid.UUID(user_id), organisation_id=uuid.UUID(org_id), role="focal_point")
    refs = []
    try:
        for i in range(count):
            with database.session() as s:
                case = operations.create_case(s, actor, {"given_names": f"Worker {i}"})
                refs.append(case.reference)
    finally:
        database.dispose()
    return refs


# --- concurrent requests through the API (threads; used by the *_concurrency_pg tests) --------


class ThreadCaller:
    """A bearer-token API caller with its own test client: one per thread, so no two threads
    share a client, a request context or a database session."""

    def __init__(self, app, token: str):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, json=None):
        return self.client.open(
            "/api/v1" + path, method=method, json=json, headers=dict(self.headers)
        )

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, json=None):
        return self.request("POST", path, json)

    def patch(self, path: str, json=None):
        return self.request("PATCH", path, json)


def concurrent_app(settings: Settings, connections: int):
    """An app of its own on the test database with a pool of `connections` (the shared test
    app's pool holds 15): every thread holds its own connection, as gunicorn's workers would."""
    from casework import create_app
    from casework.db import Database

    database = Database(settings.database_url, pool_size=connections, max_overflow=0)
    return create_app(settings, database=database), database


def run_in_threads(count: int, work, timeout: float = 300.0) -> list[BaseException]:
    """Run `work(n)` for n in range(count), each in its own thread, all released at once by a
    barrier; returns what they raised (an exception escaping a request is what a client would
    have seen as a 500)."""
    import threading

    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            work(n)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if any(t.is_alive() for t in threads):
        errors.append(TimeoutError("a worker thread was still running"))
    return errors
