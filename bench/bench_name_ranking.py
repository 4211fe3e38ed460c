"""Ranking of the name search at scale: is the registered variant on the first page?

    python bench/bench_name_ranking.py --cases 100000            # temporary SQLite file
    python bench/bench_name_ranking.py --url postgresql+psycopg://... --cases 100000

Seeds N background cases with bench_cases' realistic names (common Latin, Arabic, Cyrillic and
Ge'ez names, so common names are very common), then registers one writing of every pair of
the evaluation set (tests/names/data: single names and full names composed as the recall test
composes them) and searches the other writing. Reports, per set, how many queries find their
case at all (within the 1,000-candidate cap) and, of those, how many show it on the first page
of 20 (issue 13: at least 90 %), with the p50/p95 of the searches.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_cases import _percentile, open_instance, seed  # noqa: E402

from casework.access import Access  # noqa: E402
from casework.auth.models import Organisation  # noqa: E402
from casework.cases import queries  # noqa: E402
from casework.cases.models import Case, CaseStatus  # noqa: E402
from casework.db import Database, new_time_uuid, utcnow  # noqa: E402
from casework.keys import create_data_key, indexer  # noqa: E402
from casework.keys.models import BlindIndexEntry  # noqa: E402

DATA = ROOT / "tests" / "names" / "data"
FIRST_PAGE = 20


def _pairs(name: str) -> list[tuple[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return [(row[0], row[1]) for row in csv.reader(f, delimiter="\t") if row]


def evaluation() -> dict[str, list[tuple[str, str]]]:
    """(registered, searched) writings per set, half in each direction."""
    cross = _pairs("latin_arabic.tsv") + _pairs("latin_cyrillic.tsv")
    sets: dict[str, list[tuple[str, str]]] = {
        "single name across scripts": [
            (b, a) if i % 2 else (a, b) for i, (a, b) in enumerate(cross)
        ],
        "spelling variants": [
            (b, a) if i % 2 else (a, b) for i, (a, b) in enumerate(_pairs("latin_variants.tsv"))
        ],
    }
    full = []
    for name in ("latin_arabic.tsv", "latin_cyrillic.tsv"):
        pairs = _pairs(name)
        for i, (latin, other) in enumerate(pairs):
            family_latin, family_other = pairs[(i + 7) % len(pairs)]
            a, b = f"{latin} {family_latin}", f"{other} {family_other}"
            full.append((b, a) if i % 2 else (a, b))
    sets["full names across scripts"] = full
    return sets


def register(db: Database, org: Organisation, names: list[str], first: int) -> list:
    ids = []
    with db.session() as s:
        ix = indexer(s)
        now = utcnow()
        for n, name in enumerate(names):
            given, _, family = name.partition(" ")
            case = Case(
                id=new_time_uuid(),
                reference=f"EVA-2026-{first + n:07d}",
                organisation_id=org.id,
                data_key=create_data_key(s, "case"),
                status=CaseStatus.active_search,
                version=1,
                languages=[],
                route_countries=[],
                protection_targets=[],
                created_at=now,
                updated_at=now,
            )
            case.given_names = given
            case.family_names = family or None
            s.add(case)
            s.flush()
            tokens = ix.name_tokens(queries.NAME_FIELD, name)
            rows = [
                {
                    "field": queries.NAME_FIELD,
                    "token": t,
                    "owner_id": case.id,
                    "data_key_id": case.data_key.id,
                }
                for t in tokens
            ]
            s.execute(insert(BlindIndexEntry), rows)
            ids.append(case.id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="casework-ranking-"))
    db, org, actor = open_instance(args.url, workdir)
    seed(db, org, args.cases)
    result: dict[str, object] = {"database": db.engine.dialect.name, "cases": args.cases}
    registered_so_far = 0
    for label, pairs in evaluation().items():
        ids = register(db, org, [registered for registered, _ in pairs], registered_so_far)
        registered_so_far += len(ids)
        found = first = 0
        times = []
        for case_id, (_, searched) in zip(ids, pairs, strict=True):
            with db.session() as s:
                t0 = time.perf_counter()
                page = queries.search_cases(
                    Access(s, actor), queries.CaseFilters(q=searched), 1, 1000
                )
                times.append((time.perf_counter() - t0) * 1000)
                got = [c.id for c in page.items]
            if case_id in got:
                found += 1
                first += got.index(case_id) < FIRST_PAGE
        result[label] = {
            "queries": len(pairs),
            "found": found,
            "on_first_page": first,
            "first_page_share_of_found": round(first / found, 3) if found else None,
            "search_p50_ms": round(statistics.median(times), 1),
            "search_p95_ms": round(_percentile(times, 95), 1),
        }
        print(label, result[label], file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
