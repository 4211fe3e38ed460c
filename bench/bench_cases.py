"""Benchmarks of the case registry at national scale: name search latency and case read cost.

    python bench/bench_cases.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        --cases 1000000

Seeds N cases (bulk, through the real models: data keys, encrypted fields, blind-index
tokens), then measures, each in a fresh session as a request would be:

- name search: `search_cases` with a name query (index → candidates → decrypt → re-check),
  p50/p95/max over many queries, including spelling and script variants;
- case read: `case_by_reference` + decrypting every personal field (what the API's GET
  does before the audit append), against a bare `session.get(Case, id)` of one row.

The targets (docs/architecture.md): name search p95 <= 25 ms at 1,000,000 cases on
PostgreSQL; a case read at least half as fast as a bare SQLAlchemy read.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casework import create_app, migrate  # noqa: E402
from casework.access import Access  # noqa: E402
from casework.auth import operations as auth_ops  # noqa: E402
from casework.auth.models import Organisation, User  # noqa: E402
from casework.auth.policy import Actor  # noqa: E402
from casework.cases import queries  # noqa: E402
from casework.cases.models import Case, CaseStatus, Sex  # noqa: E402
from casework.cases.resources import CASE  # noqa: E402
from casework.db import Database, new_time_uuid, utcnow  # noqa: E402
from casework.keys import create_data_key, indexer  # noqa: E402
from casework.keys.models import BlindIndexEntry  # noqa: E402
from casework.settings import Settings  # noqa: E402

GIVEN = [
    "Mohamed",
    "Muhammad",
    "Ahmed",
    "Fatima",
    "Aisha",
    "Omar",
    "Yusuf",
    "Ibrahim",
    "Maria",
    "José",
    "Juan",
    "Ana",
    "Carlos",
    "Luis",
    "Rosa",
    "Abdullah",
    "Hassan",
    "Khadija",
    "Amina",
    "Tesfay",
    "Merhawi",
    "Senait",
    "Abdi",
    "Ali",
    "Samir",
    "Karim",
    "Lucia",
    "Miguel",
    "Elena",
    "محمد",
    "أحمد",
    "فاطمة",
    "يوسف",
    "Юсуф",
    "Selam",
    "Haben",
    "Daniel",
    "Esther",
    "Grace",
]
FAMILY = [
    "González",
    "Hernández",
    "López",
    "Martínez",
    "Pérez",
    "Ramírez",
    "Flores",
    "Cruz",
    "Al-Hassan",
    "Haddad",
    "Mansour",
    "Khalil",
    "Nasser",
    "Tesfamariam",
    "Gebremedhin",
    "Osman",
    "Abdi",
    "Warsame",
    "Diallo",
    "Traoré",
    "Coulibaly",
    "Kone",
    "Barry",
    "Sow",
    "الأحمد",
    "حسن",
    "Петров",
    "Rahimi",
    "Ahmadi",
    "Karimi",
    "Hosseini",
    "Benali",
    "Amrani",
]
COUNTRIES = ["SV", "GT", "HN", "MX", "SY", "ER", "AF", "MA", "SO", "ET", "NE", "ML"]
QUERIES = [
    "Gonzalez",
    "Mohamed",
    "Muhammad Haddad",
    "محمد",
    "Yusuf Petrov",
    "Fatima Osman",
    "Jose Hernandez",
    "Tesfay Gebremedhin",
    "Aisha",
    "Ibrahim Diallo",
    "Maria Lopez",
    "Ahmed Hassan",
    "أحمد الحسن",
    "Muhamad Alhasan",
    "Mohammed Al-Hassan",
]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def seed(db: Database, org: Organisation, count: int, batch: int = 2000) -> None:
    rng = random.Random(2026)  # noqa: S311 - reproducible fake data
    tokens_of: dict[str, set[int]] = {}  # the same names give the same tokens
    with db.session() as s:
        existing = s.scalar(select(func.count(Case.id))) or 0
    start = time.perf_counter()
    for offset in range(existing, count, batch):
        with db.session() as s:
            ix = indexer(s)
            now = utcnow()
            batch_cases: list[Case] = []
            for n in range(offset, min(count, offset + batch)):
                case = Case(
                    id=new_time_uuid(),
                    reference=f"BEN-2026-{n:07d}",
                    organisation_id=org.id,
                    data_key=create_data_key(s, "case"),
                    status=rng.choice(list(CaseStatus)),
                    version=1,
                    sex=rng.choice(list(Sex)),
                    nationality=rng.choice(COUNTRIES),
                    last_seen_country=rng.choice(COUNTRIES),
                    languages=[],
                    route_countries=[],
                    protection_targets=[],
                    created_at=now,
                    updated_at=now,
                )
                case.given_names = rng.choice(GIVEN)
                case.family_names = f"{rng.choice(FAMILY)} {rng.choice(FAMILY)}"
                case.circumstances = "Last seen boarding a boat; bench record."
                case.distinguishing_marks = "Scar on the left hand."
                s.add(case)
                batch_cases.append(case)
            s.flush()  # data keys and cases first: index entries reference them
            rows = []
            for case in batch_cases:
                names = f"{case.given_names} {case.family_names}"
                if names not in tokens_of:
                    tokens_of[names] = ix.name_tokens(queries.NAME_FIELD, names)
                rows += [
                    {
                        "field": queries.NAME_FIELD,
                        "token": token,
                        "owner_id": case.id,
                        "data_key_id": case.data_key.id,
                    }
                    for token in tokens_of[names]
                ]
            # Core executemany: tens of thousands of index rows per batch, no ORM objects.
            s.execute(insert(BlindIndexEntry), rows)
        done = min(count, offset + batch)
        rate = (done - existing) / (time.perf_counter() - start)
        print(f"\rseeded {done:,}/{count:,} cases ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def bench_search(db: Database, actor: Actor, rounds: int) -> dict:
    times: list[float] = []
    hits: dict[str, int] = {}
    for i in range(rounds):
        q = QUERIES[i % len(QUERIES)]
        with db.session() as s:
            t0 = time.perf_counter()
            access = Access(s, actor)
            page = queries.search_cases(access, queries.CaseFilters(q=q), 1, 25)
            # Through the gateway as the API does: one audit event for the page, then the
            # rows are rendered (decrypted).
            for shown in access.read_page(CASE, page.items, view="search"):
                _ = (shown.given_names, shown.family_names)
            times.append((time.perf_counter() - t0) * 1000)
            hits[q] = page.total
    return {
        "queries": rounds,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(_percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "hits": hits,
    }


def bench_read(db: Database, actor: Actor, rounds: int) -> dict:
    with db.session() as s:
        sample = list(s.execute(select(Case.id, Case.reference).limit(rounds)))
    bare: list[float] = []
    full: list[float] = []
    for case_id, reference in sample:
        with db.session() as s:
            t0 = time.perf_counter()
            row = s.get(Case, case_id)
            _ = row.status
            bare.append(time.perf_counter() - t0)
        with db.session() as s:
            t0 = time.perf_counter()
            # What GET /cases/<ref> does: the gateway's look-up, its audited read (one event
            # appended to the chain), every personal field decrypted.
            access = Access(s, actor)
            shown = access.read(CASE, queries.visible_case(access, reference), view="case")
            for name in Case.encrypted_fields():
                getattr(shown.record, name)
            full.append(time.perf_counter() - t0)
    bare_ms, full_ms = statistics.median(bare) * 1000, statistics.median(full) * 1000
    return {
        "reads": len(sample),
        "bare_get_median_ms": round(bare_ms, 3),
        "case_read_median_ms": round(full_ms, 3),
        "speed_ratio": round(bare_ms / full_ms, 2),  # target >= 0.5
    }


def open_instance(url: str | None, workdir: Path) -> tuple[Database, Organisation, Actor]:
    """The bench instance: migrated database (a SQLite file in `workdir` by default), the app
    with its key file in `workdir`, and the bench organisation's focal point (made once)."""
    url = url or f"sqlite:///{workdir / 'bench.db'}"
    migrate.upgrade(url)
    settings = Settings(
        env="testing",
        database_url=url,
        keyring_file=str(workdir / "keyring.json"),
        secret_key="bench",
        instance_path=str(workdir),
        planned_rows=1_000_000,
    )
    db = Database(url)
    create_app(settings, database=db)
    with db.session() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == "Bench"))
        if org is None:
            org = auth_ops.create_organisation(s, "Bench", "SV", "national_authority")
            auth_ops.create_user(
                s, "bench@example.org", "correct horse battery staple 1", "focal_point", org.id
            )
        user = s.scalar(select(User).where(User.email == "bench@example.org"))
        actor = Actor.for_user(user)
    return db, org, actor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument(
        "--workdir", help="key file directory of an earlier run, to measure its data again"
    )
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="casework-bench-"))
    print(f"work directory (key file): {workdir}", file=sys.stderr)
    db, org, actor = open_instance(args.url, workdir)
    seed(db, org, args.cases)
    result = {
        "database": db.engine.dialect.name,
        "cases": args.cases,
        "name_search": bench_search(db, actor, args.rounds),
        "case_read": bench_read(db, actor, args.rounds),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
