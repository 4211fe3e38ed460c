"""References stay unique when many registrations run at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import re
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from casework.auth.policy import Actor
from casework.cases import operations
from casework.cases.models import Case
from tests.cases.workers import register_cases
from tests.helpers import is_postgres

REFERENCE = re.compile(r"^SLV-\d{4}-(\d{6})$")


def _numbers(refs: list[str]) -> list[int]:
    return sorted(int(REFERENCE.match(r).group(1)) for r in refs)


def test_concurrent_registrations_in_threads_get_distinct_references(database, make_user):
    actor = Actor.for_user(make_user("focal_point"))
    refs: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        try:
            start.wait()
            for i in range(5):
                with database.session() as s:  # a session (and connection) per registration
                    ref = operations.create_case(s, actor, {"given_names": f"T{worker}-{i}"})
                    ref = ref.reference
                with lock:
                    refs.append(ref)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(refs) == 40
    assert _numbers(refs) == list(range(1, 41))  # unique and without gaps


@pytest.mark.skipif(not is_postgres(), reason="processes against one server: PostgreSQL only")
def test_concurrent_registrations_in_processes_get_distinct_references(settings, make_user):
    user = make_user("focal_point")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.starmap(
            register_cases,
            [(settings, str(user.id), str(user.organisation_id), 10) for _ in range(4)],
        )
    refs = [r for batch in results for r in batch]
    assert len(refs) == 40
    assert _numbers(refs) == list(range(1, 41))


def test_the_database_refuses_a_repeated_reference(database, make_user):
    actor = Actor.for_user(make_user("focal_point"))
    with database.session() as s:
        first = operations.create_case(s, actor, {"given_names": "A"}).reference
    with pytest.raises(IntegrityError), database.session() as s:
        case = operations.create_case(s, actor, {"given_names": "B"})
        case.reference = first
        s.flush()
    with database.session() as s:
        assert s.query(Case).count() == 1
