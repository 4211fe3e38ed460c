"""Domain errors and the one error handler: JSON under /api, an HTML page elsewhere."""

from __future__ import annotations

import logging
import traceback
from typing import Any, TypeVar

from flask import Flask, Request, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

log = logging.getLogger("casework")


class CaseworkError(Exception):
    """Base of every error domain code raises; views never call abort()."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        fields: dict[str, Any] | None = None,
        *,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}


class BadRequest(CaseworkError):
    """A request that cannot be read at all (a body that is not valid JSON, or nested too deeply).
    `code` may name the reason more precisely than bad_request."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, Any] | None = None, *, code: str = ""):
        super().__init__(message, fields)
        if code:
            self.code = code


class InvalidInput(CaseworkError):
    status = 422
    code = "invalid"


class NotFound(CaseworkError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found", **kw: Any):
        super().__init__(message, **kw)


R = TypeVar("R")


def or_404(record: R | None, message: str = "Not found", **kw: Any) -> R:
    """The record, or a 404: the one look-up-or-404 (a record out of reach is not found)."""
    if record is None:
        raise NotFound(message, **kw)
    return record


def N_(message: str) -> str:
    """Marks `message` for the catalogues without translating it: the API answers in English,
    and the error page shows the message's translation (see `_render`)."""
    return message


#: The 403 of a role that may not do what was asked.
ROLE_DENIED = N_("Your role does not allow this action.")


class Forbidden(CaseworkError):
    status = 403
    code = "forbidden"


class Conflict(CaseworkError):
    status = 409
    code = "conflict"


class VersionConflict(Conflict):
    code = "version_conflict"


class Unauthorized(CaseworkError):
    status = 401
    code = "unauthorized"


class UnsupportedMediaType(CaseworkError):
    status = 415
    code = "unsupported_media_type"


class Unavailable(CaseworkError):
    """The database cannot be reached (or is locked) right now: a retry later may succeed."""

    status = 503
    code = "unavailable"


#: Seconds a client should wait before retrying a 503 (the `Retry-After` header).
RETRY_AFTER_SECONDS = 5


def is_unavailable(exc: BaseException) -> bool:
    """Is this a database that cannot answer now (down, unreachable, restarted, locked, out of
    connections), rather than a fault in the request or the code?

    SQLAlchemy wraps the driver's errors: an `OperationalError` is raised for a refused or lost
    connection, a terminated backend, a locked SQLite file or a file it cannot open; an error
    flagged `connection_invalidated` is a connection found dead; the pool's `TimeoutError`
    means every connection is taken.
    """
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError)


def wants_json(req: Request) -> bool:
    return req.path.startswith("/api/")


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    503: "unavailable",
}


def _render(status: int, code: str, message: str, fields: dict | None = None, **extra: Any):
    if wants_json(request):
        resp = jsonify(error_body(code, message, fields, **extra))
        resp.status_code = status
        if status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="casework"'
    else:
        # A message marked with N_ (English in the API) is shown in the page's language.
        shown = _(message) if message else message
        page = render_template(
            "errors/error.html", status=status, code=code, message=shown, fields=fields
        )
        resp = Response(page, status=status, mimetype="text/html")
    if status == 503:
        resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return resp


def unavailable_response():
    """The 503 of a database that cannot answer: JSON under /api, a plain page elsewhere (the
    page is rendered without the database: no signed-in user is looked up for it)."""
    g.database_unavailable = True
    manager = getattr(current_app, "login_manager", None)
    if manager is not None and "_login_user" not in g:
        # flask-login would look the signed-in user up (in the database) to render the page.
        g._login_user = manager.anonymous_user()
    return _render(
        503,
        Unavailable.code,
        _("The service cannot reach its database right now. Please try again in a moment."),
    )


def http_error_fields(exc: HTTPException) -> dict[str, Any]:
    """Field errors that webargs/flask-smorest attach to a 422 (or a 400 on bad JSON)."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") or {}
    fields: dict[str, Any] = {}
    # webargs nests messages by location ("json", "query"); flatten them for the caller.
    for location, errors in messages.items():
        if isinstance(errors, dict):
            fields.update(errors)
        else:
            fields[location] = errors
    return fields


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    if status == 500 and is_unavailable(getattr(exc, "original_exception", None) or exc):
        return unavailable_response()
    code = _HTTP_CODES.get(status, "error")
    fields = http_error_fields(exc)
    if status == 422:
        message = _("Some fields are invalid.")
    elif status == 413:
        message = _("The request is too large.")
    elif status == 404:
        message = _("Not found.")
    elif status == 400 and "json" in (exc.description or "").lower():
        message = _("The request body is not valid JSON.")
    else:
        message = exc.description or exc.name
    resp = _render(status, code, message, fields)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        resp.headers["Allow"] = ", ".join(exc.valid_methods)
    return resp


def handle_casework_error(exc: CaseworkError):
    return _render(exc.status, exc.code, exc.message, exc.fields, **exc.extra)


def handle_unexpected(exc: Exception):
    if is_unavailable(exc):
        # The driver's text may quote a statement's parameters: the type only.
        log.warning(
            "database unavailable (%s) at %s %s", type(exc).__name__, request.method, request.path
        )
        return unavailable_response()
    # Log the type and location only: the exception text may quote personal data.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "unexpected %s at %s %s\n%s", type(exc).__name__, request.method, request.path, frames
    )
    return _render(500, "internal", _("Something went wrong on our side."))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(CaseworkError, handle_casework_error)
    app.register_error_handler(Exception, handle_unexpected)
