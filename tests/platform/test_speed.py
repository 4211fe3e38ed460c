"""Speed on slow links (issue 14, problem 10): answers are compressed when the browser accepts it,
static files carry a content hash in their URL and are cached for a year, and pages with
personal data are never stored."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli

STATIC = Path(__file__).resolve().parents[2] / "casework" / "static"


def _stylesheet_url(html: str) -> str:
    match = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert match, "no stylesheet link"
    return match.group(1).replace("&amp;", "&")


def test_pages_are_compressed_with_gzip_and_brotli(client):
    plain = client.get("/login")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers
    for encoding, decompress in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        resp = client.get("/login", headers={"Accept-Encoding": encoding})
        assert resp.status_code == 200
        assert resp.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in resp.headers["Vary"]
        body = decompress(resp.get_data())
        assert len(resp.get_data()) < len(body)
        assert b"<form" in body
        # The page stays uncached: it may hold personal data (and a CSRF token).
        assert resp.headers["Cache-Control"] == "no-store"


def test_api_answers_are_compressed_too(api, make_user):
    caller = api("admin")
    for _ in range(8):  # a list long enough to be worth compressing (500 bytes and more)
        make_user("family_liaison")
    plain = caller.get("/users")
    assert len(plain.get_data()) > 500 and "Content-Encoding" not in plain.headers
    resp = caller.get("/users", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.get_data()) == plain.get_data()
    assert resp.headers["Cache-Control"] == "no-store"


def test_stylesheet_url_carries_its_content_hash_and_is_cached_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    url = _stylesheet_url(html)
    content = (STATIC / "casework.css").read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    path, _, query = url.partition("?")
    assert path == "/static/casework.css"
    version = dict(part.split("=", 1) for part in query.split("&"))["v"]
    assert len(version) >= 8 and digest.startswith(version)

    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.get_data() == content
    cache = {part.strip() for part in resp.headers["Cache-Control"].split(",")}
    assert cache == {"public", "max-age=31536000", "immutable"}

    compressed = client.get(url, headers={"Accept-Encoding": "br"})
    assert compressed.headers.get("Content-Encoding") == "br"
    assert brotli.decompress(compressed.get_data()) == content


def test_static_file_without_the_current_hash_is_revalidated(client):
    for url in ("/static/casework.css", "/static/casework.css?v=0123456789ab"):
        resp = client.get(url)
        assert resp.status_code == 200
        assert "immutable" not in resp.headers["Cache-Control"]
        assert "no-cache" in resp.headers["Cache-Control"]
