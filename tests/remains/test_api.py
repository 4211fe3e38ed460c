"""Remains through the API: create, read, list with filters, update with versions, status."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.remains.conftest import remains_body

CONTRACT_FIELDS = {
    "id",
    "reference",
    "version",
    "status",
    "found_date",
    "found_country",
    "found_place",
    "recovery_context",
    "sex",
    "age_min",
    "age_max",
    "stature_min_cm",
    "stature_max_cm",
    "distinguishing_marks",
    "effects",
    "created_at",
}


def test_create_answers_201_with_the_whole_record(forensic):
    resp = forensic.post("/remains", json=remains_body())
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert set(body) >= CONTRACT_FIELDS
    year = dt.datetime.now(dt.UTC).year
    assert re.fullmatch(rf"SLV-UR-{year}-\d{{6}}", body["reference"]), body["reference"]
    assert body["status"] == "unidentified"
    assert body["version"] == 1
    assert body["found_date"] == "2025-11"
    assert body["found_country"] == "US"
    assert body["found_place"] == "Desert near Sasabe, Arizona"
    assert body["recovery_context"] == "Found by a humanitarian search group"
    assert body["sex"] == "female"
    assert (body["age_min"], body["age_max"]) == (14, 19)
    assert (body["stature_min_cm"], body["stature_max_cm"]) == (150, 160)
    assert body["distinguishing_marks"] == "Scar on the left knee; pierced ears"
    assert body["effects"] == "Pink backpack, rosary with white beads, denim jacket"
    assert body["identified_case_reference"] is None
    assert uuid.UUID(body["id"])
    assert resp.headers["Location"].endswith(f"/api/v1/remains/{body['id']}")
    assert resp.headers["ETag"] == '"1"'


def test_references_count_up_per_organisation_country(forensic, api, make_org):
    first = forensic.post("/remains", json=remains_body()).json["reference"]
    second = forensic.post("/remains", json=remains_body()).json["reference"]
    assert int(second[-6:]) == int(first[-6:]) + 1
    mexican = api("forensic", make_org("MX"))
    assert mexican.post("/remains", json=remains_body()).json["reference"].startswith("MEX-UR-")


def test_nothing_is_required_and_sex_defaults_to_unknown(forensic):
    resp = forensic.post("/remains", json={})
    assert resp.status_code == 201, resp.json
    assert resp.json["sex"] == "unknown"
    assert resp.json["found_date"] is None
    assert resp.json["age_min"] is None


def test_open_ended_ranges_and_exact_date(forensic):
    body = remains_body(
        age_min=None, age_max=60, stature_min_cm=170, stature_max_cm=None, found_date="2025-02-10"
    )
    resp = forensic.post("/remains", json=body)
    assert resp.status_code == 201, resp.json
    assert resp.json["age_min"] is None and resp.json["age_max"] == 60
    assert resp.json["stature_min_cm"] == 170 and resp.json["stature_max_cm"] is None
    assert resp.json["found_date"] == "2025-02-10"


def test_found_month_and_precision_in_clear(forensic, database):
    from casework.remains.models import Remains

    ids = {}
    for text in ("2024", "2025-11", "2025-02-10"):
        ids[text] = forensic.post("/remains", json=remains_body(found_date=text)).json["id"]
    with database.session() as s:
        got = {t: s.get(Remains, uuid.UUID(i)) for t, i in ids.items()}
        assert (got["2024"].found_month, got["2024"].found_precision.value) == (
            dt.date(2024, 1, 1),
            "year",
        )
        assert got["2025-11"].found_month == dt.date(2025, 11, 1)
        assert got["2025-11"].found_precision.value == "month"
        assert got["2025-02-10"].found_month == dt.date(2025, 2, 1)
        assert got["2025-02-10"].found_precision.value == "day"


def test_get_and_list_newest_first(forensic, add_remains):
    first = add_remains(forensic)
    second = add_remains(forensic, sex="male")
    one = forensic.get(f"/remains/{first['id']}")
    assert one.status_code == 200
    assert one.json == first
    assert one.headers["ETag"] == '"1"'
    listing = forensic.get("/remains")
    assert listing.status_code == 200
    assert set(listing.json) == {"items", "page", "per_page", "total"}
    assert [r["id"] for r in listing.json["items"]] == [second["id"], first["id"]]
    assert listing.json["total"] == 2
    assert listing.json["items"][1]["effects"] == first["effects"]


def test_list_filters_and_pages(forensic, add_remains):
    a = add_remains(forensic, sex="female", found_country="US")
    b = add_remains(forensic, sex="male", found_country="MX")
    c = add_remains(forensic, sex="male", found_country="US")

    def ids(query: str) -> list[str]:
        resp = forensic.get("/remains" + query)
        assert resp.status_code == 200, resp.json
        return [r["id"] for r in resp.json["items"]]

    assert ids("?sex=male") == [c["id"], b["id"]]
    assert ids("?found_country=us") == [c["id"], a["id"]]
    assert ids("?sex=male&found_country=MX") == [b["id"]]
    assert ids("?status=identified") == []
    assert ids("?status=unidentified") == [c["id"], b["id"], a["id"]]
    page2 = forensic.get("/remains?per_page=2&page=2").json
    assert page2["total"] == 3 and page2["page"] == 2 and page2["per_page"] == 2
    assert [r["id"] for r in page2["items"]] == [a["id"]]


@pytest.mark.parametrize(
    "query, field",
    [
        ("?sex=alien", "sex"),
        ("?status=lost", "status"),
        ("?found_country=ZZ", "found_country"),
        ("?page=0", "page"),
        ("?per_page=1000", "per_page"),
        ("?page=x", "page"),
    ],
)
def test_bad_list_arguments_are_422(forensic, query, field):
    resp = forensic.get("/remains" + query)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["error"]["fields"]


def test_focal_point_reads_but_cannot_write(forensic, api, add_remains):
    created = add_remains(forensic)
    focal = api("focal_point")
    assert focal.get(f"/remains/{created['id']}").json["effects"] == created["effects"]
    assert focal.get("/remains").json["total"] == 1
    assert focal.post("/remains", json=remains_body()).status_code == 403
    resp = focal.patch(f"/remains/{created['id']}", json={"version": 1, "found_place": "x"})
    assert resp.status_code == 403


def test_patch_changes_fields_and_bumps_version(forensic, add_remains):
    created = add_remains(forensic)
    resp = forensic.patch(
        f"/remains/{created['id']}",
        json={"version": 1, "found_place": "Near Sasabe", "age_max": 20, "found_date": "2025"},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["version"] == 2
    assert resp.json["found_place"] == "Near Sasabe"
    assert resp.json["age_max"] == 20 and resp.json["age_min"] == 14
    assert resp.json["found_date"] == "2025"
    assert resp.json["effects"] == created["effects"]
    assert resp.headers["ETag"] == '"2"'
    again = forensic.get(f"/remains/{created['id']}").json
    assert again == resp.json


def test_patch_with_if_match(forensic, add_remains):
    created = add_remains(forensic)
    url = f"/remains/{created['id']}"
    resp = forensic.patch(url, json={"sex": "unknown"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 200, resp.json
    assert resp.json["sex"] == "unknown"
    stale = forensic.patch(url, json={"sex": "male"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "version_conflict"


def test_stale_version_is_409_and_changes_nothing(forensic, add_remains):
    created = add_remains(forensic)
    url = f"/remains/{created['id']}"
    assert forensic.patch(url, json={"version": 1, "found_place": "A"}).status_code == 200
    stale = forensic.patch(url, json={"version": 1, "found_place": "B"})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "version_conflict"
    assert stale.json["error"]["current_version"] == 2
    current = forensic.get(url).json
    assert current["found_place"] == "A" and current["version"] == 2


def test_patch_without_version_is_422(forensic, add_remains):
    created = add_remains(forensic)
    resp = forensic.patch(f"/remains/{created['id']}", json={"found_place": "A"})
    assert resp.status_code == 422
    assert "version" in resp.json["error"]["fields"]


def test_patch_range_checked_against_the_stored_bound(forensic, add_remains):
    created = add_remains(forensic)  # age 14–19, stature 150–160
    url = f"/remains/{created['id']}"
    resp = forensic.patch(url, json={"version": 1, "age_min": 30})
    assert resp.status_code == 422
    assert "age_max" in resp.json["error"]["fields"]
    resp = forensic.patch(url, json={"version": 1, "stature_max_cm": 140})
    assert resp.status_code == 422
    assert "stature_max_cm" in resp.json["error"]["fields"]
    current = forensic.get(url).json
    assert current == created


@pytest.mark.parametrize("status", ["identified", "unidentified_x", "returned_to_family"])
def test_unidentified_remains_cannot_change_status_by_patch(forensic, add_remains, status):
    created = add_remains(forensic)
    resp = forensic.patch(f"/remains/{created['id']}", json={"version": 1, "status": status})
    if status == "unidentified_x":
        assert resp.status_code == 422
        assert "status" in resp.json["error"]["fields"]
    else:
        assert resp.status_code == 409
        assert resp.json["error"]["code"] == "illegal_transition"
    assert forensic.get(f"/remains/{created['id']}").json == created


def _identify(database, make_user, make_case, remains_id: str) -> str:
    from casework.auth.models import User
    from casework.auth.policy import Actor
    from casework.cases.queries import case_by_reference_any_org
    from casework.remains import operations
    from casework.remains.models import Remains

    reference = make_case()
    user = make_user("forensic")
    with database.session() as s:
        case = case_by_reference_any_org(s, reference)
        actor = Actor.for_user(s.get(User, user.id))
        operations.mark_identified(s, actor, s.get(Remains, uuid.UUID(remains_id)), case)
    return reference


def test_identified_remains_are_returned_to_family_and_no_further(
    forensic, add_remains, database, make_user, make_case
):
    created = add_remains(forensic)
    url = f"/remains/{created['id']}"
    case_ref = _identify(database, make_user, make_case, created["id"])
    identified = forensic.get(url).json
    assert identified["status"] == "identified"
    assert identified["identified_case_reference"] == case_ref
    assert identified["version"] == 2
    back = forensic.patch(url, json={"version": 2, "status": "unidentified"})
    assert back.status_code == 409 and back.json["error"]["code"] == "illegal_transition"
    resp = forensic.patch(url, json={"version": 2, "status": "returned_to_family"})
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "returned_to_family"
    assert resp.json["identified_case_reference"] == case_ref
    for status in ("unidentified", "identified"):
        again = forensic.patch(url, json={"version": 3, "status": status})
        assert again.status_code == 409
        assert again.json["error"]["code"] == "illegal_transition"
    assert forensic.get("/remains?status=returned_to_family").json["total"] == 1


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", str(uuid.uuid4())])
def test_malformed_or_unknown_id_is_404(forensic, bad):
    assert forensic.get(f"/remains/{bad}").status_code == 404
    resp = forensic.patch(f"/remains/{bad}", json={"version": 1, "found_place": "x"})
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"


def test_no_token_is_401(client):
    assert client.get("/api/v1/remains").status_code == 401
    assert client.post("/api/v1/remains", json=remains_body()).status_code == 401


HOSTILE_BUT_VALID = [
    "'; DROP TABLE remains; --",
    "<script>alert('x')</script>",
    "Cicatriz en la rodilla izquierda · ندبة على الركبة · 膝の傷 · 🦅",
    # A direction mark is text; a bidi override is refused (tests/platform/test_input_hygiene.py).
    "\u200fRLM-marked \u05e9\u05dc\u05d5\u05dd",
    "line one\nline two\ttabbed",
]


@pytest.mark.parametrize("value", HOSTILE_BUT_VALID)
def test_strange_but_valid_text_round_trips(forensic, value):
    # The place is one line of text: no line breaks or tabs there.
    place = " ".join(value.split())[:500]
    body = remains_body(found_place=place, distinguishing_marks=value, effects=value)
    resp = forensic.post("/remains", json=body)
    assert resp.status_code == 201, resp.json
    again = forensic.get(f"/remains/{resp.json['id']}").json
    assert again["distinguishing_marks"] == value.strip()
    assert again["effects"] == value.strip()
    assert forensic.get("/remains").json["total"] == 1
