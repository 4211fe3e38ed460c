"""A world of cases for the dashboard tests: about forty cases of one organisation registered
through the API (statuses, last-seen countries and months, routes, sexes), a few of another
organisation, and the counts read back from the database with plain queries."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from casework.cases.models import Case

NAMES = itertools.cycle(["Ana", "Berta", "Carmen", "Dolores", "Elena", "Fátima", "Gloria"])

#: (how many, fields, statuses to walk through). 40 cases in all.
PLAN: list[tuple[int, dict[str, Any], list[tuple[str, str | None]]]] = [
    # 14 last seen in Mexico, 2025-06, route GT MX, male: 8 stay reported, 6 go active.
    (
        8,
        {
            "last_seen_country": "MX",
            "last_seen_date": "2025-06-14",
            "route_countries": ["GT", "MX"],
            "sex": "male",
        },
        [],
    ),
    (
        6,
        {
            "last_seen_country": "MX",
            "last_seen_date": "2025-06",
            "route_countries": ["GT", "MX"],
            "sex": "male",
        },
        [("active_search", None)],
    ),
    # 10 in Guatemala, 2025-07, route GT, female: 5 active then located alive, 5 active.
    (
        5,
        {
            "last_seen_country": "GT",
            "last_seen_date": "2025-07-02",
            "route_countries": ["GT"],
            "sex": "female",
        },
        [("active_search", None), ("located_alive", None)],
    ),
    (
        5,
        {
            "last_seen_country": "GT",
            "last_seen_date": "2025-07",
            "route_countries": ["GT"],
            "sex": "female",
        },
        [("active_search", None)],
    ),
    # 6 in Libya, year only (2024), route NE LY IT, female: reported.
    (
        6,
        {
            "last_seen_country": "LY",
            "last_seen_date": "2024",
            "route_countries": ["NE", "LY", "IT"],
            "sex": "female",
        },
        [],
    ),
    # 2 in Italy, 2024-11, route LY IT; closed (withdrawn by the family).
    (
        2,
        {
            "last_seen_country": "IT",
            "last_seen_date": "2024-11",
            "route_countries": ["LY", "IT"],
            "sex": "male",
        },
        [("closed", "withdrawn_by_family")],
    ),
    # 1 in Spain, 2024-11, route MA ES; closed.
    (
        1,
        {
            "last_seen_country": "ES",
            "last_seen_date": "2024-11-20",
            "route_countries": ["MA", "ES"],
            "sex": "unknown",
        },
        [("closed", "withdrawn_by_family")],
    ),
    # 7 with no country, no date, no route: reported; 2 of unknown sex.
    (5, {"sex": "female"}, []),
    (2, {"sex": "unknown"}, []),
]
#: Another organisation's cases: never counted for the first.
OTHER_PLAN: list[tuple[int, dict[str, Any], list[tuple[str, str | None]]]] = [
    (
        6,
        {
            "last_seen_country": "MX",
            "last_seen_date": "2025-06",
            "route_countries": ["MX"],
            "sex": "male",
        },
        [],
    ),
    (
        3,
        {
            "last_seen_country": "ES",
            "last_seen_date": "2024-11",
            "route_countries": ["ES"],
            "sex": "female",
        },
        [],
    ),
]


def register(caller, plan) -> list[str]:
    references = []
    for count, fields, steps in plan:
        for _ in range(count):
            body = {"given_names": next(NAMES), "family_names": "Prueba"} | fields
            resp = caller.post("/cases", json=body)
            assert resp.status_code == 201, resp.json
            reference, version = resp.json["reference"], resp.json["version"]
            for status, reason in steps:
                change = {"status": status, "note": "dashboard test", "version": version}
                if reason:
                    change["closure_reason"] = reason
                moved = caller.post(f"/cases/{reference}/status", json=change)
                assert moved.status_code == 200, moved.json
                version = moved.json["version"]
            references.append(reference)
    return references


@dataclass
class World:
    focal: Any
    other_focal: Any
    organisation_id: uuid.UUID
    other_organisation_id: uuid.UUID
    references: list[str]


@pytest.fixture
def world(api, org, make_org) -> World:
    focal = api("focal_point")
    other = make_org("MX")
    other_focal = api("focal_point", other)
    references = register(focal, PLAN)
    register(other_focal, OTHER_PLAN)
    return World(focal, other_focal, org.id, other.id, references)


def database_counts(database, organisation_id: uuid.UUID) -> dict[str, Counter]:
    """The organisation's counts, read straight from the cases table (plain ORM, no code of the
    dashboard): by status, month (YYYY-MM; YYYY for a year-only date; unknown), country
    (unknown), route country (once per case), sex and age band (unknown)."""
    found: dict[str, Counter] = {
        name: Counter()
        for name in ("status", "month", "last_seen_country", "route_country", "sex", "age_band")
    }
    with database.session() as s:
        rows = s.execute(
            select(
                Case.status,
                Case.last_seen_month,
                Case.last_seen_precision,
                Case.last_seen_country,
                Case.route_countries,
                Case.sex,
                Case.age_band,
            ).where(Case.organisation_id == organisation_id)
        ).all()
    for status, month, precision, country, route, sex, band in rows:
        found["status"][str(status.value)] += 1
        if month is None:
            found["month"]["unknown"] += 1
        elif str(precision.value) == "year":
            found["month"][f"{month.year}"] += 1
        else:
            found["month"][f"{month.year}-{month.month:02d}"] += 1
        found["last_seen_country"][country or "unknown"] += 1
        for code in set(route or []):
            found["route_country"][code] += 1
        found["sex"][str(sex.value)] += 1
        found["age_band"][band.value if band is not None else "unknown"] += 1
    return found


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
