"""The dashboard's statistics at scale: `statistics.statistics` (every SQL aggregate and the
suppression) for one organisation among several, on SQLite or PostgreSQL.

    python bench/bench_dashboard.py --cases 100000                  # temporary SQLite file
    python bench/bench_dashboard.py --url postgresql+psycopg://... --cases 100000

Cases are inserted as rows of their clear columns only (no encrypted field, one shared data
key): the statistics read nothing else. Prints p50 and max of 7 runs, each in a fresh session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics as stats
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert

from casework import migrate
from casework.auth.models import Organisation
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.dashboard.statistics import statistics
from casework.db import Database
from casework.keys.models import DataKey

COUNTRIES = ["MX", "GT", "LY", "IT", "ES", "NE", "MA", "SV", "HN", "TN", "SD", "ER", None]
STATUSES = ["reported", "active_search", "located_alive", "deceased_identified", "closed"]


def seed(url: str, cases: int, organisations: int = 4) -> uuid.UUID:
    engine = create_engine(url)
    rng = random.Random(14)
    orgs = [uuid.uuid4() for _ in range(organisations)]
    key = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Organisation),
            [
                {
                    "id": o,
                    "name": f"Bench {i}",
                    "country": "SV",
                    "kind": "national_authority",
                    "created_at": now,
                }
                for i, o in enumerate(orgs)
            ],
        )
        conn.execute(insert(DataKey), [{"id": key, "subject_type": "case", "created_at": now}])
        batch = []
        for i in range(cases):
            month = dt.date(2015 + rng.randrange(11), rng.randrange(1, 13), 1)
            known = rng.random() > 0.1
            batch.append(
                {
                    "id": uuid.uuid4(),
                    "reference": f"BEN-{i:09d}",
                    "organisation_id": orgs[i % organisations],
                    "data_key_id": key,
                    "status": rng.choice(STATUSES),
                    "sex": rng.choice(["female", "male", "unknown"]),
                    "last_seen_country": rng.choice(COUNTRIES),
                    "last_seen_month": month if known else None,
                    "last_seen_precision": rng.choice(["day", "month", "year"]) if known else None,
                    "route_countries": rng.sample([c for c in COUNTRIES if c], rng.randrange(4)),
                    "languages": [],
                    "protection_targets": [],
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(batch) == 5000:
                conn.execute(insert(Case), batch)
                batch = []
        if batch:
            conn.execute(insert(Case), batch)
    engine.dispose()
    return orgs[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate.upgrade(url)
    org = seed(url, args.cases)
    database = Database(url)
    actor = Actor(user_id=uuid.uuid4(), organisation_id=org, role="focal_point")
    times = []
    for _ in range(7):
        with database.session() as s:
            start = time.perf_counter()
            result = statistics(s, actor, 5, dt.date.today())
            times.append(time.perf_counter() - start)
    total = sum(v or 0 for v in result.counts["status"].values())
    print(
        f"{database.engine.dialect.name} cases={args.cases} own={total} "
        f"p50={stats.median(times) * 1000:.0f} ms max={max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
