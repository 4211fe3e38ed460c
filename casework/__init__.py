"""casework: case coordination for missing migrants. `create_app` is the application factory."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, redirect, render_template, request, url_for
from flask_babel import Babel
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup
from sqlalchemy.exc import OperationalError

from casework import errors, i18n, web
from casework.db import Database
from casework.settings import ConfigurationError, Settings, ensure_secret_key, load_settings

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = i18n.LANGUAGES
RTL_LANGUAGES = i18n.RTL_LANGUAGES

csrf = CSRFProtect()
babel = Babel()
log = logging.getLogger("casework")


def _select_locale() -> str:
    """The page's language: the signed-in user's setting, else the switcher's choice (a
    cookie), else Accept-Language, else English. The JSON API follows Accept-Language only."""
    if not has_request_context():
        return i18n.DEFAULT_LANGUAGE
    if not request.path.startswith("/api/"):
        chosen = i18n.supported(_user_language()) or i18n.supported(
            request.cookies.get(i18n.COOKIE)
        )
        if chosen:
            return chosen
    return request.accept_languages.best_match(LANGUAGES) or i18n.DEFAULT_LANGUAGE


def _user_language() -> str | None:
    """The signed-in user's language setting, if the database can be asked."""
    from flask import g

    if g.get("database_unavailable"):
        return None
    try:
        user = current_user
        return user.language if user.is_authenticated else None
    except Exception:  # noqa: BLE001 - a page in the browser's language is better than none
        return None


def load_keyring(settings: Settings, database: Database | None = None):
    """Load the key file and check it against the database; refuse to start (one-line
    `ConfigurationError`) when it is missing, unreadable, not a key file, or does not open the
    data keys the database holds. Outside production a missing key file is generated, but only
    for a database that holds no data keys yet (a new one would never open them)."""
    from casework.crypto import KeyringError, generate_keyring_file
    from casework.keys.check import check_key_file, count_data_keys
    from casework.keys.service import holder_for_file

    path = Path(settings.keyring_file)
    try:
        if not path.exists():
            existing = count_data_keys(database.engine) if database is not None else 0
            if existing:
                raise ConfigurationError(
                    f"key file {path} is missing, and the database holds {existing} data keys "
                    "that only it opens: restore it from the key-file backup (a new key file "
                    "would open none of them)"
                )
            if not settings.generate_secrets:
                raise ConfigurationError(f"key file {path} is missing")
            generate_keyring_file(path)
            sys.stderr.write(f"casework: generated a new key file in {path}\n")
        try:
            holder = holder_for_file(str(path))
        except KeyringError as exc:
            raise ConfigurationError(str(exc)) from None
        if database is not None:
            check_key_file(database.engine, holder.get(), str(path))
    except OperationalError as exc:
        raise ConfigurationError(
            "the database is unreachable, so the key file cannot be checked against it "
            f"({type(exc).__name__}); start again once it answers"
        ) from None
    return holder


def create_app(settings: Settings | None = None, database: Database | None = None) -> Flask:
    """Build the application; refuses to start (ConfigurationError) on unsafe production set-up.

    Under gunicorn the refusal is also gunicorn's own "the application failed to load" error,
    which gunicorn prints as the one line of its message, without a traceback (see
    `_server_refusal`)."""
    try:
        return _build_app(settings, database)
    except ConfigurationError as exc:
        refusal = _server_refusal(exc)
        if refusal is None:
            raise
        raise refusal from None


def _server_refusal(exc: ConfigurationError) -> ConfigurationError | None:
    """The refusal as gunicorn reports a failed application load, when gunicorn is running
    (its modules are loaded): a ConfigurationError that is also a gunicorn AppImportError (a
    worker prints its message, one line, and gunicorn stops with exit 4, "App failed to load")
    and a RuntimeError (with --preload, the master prints "Error: <message>" and exits 1).
    None outside gunicorn: library callers and tests get the ConfigurationError itself."""
    gunicorn_errors = sys.modules.get("gunicorn.errors")
    if gunicorn_errors is None:
        return None
    refusal = type(
        "StartRefused", (ConfigurationError, gunicorn_errors.AppImportError, RuntimeError), {}
    )
    return refusal(f"casework cannot start: {exc}")


def _build_app(settings: Settings | None, database: Database | None) -> Flask:
    from casework.keys.service import make_indexer

    settings = settings or load_settings()
    settings = ensure_secret_key(settings)
    if database is None:
        database = Database(settings.database_url)
    holder = load_keyring(settings, database)
    database.info.update(
        keyring_holder=holder,
        indexer=make_indexer(holder.get().index_key, settings.planned_rows),
    )

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(Path(settings.instance_path).resolve()),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Production: the `__Host-` prefix makes browsers accept the cookie only when it is
        # Secure, has Path=/ and no Domain (so no sibling host can set or shadow it).
        SESSION_COOKIE_SECURE=settings.session_cookie_secure or settings.is_production,
        SESSION_COOKIE_NAME=session_cookie_name(settings),
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=settings.session_idle_minutes),
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=";".join(
            str(d) for d in i18n.ensure_compiled(Path(settings.instance_path) / "translations")
        ),
        TESTING=settings.env == "testing",
    )
    app.extensions["casework.settings"] = settings
    app.extensions["casework.db"] = database

    _configure_logging(app)
    web.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    csrf.init_app(app)
    errors.register_error_handlers(app)
    app.register_error_handler(CSRFError, _csrf_error)
    _register_fault_handlers(app)

    from casework.auth import context, operations

    operations.use_password_profile(settings.password_hash_profile)
    context.init_app(app)
    _register_blueprints(app)
    _register_globals(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Every domain's page and API blueprints, from the registry, lowest layer first."""
    from casework import api, registry

    api_blueprints = []
    for _, ref in registry.each("pages"):
        app.register_blueprint(registry.resolve(ref))
    for _, ref in registry.each("api"):
        blp = registry.resolve(ref)
        # The API authenticates with bearer tokens, never with the browser's cookie: no CSRF.
        csrf.exempt(blp)
        api_blueprints.append(blp)
    api.init_app(app, api_blueprints)

    @app.route("/")
    def home() -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_template("home.html")


def _register_globals(app: Flask) -> None:
    from flask_babel import get_locale

    from casework.navigation import case_links, due_items, nav_items

    @app.template_filter("bdi")
    def _bdi(value: Any) -> Any:
        """A value (name, e-mail, reference, date) isolated from the translated sentence it sits
        in, so its direction does not reorder the text around it: `name=person|bdi`. Not in
        <title> or attributes (plain text only there)."""
        if value is None or value == "":
            return value
        return Markup("<bdi>%s</bdi>") % value

    @app.template_global("ltr")
    def _ltr(value: Any) -> Any:
        """An example or a format written left to right whatever the page's direction (in Arabic,
        "1990-05" would otherwise show as "05-1990"): `_("... (%(example)s)", example=ltr(...))`."""
        return Markup('<bdi dir="ltr">%s</bdi>') % value

    @app.context_processor
    def _inject() -> dict[str, Any]:
        locale = str(get_locale() or i18n.DEFAULT_LANGUAGE)
        return {
            "locale": locale,
            "text_direction": i18n.direction(locale),
            "language_names": i18n.LANGUAGE_NAMES,
            "actor": web_actor(),
            "nav_items": nav_items,
            "case_links": case_links,
            "due_items": due_items,
        }


def session_cookie_name(settings: Settings) -> str:
    """`__Host-casework_session` in production (Secure, Path=/, no Domain), else without it:
    browsers refuse a `__Host-` cookie over plain HTTP, which development uses."""
    return "__Host-casework_session" if settings.is_production else "casework_session"


def web_actor() -> Any:
    from flask import g

    from casework.auth.context import current_actor

    if g.get("database_unavailable"):
        return None  # the page saying so must not wait for the database to look the user up
    try:
        return current_actor()
    except Exception:  # noqa: BLE001 - rendering an error page must not fail on this
        return None


def _register_fault_handlers(app: Flask) -> None:
    from flask_babel import gettext

    from casework.access.gateway import Unreadable
    from casework.keys import RecordUnreadable

    Unreadable.translate = staticmethod(gettext)
    app.register_error_handler(RecordUnreadable, _record_unreadable)


def _record_unreadable(exc: Any) -> Any:
    """One record does not decrypt: nothing the request wrote is kept, the failure is logged and
    audited (the record and the field's name, never a value), and the answer is a deliberate
    500 `record_unreadable`, which a retry will not change."""
    from flask import g
    from flask_babel import gettext

    from casework.keys import report_unreadable
    from casework.web import db_session, discard_changes

    discard_changes()
    try:
        report_unreadable(db_session(), web_actor(), exc)
        g.commit_on_error = True  # the audit event only: the rest was rolled back above
    except Exception as audit_exc:  # noqa: BLE001 - the answer must still be given
        discard_changes()
        log.error("could not audit an unreadable record (%s)", type(audit_exc).__name__)
    return errors._render(
        500,
        exc.code,
        gettext(
            "This record cannot be decrypted; it has been reported to the administrators. "
            "Other records are not affected."
        ),
    )


def _csrf_error(exc: CSRFError) -> Any:
    return errors._render(400, "csrf", exc.description or "CSRF check failed.")


def _configure_logging(app: Flask) -> None:
    # Werkzeug's access log would print query strings; casework never puts personal data in
    # URLs, but keep the access log at warning level to be sure nothing slips through.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
