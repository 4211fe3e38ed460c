"""Page weight on a slow link: the bytes of the pages a focal point opens first, plain and as
the browser receives them compressed (gzip, Brotli), and the stylesheet's (cached for a year
once loaded, so paid once per release).

    python bench/bench_pages.py            # temporary SQLite file

Prints one JSON object: for each page its plain size and its gzip and Brotli sizes in bytes
as served by the app (in-process test client). The stylesheet is streamed from disk, and
flask-compress streams zstd, Brotli or deflate only (no gzip): every current browser takes Brotli.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

from casework import create_app, migrate
from casework.auth import operations
from casework.db import Database
from casework.settings import Settings

PASSWORD = "correct horse battery staple 42"
PAGES = ["/login", "/", "/cases", "/cases/new"]


def _size(client, url: str, encoding: str | None) -> int:
    headers = {"Accept-Encoding": encoding} if encoding else {}
    return len(client.get(url, headers=headers).get_data())


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="casework-bench-pages-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    migrate.upgrade(url)
    settings = Settings(
        env="testing",
        database_url=url,
        keyring_file=str(workdir / "keyring.json"),
        secret_key="bench",
        instance_path=str(workdir),
    )
    db = Database(url)
    app = create_app(settings, database=db)
    with db.session() as s:
        org = operations.create_organisation(s, "Bench", "SV", "national_authority")
        operations.create_user(s, "bench@example.org", PASSWORD, "focal_point", org.id)
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    resp = client.post(
        "/login", data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302, resp.status_code
    result: dict[str, dict[str, int]] = {}
    css = re.search(r'href="(/static/casework\.css[^"]*)"', client.get("/").get_data(as_text=True))
    for page in [*PAGES, css.group(1).replace("&amp;", "&")]:
        result[page.split("?")[0]] = {
            "plain": _size(client, page, None),
            "gzip": _size(client, page, "gzip"),
            "br": _size(client, page, "br"),
        }
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
