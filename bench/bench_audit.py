"""Audit trail: what the keyed chain costs an append, and how fast `audit verify` walks.

    python bench/bench_audit.py --events 100000               # temporary SQLite file
    python bench/bench_audit.py --url "$CASEWORK_TEST_DATABASE_URL" --events 1000000

- append: one event per transaction (as a request appends its event), p50 and p95, and the
  keyed work inside it (the link's HMAC and the head tag checked and made) measured alone on
  the same events; `keyed_share` is that work's part of an append;
- verify: the whole chain walked in batches (events per second; then a second walk under
  tracemalloc for the peak memory Python allocated, which stays flat as the chain grows).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from sqlalchemy import insert, select

from casework import audit, create_app, migrate
from casework.audit import AuditEvent, AuditHead, PlainActor
from casework.audit.trail import audit_keys, event_hash, head_tag
from casework.db import Database, utcnow
from casework.settings import Settings

ACTOR = PlainActor(uuid.uuid4(), uuid.uuid4(), "focal_point", "bench")


def seed(db: Database, n: int, batch: int = 5000) -> None:
    """n events written fast (bulk inserts with their keyed links), then the head."""
    with db.session() as s:
        keys = audit_keys(s)
        have = s.scalar(select(AuditHead.seq)) or 0
        prev = s.scalar(select(AuditHead.hash)) or audit.GENESIS_HASH
        seq, last_at = have, None
        while seq < n:
            rows = []
            for _ in range(min(batch, n - seq)):
                seq += 1
                event = AuditEvent(
                    seq=seq,
                    created_at=utcnow(),
                    actor_id=ACTOR.user_id,
                    organisation_id=ACTOR.organisation_id,
                    role="focal_point",
                    action="case.read",
                    object_type="case",
                    object_id=None,
                    case_reference=f"SLV-2026-{seq:06d}",
                    purpose="tracing",
                    categories=["identity"],
                    request_id="bench",
                    decision="allow",
                    details={"view": "case"},
                    prev_hash=prev,
                )
                event.hash = prev = event_hash(event, keys.link_key)
                last_at = event.created_at
                rows.append(
                    {
                        c.name: getattr(event, c.name)
                        for c in AuditEvent.__table__.c
                        if c.name != "id"
                    }
                )
            s.execute(insert(AuditEvent.__table__), rows)
        if seq > have:
            head = s.get(AuditHead, 1)
            head.seq, head.hash, head.at = seq, prev, last_at
            head.tag = head_tag(keys, seq, prev, last_at)


def bench_append(db: Database, rounds: int) -> dict:
    times, keyed = [], []
    for i in range(rounds):
        start = time.perf_counter()
        with db.session() as s:
            event = audit.append(
                s,
                ACTOR,
                "case.read",
                object_type="case",
                case_reference=f"X-{i}",
                categories=["identity"],
                details={"view": "case"},
            )
        times.append(time.perf_counter() - start)
        with db.session() as s:
            keys = audit_keys(s)
        start = time.perf_counter()
        event_hash(event, keys.link_key)
        head_tag(keys, event.seq - 1, event.prev_hash, event.created_at)
        head_tag(keys, event.seq, event.hash, event.created_at)
        keyed.append(time.perf_counter() - start)
    times.sort()
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    keyed_p50 = statistics.median(keyed)
    return {
        "p50_ms": round(p50 * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "keyed_work_p50_us": round(keyed_p50 * 1e6, 1),
        "keyed_share": round(keyed_p50 / p50, 4),
    }


def bench_verify(db: Database) -> dict:
    def walk() -> audit.VerifyResult:
        with db.session() as s:
            result = audit.verify(s, batch_size=5000)
        assert result.ok, result.reason
        return result

    start = time.perf_counter()
    result = walk()
    elapsed = time.perf_counter() - start
    tracemalloc.start()  # a second walk, for memory only (tracing slows it down several times)
    walk()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "events": result.count,
        "seconds": round(elapsed, 2),
        "events_per_second": round(result.count / elapsed),
        "peak_python_memory_mb": round(peak / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="casework-bench-audit-"))
    print(f"work directory (key file): {workdir}", file=sys.stderr)
    url = args.url or f"sqlite:///{workdir / 'bench.db'}"
    migrate.upgrade(url)
    settings = Settings(
        env="testing",
        database_url=url,
        keyring_file=str(workdir / "keyring.json"),
        secret_key="bench",
        instance_path=str(workdir),
    )
    db = Database(url)
    create_app(settings, database=db)
    seed(db, args.events)
    result = {
        "database": db.engine.dialect.name,
        "verify": bench_verify(db),
        "append": bench_append(db, args.rounds),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
