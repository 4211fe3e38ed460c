"""Every read of a case's personal data goes through the access gateway: exactly one audit event
per read (one per case shown, or one per page of a list or search), naming the references and
the categories shown, never a personal value of the case nor the name searched for."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.audit import AuditEvent
from tests.cases.conftest import full_case
from tests.cases.pages import form_values

# Distinctive values that must never reach an audit event (canaries).
GIVEN = "Zephyrine"
FAMILY = "Quillfeather"
ALIAS = "Zephy-canary-alias"
DOCUMENT = "CANARY-DOC-77123"
PLACE_OF_ORIGIN = "canary-origin-318"
LAST_SEEN_PLACE = "canary-place-604"
CIRCUMSTANCES = "canary-circ-991"
MARKS = "canary-mark-442"
CLOTHING = "canary-clothes-275"
PROTECTION = "canary-protect-838"
#: A name that matches nothing.
NO_MATCH = "Xanthorielle"

NEVER = (
    GIVEN,
    GIVEN.lower(),
    GIVEN.upper(),
    FAMILY,
    FAMILY.lower(),
    ALIAS,
    DOCUMENT,
    PLACE_OF_ORIGIN,
    LAST_SEEN_PLACE,
    CIRCUMSTANCES,
    MARKS,
    CLOTHING,
    PROTECTION,
    NO_MATCH,
    NO_MATCH.lower(),
    "1994-03",  # the date of birth
)

CASE_READ = ["identity", "circumstances", "physical_description"]
LIST_PAGE = ["identity", "circumstances"]
TIMELINE = ["circumstances"]

ROW_REF = re.compile(r'<tr data-reference="([A-Z]{3}-\d{4}-\d{6})"')


def canary_case(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        given_names=GIVEN,
        family_names=FAMILY,
        aliases=[ALIAS],
        place_of_origin=PLACE_OF_ORIGIN,
        identity_documents=[{"kind": "national_id", "number": DOCUMENT, "issuing_country": "SV"}],
        last_seen_place=LAST_SEEN_PLACE,
        circumstances=CIRCUMSTANCES,
        distinguishing_marks=MARKS,
        clothing_and_belongings=CLOTHING,
        protection_flags=[{"kind": "country", "value": "SV", "reason": PROTECTION}],
    )
    return full_case(**(fields | overrides))


@pytest.fixture
def case_ref(focal, make_case):
    """A case of the focal point's organisation, full of canary values."""
    created = make_case(focal, **canary_case())
    return created["reference"]


@pytest.fixture
def two_cases(focal, make_case):
    """Two cases of the organisation (oldest first), with different names."""
    first = make_case(focal, **canary_case())["reference"]
    second = make_case(focal, **canary_case(given_names="Bartholomew", family_names="Ochoa"))[
        "reference"
    ]
    return first, second


def _count(database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _all_events(database) -> list[AuditEvent]:
    with database.session() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _columns(event: AuditEvent) -> str:
    """Every column of the event, serialised as one string."""
    values = {c.name: getattr(event, c.key) for c in AuditEvent.__mapper__.columns}
    return json.dumps(values, ensure_ascii=False, default=str)


@pytest.fixture
def one_read(database):
    """`one_read(call)`: calls, asserts exactly one new audit event (all events counted) that
    carries no personal value or search term in any column, returns (response, event)."""

    def run(call, *, extra_never: tuple[str, ...] = ()):
        before = _all_events(database)
        assert _count(database) == len(before)
        response = call()
        after = _all_events(database)
        assert _count(database) == len(before) + 1, [
            (e.action, e.details) for e in after[len(before) :]
        ]
        assert [e.seq for e in after[: len(before)]] == [e.seq for e in before]
        event = after[-1]
        raw = _columns(event)
        details = json.dumps(event.details, ensure_ascii=False)
        for value in (*NEVER, *extra_never):
            assert value not in raw, value
            assert value not in details, value
        return response, event

    return run


@pytest.fixture
def no_event(database):
    """`no_event(call)`: calls and asserts the audit trail did not grow."""

    def run(call):
        before = _count(database)
        response = call()
        assert _count(database) == before
        return response

    return run


def _assert_case_read(event: AuditEvent, ref: str, view: str, categories: list[str]) -> None:
    assert event.action == "case.read"
    assert event.object_type == "case"
    assert event.object_id == ref
    assert event.case_reference == ref
    assert event.categories == categories
    assert event.decision == "allow"
    assert event.details == {"view": view}


def _assert_page(event: AuditEvent, view: str, references: list[str], page: int = 1) -> None:
    assert event.action == "case.list"
    assert event.object_type == "case"
    assert event.object_id is None
    assert event.decision == "allow"
    assert event.details == {
        "view": view,
        "page": page,
        "count": len(references),
        "references": references,
    }


# --- the API: single reads ----------------------------------------------------------------------


def test_api_get_case_is_one_read(focal, case_ref, one_read):
    resp, event = one_read(lambda: focal.get(f"/cases/{case_ref}"))
    assert resp.status_code == 200
    assert resp.json["given_names"] == GIVEN and resp.json["circumstances"] == CIRCUMSTANCES
    _assert_case_read(
        event, case_ref, "case", ["identity", "circumstances", "physical_description"]
    )
    assert event.actor_id == focal.user.id
    assert event.organisation_id == focal.user.organisation_id


def test_api_timeline_is_one_read_of_circumstances(focal, case_ref, one_read):
    resp, event = one_read(lambda: focal.get(f"/cases/{case_ref}/timeline"))
    assert resp.status_code == 200
    assert [e["kind"] for e in resp.json["items"]]
    _assert_case_read(event, case_ref, "timeline", ["circumstances"])


def test_api_unknown_reference_writes_no_read(focal, case_ref, no_event):
    unknown = case_ref[:-6] + ("000000" if not case_ref.endswith("000000") else "000001")
    assert no_event(lambda: focal.get(f"/cases/{unknown}")).status_code == 404
    assert no_event(lambda: focal.get(f"/cases/{unknown}/timeline")).status_code == 404
    assert no_event(lambda: focal.get("/cases/NOT-A-REFERENCE")).status_code == 404


# --- the API: lists and searches ----------------------------------------------------------------


def test_api_list_is_one_read_per_page(focal, two_cases, one_read):
    first, second = two_cases
    resp, event = one_read(lambda: focal.get("/cases"))
    assert resp.status_code == 200
    returned = [c["reference"] for c in resp.json["items"]]
    assert returned == [second, first]  # newest first
    _assert_page(event, "list", [second, first])
    assert event.categories == ["identity", "circumstances"]
    assert event.case_reference is None  # two cases: no single case


def test_api_list_event_respects_pagination(focal, two_cases, one_read):
    first, second = two_cases
    resp, event = one_read(lambda: focal.get("/cases", query_string={"per_page": 1, "page": 1}))
    assert [c["reference"] for c in resp.json["items"]] == [second]
    _assert_page(event, "list", [second], page=1)
    resp, event = one_read(lambda: focal.get("/cases", query_string={"per_page": 1, "page": 2}))
    assert resp.status_code == 200 and resp.json["total"] == 2
    assert [c["reference"] for c in resp.json["items"]] == [first]
    _assert_page(event, "list", [first], page=2)
    assert event.categories == ["identity", "circumstances"]


def test_api_deprecated_get_name_search_is_one_read_without_the_term(focal, two_cases, one_read):
    first, _ = two_cases
    resp, event = one_read(lambda: focal.get("/cases", query_string={"q": GIVEN}))
    assert resp.status_code == 200
    returned = [c["reference"] for c in resp.json["items"]]
    assert returned == [first]
    _assert_page(event, "search", [first])
    assert event.categories == ["identity", "circumstances"]


def test_api_post_search_is_one_read_without_the_term(focal, two_cases, one_read):
    first, _ = two_cases
    resp, event = one_read(lambda: focal.post("/cases/search", json={"q": GIVEN}))
    assert resp.status_code == 200
    returned = [c["reference"] for c in resp.json["items"]]
    assert returned == [first]
    _assert_page(event, "search", [first])
    assert event.categories == ["identity", "circumstances"]


def test_api_search_finding_nothing_is_still_one_read(focal, two_cases, one_read):
    resp, event = one_read(lambda: focal.post("/cases/search", json={"q": NO_MATCH}))
    assert resp.status_code == 200 and resp.json["items"] == []
    _assert_page(event, "search", [])
    assert event.categories == []
    assert event.case_reference is None

    resp, event = one_read(lambda: focal.get("/cases", query_string={"q": NO_MATCH}))
    assert resp.status_code == 200 and resp.json["items"] == []
    _assert_page(event, "search", [])


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, login, focal):
    """The focal point signed in to the pages (the login's own events happen before counting)."""
    assert login(focal.user).status_code == 302
    return client


def test_case_page_is_one_read(signed_in, case_ref, one_read):
    resp, event = one_read(lambda: signed_in.get(f"/cases/{case_ref}"))
    assert resp.status_code == 200
    assert GIVEN in resp.get_data(as_text=True)
    _assert_case_read(
        event, case_ref, "case", ["identity", "circumstances", "physical_description"]
    )


def test_case_page_names_the_possible_duplicates_shown(signed_in, focal, make_case, one_read):
    original = make_case(focal, **canary_case())["reference"]
    duplicate = make_case(focal, **canary_case())["reference"]
    resp, event = one_read(lambda: signed_in.get(f"/cases/{duplicate}"))
    assert resp.status_code == 200
    assert original in resp.get_data(as_text=True)
    assert event.action == "case.read"
    assert event.object_id == duplicate and event.case_reference == duplicate
    assert event.categories == ["identity", "circumstances", "physical_description"]
    assert event.details == {"view": "case", "related": [original]}


def test_edit_page_is_one_read(signed_in, case_ref, one_read):
    resp, event = one_read(lambda: signed_in.get(f"/cases/{case_ref}/edit"))
    assert resp.status_code == 200
    assert (
        form_values(resp.get_data(as_text=True), f"/cases/{case_ref}/edit")["given_names"] == GIVEN
    )
    _assert_case_read(
        event, case_ref, "edit", ["identity", "circumstances", "physical_description"]
    )


def test_pages_unknown_reference_write_no_read(signed_in, case_ref, no_event):
    unknown = case_ref[:-6] + ("000000" if not case_ref.endswith("000000") else "000001")
    assert no_event(lambda: signed_in.get(f"/cases/{unknown}")).status_code == 404
    assert no_event(lambda: signed_in.get(f"/cases/{unknown}/edit")).status_code == 404


def test_list_page_is_one_read_of_the_rows_shown(signed_in, two_cases, one_read):
    first, second = two_cases
    resp, event = one_read(lambda: signed_in.get("/cases"))
    assert resp.status_code == 200
    rows = ROW_REF.findall(resp.get_data(as_text=True))
    assert rows == [second, first]
    _assert_page(event, "list", [second, first])
    assert event.categories == ["identity", "circumstances"]


def test_list_page_event_respects_pagination(signed_in, focal, make_case, one_read):
    # The page shows 25 rows: the 26th case (the oldest) alone is on page 2.
    refs = [make_case(focal)["reference"] for _ in range(26)]
    newest_first = refs[::-1]
    resp, event = one_read(lambda: signed_in.get("/cases"))
    assert ROW_REF.findall(resp.get_data(as_text=True)) == newest_first[:25]
    _assert_page(event, "list", newest_first[:25], page=1)
    resp, event = one_read(lambda: signed_in.get("/cases", query_string={"page": 2}))
    assert resp.status_code == 200
    assert ROW_REF.findall(resp.get_data(as_text=True)) == [refs[0]]
    _assert_page(event, "list", [refs[0]], page=2)
    assert event.categories == ["identity", "circumstances"]
    assert event.case_reference == refs[0]  # one case shown: the event names it


def _search_form(client) -> dict[str, Any]:
    return form_values(client.get("/cases").get_data(as_text=True), "/cases")


def test_name_search_form_is_one_read_without_the_term(signed_in, two_cases, one_read):
    first, _ = two_cases
    form = _search_form(signed_in)
    assert form.get("csrf_token")
    form["q"] = GIVEN
    resp, event = one_read(lambda: signed_in.post("/cases", data=form))
    assert resp.status_code == 200
    rows = ROW_REF.findall(resp.get_data(as_text=True))
    assert rows == [first]
    _assert_page(event, "search", [first])
    assert event.categories == ["identity", "circumstances"]


def test_name_search_form_finding_nothing_is_still_one_read(signed_in, two_cases, one_read):
    form = _search_form(signed_in)
    form["q"] = NO_MATCH
    resp, event = one_read(lambda: signed_in.post("/cases", data=form))
    assert resp.status_code == 200
    assert ROW_REF.findall(resp.get_data(as_text=True)) == []
    _assert_page(event, "search", [])
    assert event.categories == []


# --- the CLI ------------------------------------------------------------------------------------


def _has_cases_show(cli) -> bool:
    commands = cli("cases", "--help")
    return commands.exit_code == 0 and bool(re.search(r"^\s+show\b", commands.output, re.M))


def test_cli_show_is_one_read_with_its_purpose(cli, case_ref, one_read):
    if not _has_cases_show(cli):
        pytest.skip("no `casework cases show` command (casework/cases/cli.py) yet")
    result, event = one_read(
        lambda: cli("cases", "show", case_ref, "--purpose", "data_subject_request")
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["given_names"] == GIVEN
    _assert_case_read(event, case_ref, "cli", ["identity", "circumstances", "physical_description"])
    assert event.purpose == "data_subject_request"
    assert event.role == "system"


def test_cli_show_of_an_unknown_case_writes_no_read(cli, case_ref, no_event):
    if not _has_cases_show(cli):
        pytest.skip("no `casework cases show` command (casework/cases/cli.py) yet")
    unknown = case_ref[:-6] + ("000000" if not case_ref.endswith("000000") else "000001")
    result = no_event(lambda: cli("cases", "show", unknown, "--purpose", "data_subject_request"))
    assert result.exit_code != 0
    result = no_event(lambda: cli("cases", "show", case_ref))  # no purpose: refused
    assert result.exit_code != 0
