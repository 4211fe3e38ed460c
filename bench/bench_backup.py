"""Backup archive throughput: encrypt (ArchiveWriter) and verify-decrypt (read_archive) a
stream of SIZE MiB, and `backup` of a SQLite database of about that size (the online backup
API snapshot plus encryption). Memory stays flat: one 1 MiB chunk at a time.

    python bench/bench_backup.py [SIZE_MIB]
"""

from __future__ import annotations

import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from casework.crypto import generate_keyring_file
from casework.ops.archive import ArchiveWriter, read_archive
from casework.ops.backup import backup
from casework.settings import Settings


def main(size_mib: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        keyring = generate_keyring_file(Path(tmp) / "keyring.json")
        secret = keyring.instance_signing_key
        block = os.urandom(1 << 20)
        path = Path(tmp) / "stream.cwb"
        t0 = time.perf_counter()
        with path.open("wb") as fh:
            writer = ArchiveWriter(fh, secret, "sqlite")
            for _ in range(size_mib):
                writer.write(block)
            writer.finish()
        t1 = time.perf_counter()
        with path.open("rb") as fh:
            read_archive(fh, secret, lambda _: None)
        t2 = time.perf_counter()
        print(f"archive write  {size_mib / (t1 - t0):8.1f} MiB/s ({size_mib} MiB)")
        print(f"archive verify {size_mib / (t2 - t1):8.1f} MiB/s")

        db = Path(tmp) / "big.db"
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
        rows = ((os.urandom(4000),) for _ in range(size_mib * 256))
        conn.executemany("INSERT INTO blobs (data) VALUES (?)", rows)
        conn.commit()
        conn.close()
        settings = Settings(
            env="testing",
            database_url=f"sqlite:///{db}",
            keyring_file=str(Path(tmp) / "keyring.json"),
            instance_path=tmp,
        )
        t3 = time.perf_counter()
        outcome = backup(settings, str(Path(tmp) / "big.cwb"))
        t4 = time.perf_counter()
        mib = outcome.size / (1 << 20)
        took = t4 - t3
        print(f"sqlite backup  {mib / took:8.1f} MiB/s ({mib:.0f} MiB archive, {took:.1f} s)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"max RSS        {rss:8.1f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 128)
