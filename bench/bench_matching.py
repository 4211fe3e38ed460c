"""Benchmark of candidate matching: one case against 100,000 remains, one remains record against
100,000 cases, through the real service functions (what the API does).

    eval "$(scripts/pg_tmp.sh start)"
    python bench/bench_matching.py --url "${CASEWORK_TEST_DATABASE_URL%/*}/postgres"

Seeds N remains and N cases of one organisation with bulk inserts (each record with its own data
key; only the fields a page decrypts are encrypted: marks and effects of remains, names and
marks of cases; the description terms of each in the blind index), then times, each in a fresh
session as a request would be, `candidates_for_case` and `candidates_for_remains` (rank in the
database, load the page, count shared terms for the page, recompute the factors, two audit
events) and the decryption of the page's names. p50/p95/max over `--rounds` runs per anchor.

Anchors: a typical one (a girl last seen in 2023: the sex and the date exclude most records)
and a worst case (unknown sex, no date: nothing is excluded, every record is scored).

Target (issue 9): at most 300 ms each on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casework import create_app, migrate  # noqa: E402
from casework.access import Access  # noqa: E402
from casework.auth import operations as auth_ops  # noqa: E402
from casework.auth.models import Organisation, User  # noqa: E402
from casework.auth.policy import Actor  # noqa: E402
from casework.cases import operations as case_ops  # noqa: E402
from casework.cases.models import AgeBand, Case, CaseStatus, DatePrecision, Sex  # noqa: E402
from casework.crypto import encrypt_field, new_data_key, wrap_data_key  # noqa: E402
from casework.db import Database, new_time_uuid, utcnow  # noqa: E402
from casework.keys import DESCRIPTION_TERMS, BlindIndexEntry, DataKey  # noqa: E402
from casework.keys import description_tokens as _tokens  # noqa: E402
from casework.remains import matching  # noqa: E402
from casework.remains import operations as remains_ops  # noqa: E402
from casework.remains.models import Remains, RemainsStatus  # noqa: E402
from casework.settings import Settings  # noqa: E402

COUNTRIES = ["US", "MX", "GT", "HN", "SV", "PA", "CO", "ES", "IT", "GR", "LY", "TN", "NE", "MA"]
# Words of marks, clothing and effects; earlier words are drawn more often (Zipf-like), so
# "scar", "left" or "jacket" are in thousands of records, as in real descriptions.
VOCABULARY = """
scar left right tattoo jacket jeans shirt backpack shoes knee arm hand
leg ring necklace rosary cross bracelet earring pierced tooth gold silver black
blue red white green grey pink brown cap hoodie boots sandals watch
phone wallet belt shoulder chest back neck forehead eyebrow finger ankle wrist
rose heart star name letters birthmark mole burn fracture plate pin prosthesis
denture braces glasses scarf sweater coat trousers skirt dress socks underwear jersey
football logo eagle dragon snake skull butterfly moon sun flower anchor crown
dagger virgin guadalupe santa muerte bible quran amulet beads chain medal coin
keychain lighter comb mirror photo document card notebook pen bottle bag suitcase
blanket plastic nylon cotton leather wool canvas
""".split()  # noqa: SIM905
CUM_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(VOCABULARY))))


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def _description(rng: random.Random) -> str:
    words = rng.choices(VOCABULARY, cum_weights=CUM_WEIGHTS, k=rng.randint(2, 6))
    return " ".join(words)


def _month(rng: random.Random, start: int = 2016, end: int = 2026) -> dt.date:
    return dt.date(rng.randint(start, end), rng.randint(1, 11 if end == 2026 else 12), 1)


def _key_row(keyring: Any, subject: str) -> tuple[dict[str, Any], bytes]:
    key_id = uuid.uuid4()
    dek = new_data_key()
    version, wrapped = wrap_data_key(keyring, dek, key_id.hex)
    row = {
        "id": key_id,
        "subject_type": subject,
        "kek_version": version,
        "wrapped_key": wrapped,
        "created_at": utcnow(),
    }
    return row, dek


def _enc(dek: bytes, key_id: uuid.UUID, table: str, name: str, row_id: uuid.UUID, value: str):
    return encrypt_field(dek, key_id.hex, value.encode(), f"{table}.{name}:{row_id}")


#: Description-term tokens of each vocabulary word, computed once.
_WORD_TOKENS: dict[str, frozenset[int]] = {}


def _entries(session: Any, owner: uuid.UUID, key_id: uuid.UUID, texts: list[str]) -> list:
    """The description-term entries of one record. The generated texts are words of the
    vocabulary, each a term of its own: their tokens are computed once per word (stemming is
    the slow part of indexing), which gives the same tokens as indexing each text whole."""
    tokens: set[int] = set()
    for word in (w for t in texts for w in t.split()):
        if word not in _WORD_TOKENS:
            _WORD_TOKENS[word] = frozenset(_tokens(session, [word]))
        tokens |= _WORD_TOKENS[word]
    return [
        {"field": DESCRIPTION_TERMS, "token": t, "owner_id": owner, "data_key_id": key_id}
        for t in tokens
    ]


def _flush(session: Any, keys: list, rows: list, model: Any, entries: list) -> None:
    session.execute(insert(DataKey), keys)
    session.execute(insert(model), rows)
    if entries:
        session.execute(insert(BlindIndexEntry), entries)
    keys.clear()
    rows.clear()
    entries.clear()


def seed_remains(db: Database, org: Organisation, count: int, batch: int = 5000) -> None:
    rng = random.Random(9)
    with db.session() as s:
        existing = s.scalar(select(func.count(Remains.id)).where(Remains.reference.like("BEN-%")))
    start = time.perf_counter()
    for offset in range(existing or 0, count, batch):
        with db.session() as s:
            keyring = s.info["keyring_holder"].get()
            keys, rows, entries = [], [], []
            now = utcnow()
            for n in range(offset, min(count, offset + batch)):
                key, dek = _key_row(keyring, "remains")
                rid = new_time_uuid()
                low_age = rng.randint(1, 75)
                has_stature = rng.random() < 0.7
                low_stature = rng.randint(135, 185)
                precision = rng.choices(
                    [DatePrecision.day, DatePrecision.month, DatePrecision.year], [2, 7, 1]
                )[0]
                found = _month(rng)
                if precision == DatePrecision.year:
                    found = dt.date(found.year, 1, 1)
                marks, effects = _description(rng), _description(rng)
                rows.append(
                    {
                        "id": rid,
                        "reference": f"BEN-UR-2026-{n:07d}",
                        "organisation_id": org.id,
                        "status": rng.choices(
                            [RemainsStatus.unidentified, RemainsStatus.identified], [9, 1]
                        )[0],
                        "version": 1,
                        "sex": rng.choices([Sex.male, Sex.female, Sex.unknown], [6, 2, 2])[0],
                        "age_min": low_age,
                        "age_max": low_age + rng.randint(4, 15),
                        "stature_min_cm": low_stature if has_stature else None,
                        "stature_max_cm": low_stature + rng.randint(5, 15) if has_stature else None,
                        "found_country": rng.choice(COUNTRIES),
                        "found_month": found,
                        "found_precision": precision,
                        "created_at": now,
                        "updated_at": now,
                        "data_key_id": key["id"],
                        "distinguishing_marks_enc": _enc(
                            dek, key["id"], "remains", "distinguishing_marks", rid, marks
                        ),
                        "effects_enc": _enc(dek, key["id"], "remains", "effects", rid, effects),
                    }
                )
                keys.append(key)
                entries += _entries(s, rid, key["id"], [marks, effects])
            _flush(s, keys, rows, Remains, entries)
        done = min(count, offset + batch)
        rate = (done - (existing or 0)) / (time.perf_counter() - start)
        print(f"\rseeded {done:,}/{count:,} remains ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)


def seed_cases(db: Database, org: Organisation, count: int, batch: int = 5000) -> None:
    rng = random.Random(10)
    bands = list(AgeBand)
    statuses = [CaseStatus.reported, CaseStatus.active_search, CaseStatus.closed]
    with db.session() as s:
        existing = s.scalar(select(func.count(Case.id)).where(Case.reference.like("BMA-%")))
    start = time.perf_counter()
    for offset in range(existing or 0, count, batch):
        with db.session() as s:
            keyring = s.info["keyring_holder"].get()
            keys, rows, entries = [], [], []
            now = utcnow()
            for n in range(offset, min(count, offset + batch)):
                key, dek = _key_row(keyring, "case")
                cid = new_time_uuid()
                has_stature = rng.random() < 0.5
                low_stature = rng.randint(140, 185)
                route = rng.sample(COUNTRIES, rng.randint(0, 4))
                marks, clothing = _description(rng), _description(rng)
                rows.append(
                    {
                        "id": cid,
                        "reference": f"BMA-2026-{n:07d}",
                        "organisation_id": org.id,
                        "status": rng.choices(statuses, [4, 5, 1])[0],
                        "version": 1,
                        "sex": rng.choices([Sex.male, Sex.female, Sex.unknown], [6, 3, 1])[0],
                        "age_band": rng.choice(bands) if rng.random() < 0.9 else None,
                        "languages": [],
                        "nationality": rng.choice(COUNTRIES),
                        "last_seen_country": rng.choice(COUNTRIES),
                        "last_seen_month": _month(rng),
                        "last_seen_precision": DatePrecision.month,
                        "route_countries": route,
                        "stature_min_cm": low_stature if has_stature else None,
                        "stature_max_cm": low_stature + rng.randint(5, 10) if has_stature else None,
                        "protection_targets": [],
                        "created_at": now,
                        "updated_at": now,
                        "data_key_id": key["id"],
                        "given_names_enc": _enc(dek, key["id"], "cases", "given_names", cid, "Ana"),
                        "family_names_enc": _enc(
                            dek, key["id"], "cases", "family_names", cid, "Bench Record"
                        ),
                        "distinguishing_marks_enc": _enc(
                            dek, key["id"], "cases", "distinguishing_marks", cid, marks
                        ),
                        "clothing_and_belongings_enc": _enc(
                            dek, key["id"], "cases", "clothing_and_belongings", cid, clothing
                        ),
                    }
                )
                keys.append(key)
                entries += _entries(s, cid, key["id"], [marks, clothing])
            _flush(s, keys, rows, Case, entries)
        done = min(count, offset + batch)
        rate = (done - (existing or 0)) / (time.perf_counter() - start)
        print(f"\rseeded {done:,}/{count:,} cases ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)


ANCHOR_CASES = {
    "typical": {
        "given_names": "María Fernanda",
        "sex": "female",
        "age_band": "12-17",
        "stature_min_cm": 150,
        "stature_max_cm": 160,
        "last_seen_date": "2023-09-20",
        "last_seen_country": "US",
        "route_countries": ["GT", "MX", "US"],
        "distinguishing_marks": "Scar on her left knee; pierced ears",
        "clothing_and_belongings": "Pink backpack, a rosary, denim jacket",
    },
    "worst": {
        "given_names": "Sin Datos",
        "sex": "unknown",
        "age_band": "25-34",
        "distinguishing_marks": "Scar on the left hand, tattoo of a rose",
        "clothing_and_belongings": "Black jacket, blue jeans",
    },
}
ANCHOR_REMAINS = {
    "typical": {
        "found_date": "2024-05",
        "found_country": "US",
        "sex": "female",
        "age_min": 20,
        "age_max": 30,
        "stature_min_cm": 155,
        "stature_max_cm": 165,
        "distinguishing_marks": "Scar on the left knee; pierced ears",
        "effects": "Pink backpack, rosary, denim jacket",
    },
    "worst": {
        "sex": "unknown",
        "age_min": 25,
        "age_max": 40,
        "distinguishing_marks": "Tattoo of a rose on the right arm",
        "effects": "Black jacket, leather belt",
    },
}


def anchors(db: Database, focal: Actor, forensic: Actor) -> tuple[dict, dict]:
    """The anchor records (made once through the services, found again on a re-run)."""
    cases, remains = {}, {}
    with db.session() as s:
        for name, fields in ANCHOR_CASES.items():
            found = s.scalar(
                select(Case.reference)
                .where(Case.organisation_id == focal.organisation_id)
                .where(~Case.reference.like("BMA-%"))
                .where(Case.sex == Sex(fields["sex"]), Case.age_band == AgeBand(fields["age_band"]))
            )
            cases[name] = found or case_ops.create_case(s, focal, fields).reference
        for name, fields in ANCHOR_REMAINS.items():
            found = s.scalar(
                select(Remains.id)
                .where(Remains.organisation_id == forensic.organisation_id)
                .where(~Remains.reference.like("BEN-%"))
                .where(Remains.sex == Sex(fields["sex"]), Remains.age_min == fields["age_min"])
            )
            remains[name] = found or remains_ops.create_remains(s, forensic, fields).id
    return cases, remains


_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _backend_cpu_ms(pid: int | None) -> float:
    """CPU time a local PostgreSQL backend has used so far (user + system), from /proc."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * _TICK_MS


def _timed(db: Database, run: Any, rounds: int, serial: bool) -> dict[str, Any]:
    """Wall time per run, and CPU time (this process and the database backend): on a machine
    shared with other work, CPU time is what the run would take alone on one core."""
    times: list[float] = []
    cpu: list[float] = []
    total = 0
    top: list[float] = []
    postgres = db.engine.dialect.name == "postgresql"
    for _ in range(rounds):
        with db.session() as s:
            pid = s.execute(text("SELECT pg_backend_pid()")).scalar() if postgres else None
            if postgres and serial:
                # Parallel workers' CPU time would not be counted in the backend's.
                s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            backend0, cpu0 = _backend_cpu_ms(pid), time.process_time()
            t0 = time.perf_counter()
            total, top = run(s)
            times.append((time.perf_counter() - t0) * 1000)
            used = (time.process_time() - cpu0) * 1000 + _backend_cpu_ms(pid) - backend0
            cpu.append(used)
    result = {
        "runs": rounds,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(_percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "candidates": total,
        "top_scores": [round(x, 3) for x in top[:3]],
    }
    if postgres:
        # /proc counts in clock ticks (10 ms): the mean over the runs is what is meaningful.
        result["cpu_mean_ms"] = round(statistics.fmean(cpu), 1)
    return result


def bench(
    db: Database, forensic: Actor, cases: dict, remains: dict, rounds: int, serial: bool
) -> dict:
    result: dict[str, Any] = {}
    for name, reference in cases.items():

        def remains_for_case(s: Any, reference: str = reference) -> tuple[int, list[float]]:
            page = matching.candidates_for_case(Access(s, forensic, "identification"), reference)
            s.commit()  # the two audit events, as the request commits them
            return page.total, [c.score for c in page.items]

        result[f"case_to_remains_{name}"] = _timed(db, remains_for_case, rounds, serial)
    for name, remains_id in remains.items():

        def cases_for_remains(s: Any, remains_id: uuid.UUID = remains_id) -> tuple[int, list]:
            page = matching.candidates_for_remains(
                Access(s, forensic, "identification"), remains_id
            )
            # What the page shows of each case: its names, decrypted (the page only).
            for item in page.items:
                _ = (item.shown.given_names, item.shown.family_names)
            s.commit()
            return page.total, [c.score for c in page.items]

        result[f"remains_to_cases_{name}"] = _timed(db, cases_for_remains, rounds, serial)
    return result


def explain(db: Database, forensic: Actor, cases: dict, remains: dict) -> dict[str, str]:
    """EXPLAIN ANALYZE of the ranking statements (PostgreSQL), for the README."""
    if db.engine.dialect.name != "postgresql":
        return {}
    plans: dict[str, str] = {}
    captured: list[Any] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "OVER ()" in statement:
            captured.append((statement, parameters))

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.session() as s:
            access = Access(s, forensic, "identification")
            from casework.cases.queries import visible_case

            matching.rank_remains(access, visible_case(access, cases["typical"]))
            matching.rank_cases(access, s.get(Remains, remains["typical"]))
            s.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    labels = ("case_to_remains", "remains_to_cases")
    for label, (statement, parameters) in zip(labels, captured, strict=True):
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters).all()
            plans[label] = "\n".join(r[0] for r in rows)
    return plans


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--remains", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the ranking plans")
    parser.add_argument(
        "--serial",
        action="store_true",
        help="no parallel workers (PostgreSQL): all the database's CPU time is counted",
    )
    parser.add_argument("--workdir", help="key file directory of an earlier run")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="casework-bench-matching-"))
    print(f"work directory (key file): {workdir}", file=sys.stderr)
    url = args.url or f"sqlite:///{workdir / 'bench.db'}"
    migrate.upgrade(url)
    settings = Settings(
        env="testing",
        database_url=url,
        keyring_file=str(workdir / "keyring.json"),
        secret_key="bench",
        instance_path=str(workdir),
        planned_rows=1_000_000,
        password_hash_profile="fast",
    )
    db = Database(url)
    create_app(settings, database=db)
    with db.session() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == "Bench matching"))
        if org is None:
            org = auth_ops.create_organisation(s, "Bench matching", "SV", "national_authority")
            auth_ops.create_user(s, "focal@bench.test", "bench-password", "focal_point", org.id)
            auth_ops.create_user(s, "forensic@bench.test", "bench-password", "forensic", org.id)
        focal = Actor.for_user(s.scalar(select(User).where(User.email == "focal@bench.test")))
        forensic = Actor.for_user(s.scalar(select(User).where(User.email == "forensic@bench.test")))
    seed_remains(db, org, args.remains)
    seed_cases(db, org, args.cases)
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would leave a loaded table: statistics, and a visibility map that lets
        # the blind index be read without visiting the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    cases, remains = anchors(db, focal, forensic)
    result = {
        "database": db.engine.dialect.name,
        "remains": args.remains,
        "cases": args.cases,
        "machine": machine(),
        "serial": args.serial,
        "matching": bench(db, forensic, cases, remains, args.rounds, args.serial),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.explain:
        for label, plan in explain(db, forensic, cases, remains).items():
            print(f"\n--- {label} ---\n{plan}")


if __name__ == "__main__":
    main()
