"""The family's status page: how long a look-up takes for each outcome, at the production
argon2 cost, so that an unknown code, a wrong secret, an expired code and the right one can be
compared (the page must not tell them apart by time either).

    python bench/bench_family_status.py --rounds 20            # temporary SQLite file
    python bench/bench_family_status.py --url "$CASEWORK_TEST_DATABASE_URL" --rounds 20

Each round runs one look-up of each kind, in turn, each in its own transaction (rolled back,
so no throttle grows); prints p50 and p95 in milliseconds per kind as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from casework import create_app, migrate
from casework.auth import operations as auth_ops
from casework.auth.models import Organisation, OrgKind, Role, User
from casework.auth.policy import Actor
from casework.cases import operations as case_ops
from casework.db import Database
from casework.families import family_access
from casework.families import operations as family_ops
from casework.families.status_models import FamilyAccess
from casework.settings import Settings

POLICY = family_access.ThrottlePolicy(failures_per_code=10**6, failures_per_address=10**6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-family-"))
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    database = Database(url)
    settings = Settings(
        env="testing",
        database_url=url,
        keyring_file=str(tmp / "keyring.json"),
        secret_key="bench-secret-key-bench-secret-key-0123",
        instance_path=str(tmp),
        password_hash_profile="standard",
    )
    app = create_app(settings, database=database)
    with app.app_context(), database.session() as s:
        org = Organisation(name="Bench", country="SV", kind=OrgKind.national_authority)
        s.add(org)
        s.flush()
        user = User(
            email="bench@example.org",
            password_hash=auth_ops.hash_password("bench password long enough"),
            role=Role.family_liaison,
            organisation_id=org.id,
        )
        s.add(user)
        s.flush()
        actor = Actor.for_user(user)
        issued = {}
        for kind in ("right", "expired"):
            case = case_ops.create_case(s, Actor.for_user(user), {"given_names": "Ana"})
            relative = family_ops.create_relative(
                s,
                actor,
                case,
                {"full_name": "Bench Relative", "is_reporting_person": True},
            )
            issued[kind] = family_access.issue(
                s, actor, case, relative, days=180, profile="standard"
            )
            if kind == "expired":
                s.execute(
                    update(FamilyAccess)
                    .where(FamilyAccess.case_id == case.id)
                    .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
                )
    right, expired = issued["right"], issued["expired"]
    other_code = right.code[:-1] + ("2" if right.code[-1] != "2" else "3")
    other_secret = right.secret[:-1] + ("2" if right.secret[-1] != "2" else "3")
    kinds = {
        "right": (right.code, right.secret),
        "wrong_secret": (right.code, other_secret),
        "unknown_code": (other_code, right.secret),
        "expired": (expired.code, expired.secret),
        "malformed": ("hello", "world"),
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    with app.app_context():
        for _ in range(args.rounds):
            for kind, (code, secret) in kinds.items():
                s = database.new_session()
                try:
                    start = time.perf_counter()
                    family_access.lookup(
                        s, code, secret, address="192.0.2.1", policy=POLICY, profile="standard"
                    )
                    times[kind].append((time.perf_counter() - start) * 1000)
                finally:
                    s.rollback()
                    s.close()
    report = {
        kind: {
            "p50_ms": round(statistics.median(v), 1),
            "p95_ms": round(sorted(v)[max(0, int(len(v) * 0.95) - 1)], 1),
        }
        for kind, v in times.items()
    }
    print(json.dumps({"database": database.engine.dialect.name, "rounds": args.rounds, **report}))
    database.dispose()


if __name__ == "__main__":
    main()
