"""GET /api/v1/dashboard/statistics: the counts match a count made directly in the database,
small cells (and the cells that would give them away by subtraction) are null, in the JSON and
the CSV, only the caller's organisation is counted, and only focal points and admins may ask."""

from __future__ import annotations

import csv
import io

import pytest

from casework.settings import ConfigurationError, load_settings
from tests.dashboard.conftest import database_counts

PATH = "/dashboard/statistics"
THRESHOLD = 5
PARTITIONS = ("status", "month", "last_seen_country", "sex", "age_band")


def test_counts_match_the_database_and_small_cells_are_null(world, database):
    resp = world.focal.get(PATH)
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["threshold"] == THRESHOLD
    counts = body["counts"]
    expected = database_counts(database, world.organisation_id)
    assert sum(expected["status"].values()) == 40  # the whole organisation, nothing else

    for name in (*PARTITIONS, "route_country"):
        published, actual = counts[name], expected[name]
        # Every bucket the database has is there; the others are enumerated zeros.
        assert set(actual) <= set(published), name
        for bucket, count in published.items():
            n = actual.get(bucket, 0)
            if count is not None:
                assert count == n, (name, bucket)
            if 0 < n < THRESHOLD:
                assert count is None, (name, bucket)
            if n == 0:
                assert count == 0, (name, bucket)
        hidden = [actual[b] for b, count in published.items() if count is None]
        if name in PARTITIONS and hidden:
            # No single suppressed cell follows from the total by subtraction.
            assert len(hidden) >= 2 and sum(hidden) >= THRESHOLD, name
        if name == "route_country":
            # Not a partition: only the small cells are suppressed.
            assert all(actual[b] < THRESHOLD for b, c in published.items() if c is None)


def test_the_seeded_world_counted_by_hand(world):
    """The plan of conftest.py counted by hand: closed (3) is suppressed and so is the next
    smallest status, located alive (5), else it would be the total minus the others."""
    counts = world.focal.get(PATH).json["counts"]
    assert counts["status"] == {
        "reported": 21,
        "active_search": 11,
        "located_alive": None,
        "deceased_identified": 0,
        "closed": None,
    }
    assert counts["last_seen_country"] == {
        "ES": None,
        "GT": 10,
        "IT": None,
        "LY": None,  # 1 + 2 < 5: the smallest other cell is suppressed with them
        "MX": 14,
        "unknown": 7,
    }
    assert counts["month"] == {
        "2024": None,  # year-only dates: the next smallest, with 2024-11 (3)
        "2024-11": None,
        "2025-06": 14,
        "2025-07": 10,
        "unknown": 7,
    }
    # A case counts once in each country of its route; not a partition, so no more is hidden.
    assert counts["route_country"] == {
        "ES": None,
        "GT": 24,
        "IT": 8,
        "LY": 8,
        "MA": None,
        "MX": 14,
        "NE": 6,
    }
    assert counts["sex"] == {"female": 21, "male": None, "other": 0, "unknown": None}
    assert counts["age_band"]["unknown"] == 40
    assert set(counts["notifications_due"]) == {"overdue", "today", "next_7_days"}


def test_other_organisations_cases_are_not_counted(world, database):
    mine = world.focal.get(PATH).json["counts"]
    theirs = world.other_focal.get(PATH).json["counts"]
    assert mine["last_seen_country"]["MX"] == 14  # not 20: the other's six are not mine
    # ES (3) is suppressed, and MX with it: the other's 9 cases minus MX would give ES.
    assert theirs["last_seen_country"] == {"ES": None, "MX": None}
    assert theirs["status"]["reported"] == 9
    expected = database_counts(database, world.other_organisation_id)
    assert theirs["route_country"]["MX"] == expected["route_country"]["MX"] == 6


def test_csv_has_one_row_per_dimension_bucket_and_count(world):
    resp = world.focal.get(PATH + "?format=csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == ["dimension", "bucket", "count"]
    data = {(d, b): c for d, b, c in rows[1:]}
    assert len(data) == len(rows) - 1  # each (dimension, bucket) once
    assert data[("status", "reported")] == "21"
    assert data[("status", "closed")] == ""  # suppressed: empty
    assert data[("status", "deceased_identified")] == "0"
    assert data[("last_seen_country", "IT")] == ""
    assert data[("route_country", "GT")] == "24"
    assert data[("notifications_due", "today")] in {"", "0"}
    # The same cells as the JSON, null as empty.
    counts = world.focal.get(PATH).json["counts"]
    assert data == {
        (d, b): "" if c is None else str(c) for d, cells in counts.items() for b, c in cells.items()
    }


def test_no_personal_value_or_reference_in_the_answer(world):
    texts = [
        world.focal.get(PATH).get_data(as_text=True),
        world.focal.get(PATH + "?format=csv").get_data(as_text=True),
    ]
    for text in texts:
        assert "Prueba" not in text and "Ana" not in text
        assert not any(ref in text for ref in world.references)


@pytest.mark.parametrize("role", ["family_liaison", "forensic", "partner", "auditor"])
def test_other_roles_are_refused(api, role):
    resp = api(role).get(PATH)
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "forbidden"
    assert api(role).get(PATH + "?format=csv").status_code == 403


def test_admins_may_read_and_anonymous_callers_may_not(api, client):
    body = api("admin").get(PATH).json
    assert body["threshold"] == THRESHOLD and body["counts"]["status"]["reported"] == 0
    resp = client.get("/api/v1" + PATH)
    assert resp.status_code == 401 and resp.json["error"]["code"] == "unauthorized"


def test_a_bad_format_is_a_422(api):
    resp = api("focal_point").get(PATH + "?format=xlsx")
    assert resp.status_code == 422
    assert "format" in resp.json["error"]["fields"]


def test_the_threshold_comes_from_the_environment():
    assert load_settings({}).statistics_min_cell == 5
    assert load_settings({"CASEWORK_STATISTICS_MIN_CELL": "10"}).statistics_min_cell == 10
    for bad in ("ten", "0", "-3"):
        with pytest.raises(ConfigurationError):
            load_settings({"CASEWORK_STATISTICS_MIN_CELL": bad})


def test_the_endpoint_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/dashboard/statistics"]["get"]
    content = operation["responses"]["200"]["content"]
    assert "application/json" in content and "text/csv" in content
    names = {p["name"] for p in operation["parameters"]}
    assert "format" in names
