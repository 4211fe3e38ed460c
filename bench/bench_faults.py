"""Cost of the key-file check at start (casework/keys/check.py) with many data keys.

    python bench/bench_faults.py [N]

Measured (SQLite, 200,000 live data keys, 2 shared CPUs): 6-19 ms per check — one index
look-up per KEK version and five unwraps; no scan or sort of the data keys.
"""

import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

from casework import migrate
from casework.crypto import FileKeyProvider, generate_keyring_file, new_data_key, wrap_data_key
from casework.db import Database
from casework.keys.check import check_key_file
from casework.keys.models import DataKey
from casework.keys.service import binding_of

d = Path(tempfile.mkdtemp())
url = f"sqlite:///{d / 'b.db'}"
migrate.upgrade(url)
generate_keyring_file(d / "k.json")
kr = FileKeyProvider(d / "k.json").load()
db = Database(url)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
rows = []
dek = new_data_key()
for _ in range(N):
    k = DataKey(id=uuid.uuid4(), subject_type="case", organisation_id=None, binding=2)
    v, w = wrap_data_key(kr, dek, binding_of(k))
    rows.append(
        dict(
            id=k.id,
            subject_type="case",
            organisation_id=None,
            binding=2,
            kek_version=v,
            wrapped_key=w,
        )
    )
with db.engine.begin() as c:
    c.execute(insert(DataKey), rows)
for _run in range(3):
    t = time.perf_counter()
    check_key_file(db.engine, kr, "k.json")
    print(f"{N} keys: check {1000 * (time.perf_counter() - t):.1f} ms")
