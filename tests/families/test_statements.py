"""List pages and endpoints load their rows (with relatives, cases, officers and data keys) in a
number of SELECT statements that does not grow with the rows; only the audit events of the
reads do, one per relative shown."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator

from sqlalchemy import event

TODAY = dt.date.today()


@contextlib.contextmanager
def _selects(database) -> Iterator[Callable[[], int]]:
    count = 0

    def counter(_conn, _cursor, statement, *_args):
        nonlocal count
        if statement.lstrip().upper().startswith("SELECT"):
            count += 1

    event.listen(database.engine, "before_cursor_execute", counter)
    try:
        yield lambda: count
    finally:
        event.remove(database.engine, "before_cursor_execute", counter)


def _selects_for(database, fetch: Callable[[], object]) -> int:
    with _selects(database) as count:
        fetch()
        return count()


def _grow(liaison, make_case, add_relative, n: int, state: dict) -> None:
    """Up to n cases, each with a relative, a consent and an overdue notification."""
    while len(state["cases"]) < n:
        ref = make_case()
        rel = add_relative(liaison, ref)
        liaison.post(
            f"/relatives/{rel['id']}/consents",
            json={"purpose": "contact", "scope": [{"kind": "any", "value": None}]},
        )
        _plan(liaison, ref, rel["id"], state["officer_id"])
        state["cases"].append((ref, rel["id"]))


def _plan(liaison, ref: str, relative_id: str, officer_id: str) -> None:
    resp = liaison.post(
        f"/cases/{ref}/notifications",
        json={
            "relative_id": relative_id,
            "kind": "progress_update",
            "planned_date": (TODAY - dt.timedelta(days=1)).isoformat(),
            "officer_id": officer_id,
            "channel": "phone",
            "notes": "note",
        },
    )
    assert resp.status_code == 201, resp.json


def test_lists_cost_the_same_selects_for_few_or_many_rows(
    client, login, make_user, api, make_case, add_relative, database
):
    officer = make_user("family_liaison")
    liaison = api("family_liaison")
    state: dict = {"cases": [], "officer_id": str(officer.id)}
    assert login(officer).status_code == 302

    def measure(n: int) -> dict[str, int]:
        _grow(liaison, make_case, add_relative, n, state)
        ref, rel_id = state["cases"][0]
        # One case with n relatives, for the family page and the case's lists.
        while liaison.get(f"/cases/{ref}/relatives").json["total"] < n:
            add_relative(liaison, ref)
        while liaison.get(f"/cases/{ref}/notifications").json["total"] < n:
            _plan(liaison, ref, rel_id, state["officer_id"])
        return {
            "worklist API": _selects_for(database, lambda: liaison.get("/notifications")),
            "worklist page": _selects_for(database, lambda: client.get("/worklist")),
            "relatives API": _selects_for(database, lambda: liaison.get(f"/cases/{ref}/relatives")),
            "notifications API": _selects_for(
                database, lambda: liaison.get(f"/cases/{ref}/notifications")
            ),
            "family page": _selects_for(database, lambda: client.get(f"/cases/{ref}/family")),
            "relative page": _selects_for(database, lambda: client.get(f"/relatives/{rel_id}")),
        }

    few, many = measure(2), measure(6)
    assert liaison.get("/notifications").json["total"] == 6 + 5
    assert few == many
