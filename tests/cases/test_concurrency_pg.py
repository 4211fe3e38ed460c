"""Concurrent writers of the case registry on PostgreSQL (issue 12): threads, each with its own
test client, bearer token request and database connection, against one server.

SQLite serialises every request (BEGIN IMMEDIATE), so only PostgreSQL can show these races.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from casework.audit import AuditEvent
from casework.cases.models import Case, CaseEvent, TimelineKind
from tests.cases.workers import ThreadCaller, concurrent_app, run_in_threads
from tests.helpers import is_postgres

pytestmark = pytest.mark.skipif(
    not is_postgres(),
    reason="concurrency races show only on PostgreSQL: set CASEWORK_TEST_DATABASE_URL",
)

REFERENCE = re.compile(r"^SLV-\d{4}-(\d{6})$")


@pytest.fixture
def own_app(app, settings):
    """An app with a connection per thread (the `app` fixture still wipes the data after)."""
    application, database = concurrent_app(settings, connections=52)
    yield application
    database.dispose()


@pytest.fixture
def token(make_user, make_token):
    return make_token(make_user("focal_point"))


def _update_events(database, reference: str) -> tuple[list[int], list[int]]:
    """The versions of the case's `case.update` audit events and of its timeline's updates."""
    with database.session() as s:
        audited = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_reference == reference, AuditEvent.action == "case.update")
            .order_by(AuditEvent.seq)
        )
        audit_versions = [e.details["version"] for e in audited]
        case_id = s.scalar(select(Case.id).where(Case.reference == reference))
        timeline_versions = list(
            s.scalars(
                select(CaseEvent.version)
                .where(CaseEvent.case_id == case_id, CaseEvent.kind == TimelineKind.updated)
                .order_by(CaseEvent.version)
            )
        )
    return audit_versions, timeline_versions


def _letters(number: int) -> str:
    """A name made of letters only, different for each number (0 → "Baaa", 1 → "Baab", …)."""
    digits = ""
    for _ in range(3):
        number, rest = divmod(number, 26)
        digits = "abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return "B" + digits


def _verify_chain(cli, database) -> int:
    with database.session() as s:
        total = s.scalar(select(func.count()).select_from(AuditEvent))
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"audit chain intact: {total} events"
    return total


def test_fifty_updates_carrying_the_same_version_one_wins(own_app, token, database, cli):
    caller = ThreadCaller(own_app, token)
    created = caller.post("/cases", json={"given_names": "Ana", "circumstances": "first"})
    assert created.status_code == 201, created.json
    ref, version = created.json["reference"], created.json["version"]
    answers: dict[int, tuple[int, dict]] = {}
    lock = threading.Lock()

    def update(n: int) -> None:
        resp = ThreadCaller(own_app, token).patch(
            f"/cases/{ref}", json={"version": version, "circumstances": f"writer {n}"}
        )
        with lock:
            answers[n] = (resp.status_code, resp.get_json())

    assert run_in_threads(50, update) == []
    statuses = Counter(status for status, _ in answers.values())
    assert statuses == {200: 1, 409: 49}, statuses
    (winner,) = [n for n, (status, _) in answers.items() if status == 200]
    for status, body in answers.values():
        if status == 409:
            assert body["error"]["code"] == "version_conflict"
            assert body["error"]["current_version"] == version + 1

    final = caller.get(f"/cases/{ref}").json
    assert final["version"] == version + 1
    assert final["circumstances"] == f"writer {winner}"
    assert _update_events(database, ref) == ([version + 1], [version + 1])
    _verify_chain(cli, database)


def test_fifty_successive_updates_lose_nothing(own_app, token, database, cli):
    """Ten writers each add five lines to the circumstances by read, change, write with the
    version read, retrying on 409: fifty updates win, one per version, and every line stays."""
    writers, lines_each = 10, 5
    caller = ThreadCaller(own_app, token)
    created = caller.post("/cases", json={"given_names": "Ana", "circumstances": "start"})
    assert created.status_code == 201, created.json
    ref, first_version = created.json["reference"], created.json["version"]
    unexpected: list[tuple[int, dict]] = []
    conflicts = Counter()
    lock = threading.Lock()

    def write(n: int) -> None:
        me = ThreadCaller(own_app, token)
        for line in range(lines_each):
            while True:
                case = me.get(f"/cases/{ref}")
                assert case.status_code == 200, case.status_code
                body = case.json
                text = body["circumstances"] + f"\nwriter {n} line {line}"
                resp = me.patch(
                    f"/cases/{ref}", json={"version": body["version"], "circumstances": text}
                )
                if resp.status_code == 200:
                    break
                with lock:
                    if resp.status_code == 409 and resp.json["error"]["code"] == "version_conflict":
                        conflicts[n] += 1
                    else:
                        unexpected.append((resp.status_code, resp.get_json()))
                        return

    assert run_in_threads(writers, write) == []
    assert unexpected == []
    assert sum(conflicts.values()) > 0  # the writers did overlap

    final = caller.get(f"/cases/{ref}").json
    wins = writers * lines_each
    assert final["version"] == first_version + wins
    lines = final["circumstances"].split("\n")
    assert lines[0] == "start"
    expected = {f"writer {n} line {line}" for n in range(writers) for line in range(lines_each)}
    assert sorted(lines[1:]) == sorted(expected)  # every winner's change, each once
    versions = list(range(first_version + 1, first_version + wins + 1))
    audit_versions, timeline_versions = _update_events(database, ref)
    assert sorted(audit_versions) == versions
    assert timeline_versions == versions
    _verify_chain(cli, database)


def test_five_hundred_concurrent_registrations(own_app, token, database, cli):
    threads, each = 25, 20
    caller = ThreadCaller(own_app, token)
    # One registration alone first: the events a registration appends, as the trail counts them.
    with database.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    first = caller.post("/cases", json={"given_names": "Ana"})
    assert first.status_code == 201, first.json
    with database.session() as s:
        per_registration = s.scalar(select(func.count()).select_from(AuditEvent)) - before
        before += per_registration
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def register(n: int) -> None:
        me = ThreadCaller(own_app, token)
        for i in range(each):
            # Names of their own: the registrations share no name part (no duplicate look-up
            # decrypting earlier cases; that cost is not what is measured here).
            body = {"given_names": _letters(n * each + i)}
            resp = me.post("/cases", json=body)
            with lock:
                answers.append((resp.status_code, resp.get_json()))

    assert run_in_threads(threads, register) == []
    assert Counter(status for status, _ in answers) == {201: threads * each}
    refs = [body["reference"] for _, body in answers] + [first.json["reference"]]
    numbers = sorted(int(REFERENCE.match(r).group(1)) for r in refs)
    assert numbers == list(range(1, threads * each + 2))  # unique and dense

    with database.session() as s:
        stored = s.scalar(select(func.count(func.distinct(Case.reference))))
        created = list(
            s.scalars(
                select(AuditEvent.case_reference)
                .where(AuditEvent.action == "case.create")
                .order_by(AuditEvent.seq)
            )
        )
    assert stored == threads * each + 1
    # The counter row stays locked until the registration commits, and its audit event is
    # appended in the same transaction: the chain records the references in their order.
    assert created == sorted(refs)
    total = _verify_chain(cli, database)
    assert total == before + threads * each * per_registration
