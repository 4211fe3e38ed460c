"""Issue 12, defects 5 and 8, found by trying casework as its users would: duplicate chains,
closing as a duplicate without naming the survivor, reopening a closed case, and finding a case
by the end of its reference."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from casework.auth.models import User
from casework.auth.policy import Actor
from casework.cases import queries
from casework.cases.models import Case, CaseStatus, ClosureReason
from casework.cases.policy import check_transition
from casework.errors import Forbidden
from tests.cases.pages import form_values
from tests.cases.test_transitions import force_status


def _link(caller, survivor: str, duplicate: str, note: str = "same person"):
    return caller.post(
        f"/cases/{survivor}/link-duplicate", json={"duplicate_reference": duplicate, "note": note}
    )


def _timeline(caller, reference: str) -> list[dict]:
    return caller.get(f"/cases/{reference}/timeline?per_page=100").json["items"]


# --- defect 5: duplicate chains -----------------------------------------------------------------


def test_linking_a_case_that_has_duplicates_repoints_them_to_the_survivor(
    focal, make_case, audit_events
):
    a, b, c = (make_case(focal)["reference"] for _ in range(3))
    assert _link(focal, a, c).status_code == 200  # c is a duplicate of a
    resp = _link(focal, b, a, note="a and b are the same man")  # now a is one of b
    assert resp.status_code == 200, resp.json
    assert sorted(resp.json["linked_duplicates"]) == sorted([a, c])

    moved = focal.get(f"/cases/{c}").json
    assert moved["duplicate_of"] == b  # not left pointing at the closed a
    assert moved["status"] == "closed" and moved["closure_reason"] == "duplicate"
    assert focal.get(f"/cases/{a}").json["linked_duplicates"] == []
    assert focal.get(f"/cases/{b}").json["linked_duplicates"] == sorted([a, c])

    last = _timeline(focal, c)[-1]
    assert last["case_reference"] == c
    assert (last["kind"], last["related_case_reference"], last["detail"]) == (
        "linked_as_duplicate",
        b,
        "repointed",
    )
    [repointed] = [e for e in audit_events(c, "case.link_duplicate") if e.details.get("repointed")]
    assert repointed.details["duplicate_of"] == b
    assert repointed.details["previous_duplicate_of"] == a
    assert audit_events(b, "case.link_duplicate")[-1].details["repointed"] == [c]

    # No cycle: neither former survivor can take b in now.
    for survivor in (a, c):
        assert _link(focal, survivor, b).status_code == 409
    assert focal.get(f"/cases/{b}").json["duplicate_of"] is None


def test_closing_as_duplicate_without_duplicate_of_is_refused(focal, make_case):
    ref = make_case(focal)["reference"]
    resp = focal.post(
        f"/cases/{ref}/status",
        json={"status": "closed", "closure_reason": "duplicate", "note": "a duplicate"},
    )
    assert resp.status_code == 422, resp.json
    assert "duplicate_of" in resp.json["error"]["fields"]
    # A case that is not there, or duplicate_of with another reason, is named too.
    for extra in (
        {"closure_reason": "duplicate", "duplicate_of": "SLV-2026-999999"},
        {"closure_reason": "withdrawn_by_family", "duplicate_of": ref},
    ):
        resp = focal.post(f"/cases/{ref}/status", json={"status": "closed", "note": "n"} | extra)
        assert resp.status_code == 422 and "duplicate_of" in resp.json["error"]["fields"]
    after = focal.get(f"/cases/{ref}").json
    assert (after["status"], after["version"]) == ("reported", 1)


def test_closing_as_duplicate_of_a_case_links_the_two(focal, make_case):
    survivor = make_case(focal)["reference"]
    dup = make_case(focal)["reference"]
    resp = focal.post(
        f"/cases/{dup}/status",
        json={
            "status": "closed",
            "closure_reason": "duplicate",
            "duplicate_of": survivor.lower(),
            "note": "reported twice",
        },
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["duplicate_of"] == survivor and resp.json["closure_reason"] == "duplicate"
    assert focal.get(f"/cases/{survivor}").json["linked_duplicates"] == [dup]


@pytest.fixture
def officer(client, login, make_user):
    user = make_user("focal_point")
    assert login(user).status_code == 302
    return user


def test_closing_as_duplicate_through_the_page_needs_the_other_case(
    client, officer, api, make_case
):
    focal = api("focal_point", officer.organisation)
    survivor = make_case(focal)["reference"]
    ref = make_case(focal)["reference"]
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    form = form_values(page, f"/cases/{ref}/status")
    assert "duplicate_of" in form
    form.update(status="closed", closure_reason="duplicate", note="a duplicate")
    html = client.post(f"/cases/{ref}/status", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert "needs the reference of the case it duplicates" in html
    assert 'data-status="reported"' in html

    form = form_values(html, f"/cases/{ref}/status")
    form.update(
        status="closed", closure_reason="duplicate", duplicate_of=survivor, note="a duplicate"
    )
    html = client.post(f"/cases/{ref}/status", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert 'data-closure-reason="duplicate"' in html and 'id="duplicate-of"' in html
    assert survivor in html


# --- defect 8a: reopening -----------------------------------------------------------------------


def test_a_focal_point_reopens_a_closed_case_with_a_note(focal, make_case, audit_events):
    ref = make_case(focal)["reference"]
    focal.post(
        f"/cases/{ref}/status",
        json={"status": "closed", "closure_reason": "withdrawn_by_family", "note": "stop"},
    )
    for note in ({}, {"note": ""}, {"note": "  "}):
        resp = focal.post(f"/cases/{ref}/status", json={"status": "active_search"} | note)
        assert resp.status_code == 422 and "note" in resp.json["error"]["fields"]
    resp = focal.post(
        f"/cases/{ref}/status", json={"status": "active_search", "note": "The family came back"}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "active_search" and resp.json["closure_reason"] is None
    last = _timeline(focal, ref)[-1]
    assert (last["kind"], last["from_status"], last["to_status"]) == (
        "status_changed",
        "closed",
        "active_search",
    )
    assert last["note"] == "The family came back"
    assert last["detail"] == "withdrawn_by_family"  # the closure reason cleared
    [reopened] = audit_events(ref, "case.reopen")
    assert reopened.details["cleared_closure_reason"] == "withdrawn_by_family"
    assert (reopened.details["from"], reopened.details["to"]) == ("closed", "active_search")


def test_only_a_focal_point_reopens(api, focal, make_case, database):
    ref = make_case(focal)["reference"]
    force_status(database, ref, CaseStatus.closed)
    for role in ("family_liaison", "forensic", "admin", "auditor"):
        other = api(role, focal.user.organisation)
        resp = other.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "n"})
        assert resp.status_code in (403, 404), resp.json
    assert focal.get(f"/cases/{ref}").json["status"] == "closed"
    # The rule itself, in the one place that decides transitions.
    with database.session() as s:
        case = queries.case_by_reference_any_org(s, ref)
        liaison = Actor.for_user(s.get(User, focal.user.id))
        liaison = Actor(liaison.user_id, liaison.organisation_id, "family_liaison")
        with pytest.raises(Forbidden):
            check_transition(s, case, CaseStatus.active_search, None, liaison)
        check_transition(s, case, CaseStatus.active_search, None, Actor.for_user(focal.user))


def test_reopening_a_duplicate_clears_its_link_and_says_so(focal, make_case, audit_events):
    survivor = make_case(focal)["reference"]
    dup = make_case(focal)["reference"]
    _link(focal, survivor, dup)
    resp = focal.post(
        f"/cases/{dup}/status", json={"status": "active_search", "note": "Not the same man"}
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["duplicate_of"] is None and resp.json["closure_reason"] is None
    assert focal.get(f"/cases/{survivor}").json["linked_duplicates"] == []
    last = _timeline(focal, dup)[-1]
    assert last["related_case_reference"] == survivor and last["detail"] == "duplicate"
    unlinked = _timeline(focal, survivor)[-1]
    assert (unlinked["kind"], unlinked["detail"], unlinked["related_case_reference"]) == (
        "duplicate_linked",
        "unlinked",
        dup,
    )
    assert audit_events(dup, "case.reopen")[0].details["cleared_duplicate_of"] == survivor
    assert audit_events(survivor, "case.unlink_duplicate")[0].details["duplicate"] == dup


def test_reopening_through_the_status_form(client, officer, api, make_case, database):
    focal = api("focal_point", officer.organisation)
    ref = make_case(focal)["reference"]
    force_status(database, ref, CaseStatus.closed, ClosureReason.withdrawn_by_family)
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    form = form_values(page, f"/cases/{ref}/status")
    assert form["status"] == ""  # nothing pre-selected (issue 14): the user picks reopening
    form.update(status="active_search", note="")
    html = client.post(f"/cases/{ref}/status", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert 'data-status="closed"' in html  # no note, no reopening
    form.update(note="The mother called again")
    html = client.post(f"/cases/{ref}/status", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert 'data-status="active_search"' in html
    assert "Reopened" in html and "The mother called again" in html
    assert "closure reason Withdrawn by the family cleared" in html


# --- defect 8b: the end of a reference ----------------------------------------------------------


@pytest.fixture
def three(focal, make_case):
    return [make_case(focal)["reference"] for _ in range(3)]


@pytest.mark.parametrize("shape", ["number", "padded", "year"])
def test_the_end_of_a_reference_finds_the_case(focal, three, shape):
    wanted = three[1]
    prefix, year, number = wanted.split("-")
    q = {"number": str(int(number)), "padded": number, "year": f"{year}-{number}"}[shape]
    for resp in (
        focal.get("/cases", query_string={"q": q}),
        focal.post("/cases/search", json={"q": q}),
    ):
        assert resp.status_code == 200, resp.json
        assert [c["reference"] for c in resp.json["items"]] == [wanted]
        assert resp.json["total"] == 1


def test_the_end_of_a_reference_keeps_its_year_and_its_organisation(api, make_org, focal, three):
    number = three[0].split("-")[2]
    assert focal.post("/cases/search", json={"q": number}).json["total"] == 1
    assert focal.post("/cases/search", json={"q": f"1999-{number}"}).json["total"] == 0
    other = api("focal_point", make_org("SV"))
    assert other.post("/cases/search", json={"q": number}).json["total"] == 0


def test_the_case_list_page_finds_the_end_of_a_reference(client, officer, api, make_case):
    focal = api("focal_point", officer.organisation)
    refs = [make_case(focal)["reference"] for _ in range(2)]
    search = form_values(client.get("/cases").get_data(as_text=True), "/cases")
    search["q"] = refs[1].split("-")[2]
    html = client.post("/cases", data=search).get_data(as_text=True)
    assert f'data-reference="{refs[1]}"' in html
    assert f'data-reference="{refs[0]}"' not in html


def test_the_reference_end_search_is_served_by_the_number_index(focal, three, database):
    """The statement that finds the number reads its index (at national scale a scan of a
    million references is not an answer)."""
    seen: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "reference_number" in statement and "FROM cases" in statement:
            seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        resp = focal.post("/cases/search", json={"q": three[2].split("-")[2]})
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    engine = database.engine
    assert resp.json["total"] == 1
    statement, params = seen[0]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).fetchall()
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = conn.exec_driver_sql("EXPLAIN " + statement, params).fetchall()
    used = " ".join(str(row) for row in plan)
    assert "ix_cases_reference_number" in used, used


def test_every_case_carries_its_reference_number(focal, three, database):
    with database.session() as s:
        rows = s.execute(select(Case.reference, Case.reference_number)).all()
    assert {ref: number for ref, number in rows} == {ref: int(ref.split("-")[2]) for ref in three}


@pytest.mark.once
def test_migration_0009_backfills_the_reference_numbers(tmp_path):
    """Cases registered before 0009 get their number from their reference."""
    import sqlite3

    from casework import migrate
    from casework.db import make_engine

    url = f"sqlite:///{tmp_path / 'before.db'}"
    migrate.upgrade(url, "0008")
    refs = ["SLV-2025-000012", "GTM-2026-000345", "SLV-2026-1234567"]
    raw = sqlite3.connect(tmp_path / "before.db")  # foreign keys off: bare rows suffice
    with raw:
        for i, ref in enumerate(refs):
            raw.execute(
                "INSERT INTO cases (id, reference, organisation_id, status, version, sex, "
                "languages, route_countries, protection_targets, created_at, updated_at, "
                "data_key_id) VALUES (?, ?, ?, 'reported', 1, 'unknown', '[]', '[]', '[]', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', ?)",
                (f"{i:032x}", ref, "0" * 31 + "f", "0" * 31 + "e"),
            )
    raw.close()
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT reference, reference_number FROM cases")).all())
    finally:
        engine.dispose()
    assert rows == {"SLV-2025-000012": 12, "GTM-2026-000345": 345, "SLV-2026-1234567": 1234567}
