"""GET /cases/<ref>/candidates and GET /remains/<id>/candidates: the true pair first among
decoys both ways, the hard exclusions, statuses, organisation scoping, paging and the audit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from casework.audit import AuditEvent
from casework.cases import operations as case_ops
from casework.cases.models import Case, CaseStatus
from casework.remains import matching
from casework.remains import operations as remains_ops
from casework.remains.models import Remains
from tests.remains.candidate_data import (
    CASE_VARIANTS,
    REMAINS_VARIANTS,
    TRUE_CASE,
    TRUE_REMAINS,
    actor,
    add_case,
    add_remains,
    decoys,
    excluded_cases,
    excluded_remains,
)


@pytest.fixture
def people(database, make_user):
    """`people(organisation=None)` → (focal point actor, forensic actor) of that organisation."""

    def factory(organisation=None):
        focal, forensic = (
            make_user("focal_point", organisation),
            make_user("forensic", organisation),
        )
        with database.session() as s:
            return actor(s, focal), actor(s, forensic)

    return factory


@pytest.fixture
def new_case(database, people):
    def factory(fields, organisation=None) -> str:
        focal, _ = people(organisation)
        with database.session() as s:
            return add_case(s, focal, fields).reference

    return factory


@pytest.fixture
def new_remains(database, people):
    def factory(fields, organisation=None) -> str:
        _, forensic = people(organisation)
        with database.session() as s:
            return str(add_remains(s, forensic, fields).id)

    return factory


def _all(caller, path: str) -> dict:
    resp = caller.get(path, query_string={"per_page": 100})
    assert resp.status_code == 200, resp.json
    return resp.json


# --- the true pair among decoys -------------------------------------------------------------


def test_the_true_remains_rank_first_among_decoys(api, new_case, new_remains):
    reference = new_case(TRUE_CASE)
    truth = new_remains(TRUE_REMAINS)
    decoy_ids = [new_remains(fields) for fields in decoys(REMAINS_VARIANTS, 24, 7)]
    excluded = [new_remains(fields) for fields in excluded_remains()]

    body = _all(api("forensic"), f"/cases/{reference}/candidates")
    items = body["items"]
    assert items[0]["remains_id"] == truth
    assert items[0]["band"] == "likely"
    assert items[0]["remains_reference"].startswith("SLV-UR-")
    assert all(item["score"] < items[0]["score"] for item in items[1:])
    listed = {item["remains_id"] for item in items}
    assert listed <= {truth, *decoy_ids}
    assert not listed & set(excluded)
    assert len(items) >= 5, "some decoys are candidates too"
    assert body["total"] == len(items) and body["page"] == 1 and body["per_page"] == 100


def test_the_true_case_ranks_first_among_decoys(api, new_case, new_remains):
    remains_id = new_remains(TRUE_REMAINS)
    truth = new_case(TRUE_CASE)
    decoy_refs = [new_case(fields) for fields in decoys(CASE_VARIANTS, 24, 8)]
    excluded = [new_case(fields) for fields in excluded_cases()]

    items = _all(api("focal_point"), f"/remains/{remains_id}/candidates")["items"]
    assert items[0]["case_reference"] == truth
    assert items[0]["band"] == "likely"
    assert all(item["score"] < items[0]["score"] for item in items[1:])
    listed = {item["case_reference"] for item in items}
    assert listed <= {truth, *decoy_refs}
    assert not listed & set(excluded)
    assert len(items) >= 5


def test_each_item_explains_its_score(api, new_case, new_remains):
    reference = new_case(TRUE_CASE)
    new_remains(TRUE_REMAINS)
    new_remains({**TRUE_REMAINS, "found_country": "MX", "effects": None})
    for item in _all(api("forensic"), f"/cases/{reference}/candidates")["items"]:
        assert set(item) == {"remains_id", "remains_reference", "score", "band", "factors"}
        assert set(item["factors"]) == set(matching.WEIGHTS)
        assert sum(item["factors"].values()) == pytest.approx(item["score"], abs=1e-12)
        assert 0 <= item["score"] <= 1
        assert item["band"] == ("likely" if item["score"] >= 0.7 else "possible")


# --- exclusions and statuses ----------------------------------------------------------------


def test_hard_exclusions_are_absent_however_good_the_rest(api, new_case, new_remains):
    reference = new_case(TRUE_CASE)
    male = new_remains({**TRUE_REMAINS, "sex": "male"})
    before = new_remains({**TRUE_REMAINS, "found_date": "2023-08-30"})
    unknown_sex = new_remains({**TRUE_REMAINS, "sex": "unknown"})
    same_year = new_remains({**TRUE_REMAINS, "found_date": "2023"})
    items = _all(api("forensic"), f"/cases/{reference}/candidates")["items"]
    listed = {item["remains_id"] for item in items}
    assert male not in listed and before not in listed
    # Unknown sex and a year-only date of the same year are not excluded.
    assert {unknown_sex, same_year} <= listed


def test_a_male_case_never_sees_female_remains(api, new_case, new_remains):
    reference = new_case({**TRUE_CASE, "sex": "male"})
    new_remains(TRUE_REMAINS)
    assert _all(api("forensic"), f"/cases/{reference}/candidates")["items"] == []


def test_identified_remains_are_not_candidates(api, database, new_case, new_remains, people):
    reference = new_case(TRUE_CASE)
    other = new_case({**TRUE_CASE, "given_names": "Otra"})
    remains_id = new_remains(TRUE_REMAINS)
    caller = api("forensic")
    assert [i["remains_id"] for i in _all(caller, f"/cases/{reference}/candidates")["items"]] == [
        remains_id
    ]
    _, forensic = people()
    with database.session() as s:
        case = s.scalar(select(Case).where(Case.reference == other))
        remains_ops.mark_identified(s, forensic, s.get(Remains, uuid.UUID(remains_id)), case)
    assert _all(caller, f"/cases/{reference}/candidates")["items"] == []


def actor_of_case(session, case):
    """An actor of the case's organisation (for a status set directly, as test set-up)."""
    from casework.auth.policy import Actor

    return Actor(user_id=None, organisation_id=case.organisation_id, role="focal_point")


@pytest.mark.parametrize("status", ["closed", "located_alive"])
def test_cases_no_longer_missing_are_not_candidates(api, database, new_case, new_remains, status):
    reference = new_case(TRUE_CASE)
    remains_id = new_remains(TRUE_REMAINS)
    caller = api("forensic")
    path = f"/remains/{remains_id}/candidates"
    assert [i["case_reference"] for i in _all(caller, path)["items"]] == [reference]
    with database.session() as s:
        case = s.scalar(select(Case).where(Case.reference == reference))
        who = actor_of_case(s, case)
        case_ops.set_status_unchecked(s, who, case, CaseStatus(status), "test set-up")
    assert _all(caller, path)["items"] == []


# --- each factor moves the score ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "factor", "direction"),
    [
        ({"sex": "unknown"}, "sex", -1),
        ({"age_min": 16, "age_max": 25}, "age", -1),
        ({"stature_min_cm": 150, "stature_max_cm": 160}, "stature", +1),
        ({"stature_min_cm": 170, "stature_max_cm": 180}, "stature", -1),
        ({"found_date": "2023-09"}, "date", +1),
        ({"found_date": "2025-06"}, "date", -1),
        ({"found_country": "GT"}, "geography", -1),
        ({"found_country": None}, "geography", -1),
        ({"distinguishing_marks": None, "effects": "Pink backpack"}, "terms", -1),
    ],
)
def test_each_factor_moves_the_score(
    api, database, new_case, new_remains, people, change, factor, direction
):
    reference = new_case(TRUE_CASE)
    remains_id = new_remains(TRUE_REMAINS)
    caller = api("forensic")
    (before,) = _all(caller, f"/cases/{reference}/candidates")["items"]
    _, forensic = people()
    with database.session() as s:
        remains = s.get(Remains, uuid.UUID(remains_id))
        remains_ops.update_remains(s, forensic, remains, change, remains.version)
    items = _all(caller, f"/cases/{reference}/candidates")["items"]
    (after,) = items
    moved = after["factors"][factor] - before["factors"][factor]
    assert moved * direction > 0
    assert (after["score"] - before["score"]) == pytest.approx(moved)
    for other in set(matching.WEIGHTS) - {factor}:
        assert after["factors"][other] == before["factors"][other]


# --- organisation scoping -------------------------------------------------------------------


def test_another_organisations_records_never_appear(api, make_org, new_case, new_remains):
    elsewhere = make_org("GT")
    reference = new_case(TRUE_CASE)
    mine = new_remains({**TRUE_REMAINS, "found_country": "MX"})
    theirs = new_remains(TRUE_REMAINS, organisation=elsewhere)
    their_case = new_case(TRUE_CASE, organisation=elsewhere)
    caller = api("forensic")
    items = _all(caller, f"/cases/{reference}/candidates")["items"]
    assert [i["remains_id"] for i in items] == [mine]
    items = _all(caller, f"/remains/{mine}/candidates")["items"]
    assert [i["case_reference"] for i in items] == [reference]
    assert their_case not in {i["case_reference"] for i in items}
    assert theirs


def test_records_of_another_organisation_are_404(api, make_org, new_case, new_remains):
    elsewhere = make_org("GT")
    their_case = new_case(TRUE_CASE, organisation=elsewhere)
    their_remains = new_remains(TRUE_REMAINS, organisation=elsewhere)
    caller = api("forensic")
    for path in (
        f"/cases/{their_case}/candidates",
        f"/remains/{their_remains}/candidates",
        "/cases/SLV-2026-999999/candidates",
        f"/remains/{uuid.uuid4()}/candidates",
        "/remains/not-a-uuid/candidates",
    ):
        resp = caller.get(path)
        assert resp.status_code == 404, path
        assert resp.json["error"]["code"] == "not_found"


def test_a_case_granted_to_the_organisation_is_a_candidate(
    api, make_org, new_case, new_remains, grants, database
):
    elsewhere = make_org("GT")
    granted = new_case(TRUE_CASE, organisation=elsewhere)
    new_case({**TRUE_CASE, "given_names": "Not granted"}, organisation=elsewhere)
    remains_id = new_remains(TRUE_REMAINS)
    caller = api("forensic")
    with database.session() as s:
        case = s.scalar(select(Case).where(Case.reference == granted))
        grants.grant(caller.user.organisation_id, case.id, {"physical_description"})
    items = _all(caller, f"/remains/{remains_id}/candidates")["items"]
    assert [i["case_reference"] for i in items] == [granted]


@pytest.mark.parametrize("role", ["family_liaison", "auditor", "admin", "partner"])
def test_other_roles_are_refused(api, new_case, role):
    reference = new_case(TRUE_CASE)
    assert api(role).get(f"/cases/{reference}/candidates").status_code == 403


# --- paging and audit -----------------------------------------------------------------------


def test_paging(api, new_case, new_remains):
    reference = new_case(TRUE_CASE)
    for fields in decoys(REMAINS_VARIANTS, 20, 3):
        new_remains(fields)
    caller = api("forensic")
    whole = _all(caller, f"/cases/{reference}/candidates")
    total = whole["total"]
    assert total >= 6
    pages = [
        caller.get(f"/cases/{reference}/candidates", query_string={"per_page": 3, "page": n}).json
        for n in range(1, (total + 2) // 3 + 1)
    ]
    assert all(p["total"] == total and p["per_page"] == 3 for p in pages)
    assert [i["remains_id"] for p in pages for i in p["items"]] == [
        i["remains_id"] for i in whole["items"]
    ]
    past = caller.get(f"/cases/{reference}/candidates", query_string={"page": 99}).json
    assert past["items"] == [] and past["total"] == total
    bad = caller.get(f"/cases/{reference}/candidates", query_string={"per_page": 1000})
    assert bad.status_code == 422


def _events(database, action):
    with database.session() as s:
        return list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )


def test_reading_candidates_records_the_anchor_and_the_page(api, database, new_case, new_remains):
    reference = new_case(TRUE_CASE)
    ids = [new_remains(TRUE_REMAINS), new_remains({**TRUE_REMAINS, "found_country": "MX"})]
    caller = api("forensic")
    before_reads = len(_events(database, "case.read"))
    before_lists = len(_events(database, "remains.list"))
    items = _all(caller, f"/cases/{reference}/candidates")["items"]
    reads = _events(database, "case.read")[before_reads:]
    lists = _events(database, "remains.list")[before_lists:]
    assert len(reads) == 1 and len(lists) == 1
    assert reads[0].object_id == reference and reads[0].details["view"] == "candidates"
    assert reads[0].purpose == "identification"
    assert lists[0].details["view"] == "candidates"
    assert lists[0].details["references"] == [i["remains_id"] for i in items]
    assert sorted(lists[0].details["references"]) == sorted(ids)
    assert lists[0].actor_id == caller.user.id
    # Names of records, never what they hold.
    for event in (*reads, *lists):
        assert "knee" not in str(event.details) and "Sasabe" not in str(event.details)

    remains_reads = len(_events(database, "remains.read"))
    case_lists = len(_events(database, "case.list"))
    _all(caller, f"/remains/{ids[0]}/candidates")
    (read,) = _events(database, "remains.read")[remains_reads:]
    (listed,) = _events(database, "case.list")[case_lists:]
    assert read.object_id == ids[0] and read.details["view"] == "candidates"
    assert listed.details["references"] == [reference]


def test_the_openapi_document_describes_the_candidates(api):
    spec = api("forensic").get("/openapi.json").json
    assert "/api/v1/cases/{reference}/candidates" in spec["paths"]
    assert "/api/v1/remains/{remains_id}/candidates" in spec["paths"]
