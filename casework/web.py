"""Request-scoped plumbing: one database session per request, committed once, and a request id."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton
from flask import Flask, current_app, g, request
from flask_babel import get_locale
from flask_compress import Compress
from sqlalchemy.orm import Session

from casework.db import Database
from casework.errors import is_unavailable, unavailable_response
from casework.settings import Settings

log = logging.getLogger("casework")


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["casework.db"]


def settings(app: Flask | None = None) -> Settings:
    return (app or current_app).extensions["casework.settings"]


def db_session() -> Session:
    """The request's session: created on first use, committed or rolled back at teardown."""
    if "db_session" not in g:
        g.db_session = database().new_session()
    return g.db_session


def discard_changes() -> None:
    """Roll back what this request wrote so far: for a refused change answered with a
    redirect or a page (a status below 400 would otherwise commit it)."""
    if "db_session" in g:
        g.db_session.rollback()


def request_id() -> str:
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-Id", "")
        # Accept a caller's id only if it is short and plain; otherwise make our own.
        if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
            g.request_id = incoming
        else:
            g.request_id = secrets.token_hex(8)
    return g.request_id


def _reject_nul_bytes() -> None:
    """No database stores NUL in text (PostgreSQL refuses it): refuse it at the door, naming it."""
    from casework.errors import InvalidInput

    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if "\x00" in value or "\x00" in name:
                message = "Text may not contain NUL characters."
                raise InvalidInput(message, {name.replace("\x00", "")[:64]: [message]})


#: The Content-Security-Policy of every answer: nothing from elsewhere, no plugins, no framing,
#: forms post only here, and no <base> can redirect relative URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'"
)
#: HSTS: two years, every subdomain (sent in production, or whenever the request came by HTTPS).
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def security_headers(response: Any) -> Any:
    """The security headers of every answer (pages, API, errors, static files)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if settings().is_production or request.is_secure:
        headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if request.path != "/static" and not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    elif response.status_code == 200 or response.status_code == 304:
        headers["Cache-Control"] = _static_cache_control()
    return response


#: A static file asked for by its current content hash (`?v=`) never changes at that URL.
STATIC_IMMUTABLE = "public, max-age=31536000, immutable"
#: Without the hash (or with an old one) the browser revalidates (ETag, Last-Modified).
STATIC_REVALIDATE = "no-cache"


def _static_cache_control() -> str:
    filename = (request.view_args or {}).get("filename")
    version = request.args.get("v")
    if filename and version and version == static_version(filename):
        return STATIC_IMMUTABLE
    return STATIC_REVALIDATE


def static_version(filename: str, app: Flask | None = None) -> str | None:
    """The first 12 hex digits of the SHA-256 of a static file (None when there is no such file),
    read once per file and process: a new release is a new process."""
    app = app or current_app
    versions: dict[str, str | None] = app.extensions.setdefault("casework.static_versions", {})
    if filename not in versions:
        folder = Path(app.static_folder or "").resolve()
        path = (folder / filename).resolve()
        if path.is_file() and path.is_relative_to(folder):
            versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        else:
            versions[filename] = None
    return versions[filename]


def _version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    """Every `url_for('static', filename=...)` gets `v=<content hash>`: a changed file gets a new
    URL, so the old one can be cached for a year."""
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


#: Compression (gzip, Brotli, zstd; deflate) of pages, JSON and static files, chosen from the
#: browser's Accept-Encoding. BREACH (secrets in compressed pages next to reflected input) needs a
#: cross-site request that carries the session cookie; the cookie is SameSite=Lax and pages can't
#: be framed, so a foreign page's sub-requests reach only the sign-in redirect.
compress = Compress()


# --- dates on pages ---------------------------------------------------------------------------
# One format per locale (CLDR's medium date: "Mar 5, 2026", "5 mar 2026", "5 mars 2026",
# "05/03/2026" in Arabic), a partial date as month and year or the year, times in 24 hours and
# UTC (as stored). Spaces become no-break spaces: a date never wraps, in a table or a sentence.

NBSP = "\u00a0"


def _locale() -> Locale:
    try:
        return Locale.parse(str(get_locale() or "en"))
    except Exception:  # noqa: BLE001 - outside a request (or an odd tag): English
        return Locale.parse("en")


def _unbroken(text: str) -> str:
    return text.replace(" ", NBSP).replace("\u202f", NBSP)


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def format_day(value: Any) -> str:
    """The `date` filter: a date, the day of a (UTC) datetime, or a partial date as the cases keep
    it ("2026", "2026-03", "2026-03-05"); "" for none, and text it can't read as it is."""
    if value is None or value == "":
        return ""
    locale = _locale()
    if isinstance(value, dt.datetime):
        value = _as_utc(value).date()
    if isinstance(value, str):
        parts = value.strip().split("-")
        try:
            numbers = [int(part) for part in parts]
            if len(numbers) == 1 and len(parts[0]) == 4:
                return parts[0]
            if len(numbers) == 2:
                return _unbroken(
                    format_skeleton("yMMM", dt.date(numbers[0], numbers[1], 1), locale=locale)
                )
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return _unbroken(format_date(value, "medium", locale=locale))
    return str(value)


def format_month(value: Any) -> str:
    """The `month` filter: the month and year of a date (a case's month last seen)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _as_utc(value).date()
    return _unbroken(format_skeleton("yMMM", value, locale=_locale()))


def format_moment(value: Any, seconds: bool = False) -> str:
    """The `datetime` filter: date and 24-hour time in UTC, in the locale's order."""
    if value is None or value == "":
        return ""
    locale = _locale()
    moment = _as_utc(value)
    day = format_date(moment.date(), "medium", locale=locale)
    time = format_skeleton("Hms" if seconds else "Hm", moment, locale=locale, tzinfo=dt.UTC)
    pattern = str(locale.datetime_formats.get("medium", "{1} {0}"))
    return _unbroken(pattern.replace("{1}", day).replace("{0}", time))


def init_app(app: Flask) -> None:
    app.before_request(_reject_nul_bytes)
    app.after_request(security_headers)
    app.url_defaults(_version_static_urls)
    app.add_template_filter(format_day, "date")
    app.add_template_filter(format_month, "month")
    app.add_template_filter(format_moment, "datetime")

    @app.after_request
    def _commit(response: Any) -> Any:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400 or g.get("commit_on_error"):
                    session.commit()
                else:
                    session.rollback()
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                # The database went away before the commit went through: nothing of the
                # request is stored (the transaction is rolled back with the connection), and
                # the answer says so instead of the success prepared above.
                _forget(session)
                response = unavailable_response()
                security_headers(response)
            finally:
                session.close()
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response

    # Registered last, so it runs first: the answer the view made is compressed, while a
    # replacement made by `_commit` (the database went away) goes out plain.
    compress.init_app(app)

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            _forget(session)
            session.close()


def _forget(session: Session) -> None:
    """Roll back; on a connection that is already dead there is nothing left to undo (the
    server dropped the transaction with it), and the pool discards the connection."""
    try:
        session.rollback()
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        log.warning("rollback on a lost database connection (%s)", type(exc).__name__)
