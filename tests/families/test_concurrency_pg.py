"""Concurrent writers of one case's family on PostgreSQL (issue 12): relatives added while
consents are withdrawn, each consent by two people at once.

SQLite serialises every request (BEGIN IMMEDIATE), so only PostgreSQL can show these races.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from casework.audit import AuditEvent
from casework.cases.models import Case
from casework.families.models import Consent, Relative, RelativeErasure
from casework.keys import BlindIndexEntry, DataKey
from tests.cases.workers import ThreadCaller, concurrent_app, run_in_threads
from tests.families.helpers import relative_body
from tests.helpers import is_postgres

pytestmark = pytest.mark.skipif(
    not is_postgres(),
    reason="concurrency races show only on PostgreSQL: set CASEWORK_TEST_DATABASE_URL",
)

ADDITIONS = 20
CONSENTS = 10  # each withdrawn by two requests at once: 20 withdrawals


@pytest.fixture
def own_app(app, settings):
    application, database = concurrent_app(settings, connections=ADDITIONS + 2 * CONSENTS + 2)
    yield application
    database.dispose()


def test_relatives_added_while_consents_are_withdrawn(
    own_app, case_ref, make_user, make_token, database, cli
):
    token = make_token(make_user("family_liaison"))
    caller = ThreadCaller(own_app, token)
    consents = []
    for n in range(CONSENTS):
        relative = caller.post(
            f"/cases/{case_ref}/relatives", json=relative_body(full_name=f"Ana Before {n}")
        )
        assert relative.status_code == 201, relative.json
        consent = caller.post(
            f"/relatives/{relative.json['id']}/consents",
            json={"purpose": "tracing", "scope": [{"kind": "any"}]},
        )
        assert consent.status_code == 201, consent.json
        consents.append(consent.json["id"])
    with database.session() as s:
        case_before = s.scalar(select(Case).where(Case.reference == case_ref))
        version_before = case_before.version

    added: list[tuple[int, dict]] = []
    withdrawn: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    lock = threading.Lock()

    def work(n: int) -> None:
        me = ThreadCaller(own_app, token)
        if n < ADDITIONS:
            body = relative_body(full_name=f"Ana During {n}", phone=f"+503 7000 {n:04d}")
            resp = me.post(f"/cases/{case_ref}/relatives", json=body)
            with lock:
                added.append((resp.status_code, resp.get_json()))
        else:
            consent_id = consents[(n - ADDITIONS) % CONSENTS]
            resp = me.post(f"/consents/{consent_id}/withdraw", json={"reason": "no longer"})
            with lock:
                withdrawn[consent_id].append((resp.status_code, resp.get_json()))

    assert run_in_threads(ADDITIONS + 2 * CONSENTS, work) == []

    assert Counter(status for status, _ in added) == {201: ADDITIONS}
    for consent_id in consents:
        statuses = sorted(status for status, _ in withdrawn[consent_id])
        assert statuses == [200, 409], (consent_id, withdrawn[consent_id])
        (refused,) = [body for status, body in withdrawn[consent_id] if status == 409]
        assert refused["error"]["code"] == "conflict"

    listing = caller.get(f"/cases/{case_ref}/relatives?per_page=100").json
    assert listing["total"] == CONSENTS + ADDITIONS
    names = {r["full_name"] for r in listing["items"]}
    assert names == {f"Ana Before {n}" for n in range(CONSENTS)} | {
        f"Ana During {n}" for n in range(ADDITIONS)
    }
    assert {r["case_reference"] for r in listing["items"]} == {case_ref}
    found = caller.post("/relatives/search", json={"phone": "+503 7000 0007"})
    assert found.status_code == 200, found.json
    assert [r["full_name"] for r in found.json["items"]] == ["Ana During 7"]

    with database.session() as s:
        case = s.scalar(select(Case).where(Case.reference == case_ref))
        assert case.version == version_before  # relatives and consents are not case changes
        relatives = s.scalar(
            select(func.count()).select_from(Relative).where(Relative.case_id == case.id)
        )
        assert relatives == CONSENTS + ADDITIONS
        stored = list(s.scalars(select(Consent)))
        assert len(stored) == CONSENTS
        assert all(c.withdrawn_at is not None for c in stored)
        withdrawals = Counter(
            s.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "consent.withdraw"))
        )
        creations = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "relative.create")
        )
        total = s.scalar(select(func.count()).select_from(AuditEvent))
    assert withdrawals == dict.fromkeys(consents, 1)  # each withdrawal recorded once
    assert creations == CONSENTS + ADDITIONS
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"audit chain intact: {total} events"


def test_a_relative_erased_twice_at_once_while_their_consent_is_withdrawn(
    own_app, case_ref, make_user, make_token, database, cli
):
    """Each of five relatives: two erasure requests and a withdrawal of their consent at once.
    One erasure wins (the other is 409 `relative_erased`, never a 500), one tombstone, and the
    consent ends once: by the withdrawal or by the erasure, never both."""
    relatives_count = 5
    token = make_token(make_user("family_liaison"))
    caller = ThreadCaller(own_app, token)
    relatives, consents = [], []
    for n in range(relatives_count):
        relative = caller.post(
            f"/cases/{case_ref}/relatives", json=relative_body(full_name=f"Ana Erased {n}")
        )
        assert relative.status_code == 201, relative.json
        consent = caller.post(
            f"/relatives/{relative.json['id']}/consents",
            json={"purpose": "tracing", "scope": [{"kind": "any"}]},
        )
        assert consent.status_code == 201, consent.json
        relatives.append(relative.json["id"])
        consents.append(consent.json["id"])
    erasures: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    withdrawals: dict[str, tuple[int, dict]] = {}
    lock = threading.Lock()

    def work(n: int) -> None:
        me = ThreadCaller(own_app, token)
        which, role = divmod(n, 3)
        if role < 2:
            resp = me.post(f"/relatives/{relatives[which]}/erase", json={"confirm": True})
            with lock:
                erasures[relatives[which]].append((resp.status_code, resp.get_json()))
        else:
            resp = me.post(f"/consents/{consents[which]}/withdraw", json={"reason": "no longer"})
            with lock:
                withdrawals[consents[which]] = (resp.status_code, resp.get_json())

    assert run_in_threads(3 * relatives_count, work) == []

    for relative_id in relatives:
        answers = sorted(erasures[relative_id], key=lambda answer: answer[0])
        assert [status for status, _ in answers] == [200, 409], answers
        assert answers[1][1]["error"]["code"] == "relative_erased"
    for consent_id in consents:
        # Withdrawn by its own request, or already ended by the erasure that came first.
        assert withdrawals[consent_id][0] in (200, 409), withdrawals[consent_id]
    with database.session() as s:
        tombstones = Counter(s.scalars(select(RelativeErasure.relative_id)))
        erase_events = list(
            s.scalars(select(AuditEvent).where(AuditEvent.action == "relative.erase"))
        )
        withdraw_events = Counter(
            s.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "consent.withdraw"))
        )
        stored = list(s.scalars(select(Consent)))
        total = s.scalar(select(func.count()).select_from(AuditEvent))
    assert {str(k): v for k, v in tombstones.items()} == dict.fromkeys(relatives, 1)
    assert sorted(e.object_id for e in erase_events) == sorted(relatives)
    assert all(c.withdrawn_at is not None for c in stored)
    ended_by_erasure = sum(e.details["consents_withdrawn"] for e in erase_events)
    ended_by_request = sum(withdraw_events.values())
    assert all(count == 1 for count in withdraw_events.values())
    assert ended_by_erasure + ended_by_request == relatives_count  # each consent ended once
    assert sum(1 for status, _ in withdrawals.values() if status == 200) == ended_by_request
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"audit chain intact: {total} events"


def test_nothing_is_written_under_a_key_erased_meanwhile(
    own_app, case_ref, make_user, make_token, database
):
    """Each of six relatives is erased while their phone is changed and a consent is given at
    once. Whichever comes first, the erasure leaves no blind-index value of theirs behind (the
    hotline could still narrow on it) and no live consent of an erased relative."""
    relatives_count = 6
    token = make_token(make_user("family_liaison"))
    caller = ThreadCaller(own_app, token)
    relatives = []
    for n in range(relatives_count):
        relative = caller.post(
            f"/cases/{case_ref}/relatives",
            json=relative_body(full_name=f"Ana Racing {n}", phone=f"+503 7100 {n:04d}"),
        )
        assert relative.status_code == 201, relative.json
        relatives.append(relative.json["id"])
    answers: list[tuple[str, int, dict]] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        me = ThreadCaller(own_app, token)
        which, role = divmod(n, 3)
        relative_id = relatives[which]
        if role == 0:
            kind = "erase"
            resp = me.post(f"/relatives/{relative_id}/erase", json={"confirm": True})
        elif role == 1:
            kind = "update"
            body = {"version": 1, "phone": f"+503 7200 {which:04d}"}
            resp = me.patch(f"/relatives/{relative_id}", json=body)
        else:
            kind = "consent"
            body = {"purpose": "tracing", "scope": [{"kind": "any"}]}
            resp = me.post(f"/relatives/{relative_id}/consents", json=body)
        with lock:
            answers.append((kind, resp.status_code, resp.get_json()))

    assert run_in_threads(3 * relatives_count, work) == []

    assert {(kind, status) for kind, status, _ in answers if kind == "erase"} == {("erase", 200)}
    for kind, status, body in answers:
        assert status in (200, 201, 409), (kind, status, body)
        if status == 409:
            assert body["error"]["code"] == "relative_erased"
    with database.session() as s:
        keys = list(
            s.scalars(
                select(Relative.data_key_id).where(Relative.id.in_(map(uuid.UUID, relatives)))
            )
        )
        assert all(k.is_shredded for k in s.scalars(select(DataKey).where(DataKey.id.in_(keys))))
        left = s.scalar(
            select(func.count())
            .select_from(BlindIndexEntry)
            .where(BlindIndexEntry.data_key_id.in_(keys))
        )
        live = s.scalar(
            select(func.count())
            .select_from(Consent)
            .where(Consent.data_key_id.in_(keys), Consent.withdrawn_at.is_(None))
        )
    assert left == 0
    assert live == 0
