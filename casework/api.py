"""The JSON API under /api/v1: flask-smorest set-up, bearer authentication, pagination, errors."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Response, jsonify, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema
from webargs.core import is_json, missing
from webargs.flaskparser import FlaskParser

from casework.access import Shown, dump
from casework.auth.context import bearer_user
from casework.errors import (
    BadRequest,
    InvalidInput,
    Unauthorized,
    UnsupportedMediaType,
    handle_http_exception,
)
from casework.openapi import CaseworkDocPlugin, ErrorSchema
from casework.schemas import text_problem

API_PREFIX = "/api/v1"


class CaseworkApi(Api):
    """flask-smorest's Api with casework's single error shape, in its answers and its document
    (every response component flask-smorest registers uses ERROR_SCHEMA)."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: Any) -> Any:  # noqa: D102
        return handle_http_exception(error)


#: Deepest JSON nesting a body may have: casework's deepest request (a list of objects inside a
#: map) is 3 levels; parsing far deeper documents exhausts Python's recursion.
MAX_JSON_DEPTH = 64

_STRING = re.compile(rb'"[^"]*"')
#: Brackets kept, as "(" and ")"; every other byte dropped.
_BRACKETS = bytes.maketrans(b"[]{}", b"()()")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the brackets of a JSON text nest deeper than `limit`, outside strings, read from
    the raw bytes before any parsing, in linear time and mostly in C: escapes are cut out (an
    escaped backslash first, then an escaped quote), then strings, then all but the brackets;
    each pass then removes the innermost pairs, i.e. one level. A balanced text is at most
    `limit` deep when `limit` passes leave nothing; what is left otherwise (too deep, or
    unbalanced, which json.loads refuses anyway) is counted exactly."""
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _STRING.sub(b"", unescaped).translate(_BRACKETS, _NOT_BRACKET)
    rest = brackets
    for _ in range(limit):
        shorter = rest.replace(b"()", b"")
        if len(shorter) == len(rest):
            break
        rest = shorter
    if not rest:
        return False
    depth = 0
    for byte in brackets:
        depth += 1 if byte == 40 else -1  # "("
        if depth > limit:
            return True
    return False


def parse_json_body(body: bytes) -> Any:
    """A request body parsed as JSON, its depth bounded before parsing; a clear 400 when it is
    too deep, not UTF-8, or not JSON (with the line and column of the first error)."""
    if json_depth_exceeds(body):
        raise BadRequest(
            f"The request body is nested too deeply (at most {MAX_JSON_DEPTH} levels).",
            {"json": ["Nested too deeply."]},
            code="too_deep",
        )
    try:
        # Not "utf-8-sig": JSON text has no byte-order mark (RFC 8259 §8.1), so one is malformed.
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(
            "The request body is not valid JSON: it is not UTF-8 text.",
            {"json": ["Not UTF-8 text."]},
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}.",
            {"json": [f"{exc.msg} at line {exc.lineno}, column {exc.colno}."]},
        ) from None
    except ValueError:
        # Python refuses to read an integer of more than 4,300 digits (int_max_str_digits).
        raise BadRequest(
            "The request body is not valid JSON: a number in it is too long.",
            {"json": ["A number is too long."]},
        ) from None
    except RecursionError:  # pragma: no cover - the depth bound comes first
        raise BadRequest("The request body is nested too deeply.", code="too_deep") from None


#: What a body holding text that no field takes must contain somewhere, raw or escaped: DEL, a
#: C1 control or a bidi control in UTF-8, or a \u escape of a control character, a bidi control
#: or a surrogate (raw C0 characters are not valid JSON inside strings). Bodies without it, nearly
#: all, skip the walk over every string; a false match (an escaped tab) only costs the walk.
_MAYBE_BAD_TEXT = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
    rb"|\\u(?:00[01]|007f|00[89]|202[a-e]|206[6-9]|d[89a-f])",
    re.IGNORECASE,
)


def text_errors(value: Any, *, top: bool = True) -> Any:
    """Every string of a parsed JSON body (values and keys, at any depth) that no text field
    takes (see casework.schemas.text_problem): the errors, shaped as marshmallow shapes them
    (field -> messages, a list's index or a map's key -> ...), or None. The values themselves
    are never quoted: a bad key is reported under its parent, or as "json" at the top."""
    if isinstance(value, str):
        problem = text_problem(value)
        if not problem:
            return None
        # A body that is one bare string is reported under "json", as a map like the rest.
        return {"json": [problem]} if top else [problem]
    errors: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key)
            if problem:
                return {"json": [f"A field name: {problem}"]} if top else [f"A key: {problem}"]
            found = text_errors(item, top=False)
            if found:
                errors[key] = found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = text_errors(item, top=False)
            if found:
                errors[str(index)] = found
    return errors or None


class _Parser(FlaskParser):
    """webargs' parser, except that a JSON body is bounded before it is parsed (its size by
    MAX_CONTENT_LENGTH, 413, as it is read; then its depth, 400), a malformed one says what is
    wrong with it, text no field may take is refused wherever it is in the body (422 naming the
    field), and a body of another type is refused (415) where webargs would drop it and go on as
    if none had been sent."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json(req.mimetype):
            if _has_body(req):
                raise UnsupportedMediaType(
                    "The request body must be JSON (Content-Type: application/json).",
                    {"Content-Type": ["Must be application/json."]},
                )
            return missing
        body = req.get_data(cache=True)
        if not body:
            return missing
        data = parse_json_body(body)
        errors = text_errors(data) if _MAYBE_BAD_TEXT.search(body) else None
        if errors:
            raise InvalidInput("Some fields are invalid.", errors)
        return data


def _has_body(req: Any) -> bool:
    # A form body is consumed once parsed (the NUL check reads it): its length or fields tell.
    return bool(req.content_length or req.form or req.files or req.get_data(cache=True))


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


def api_blueprint(name: str, import_name: str, path: str = "", **kwargs: Any) -> Blueprint:
    """A blueprint under /api/v1 whose every endpoint needs a valid bearer token."""
    blp = _Blueprint(name, import_name, url_prefix=API_PREFIX + path, **kwargs)

    @blp.before_request
    def _authenticate() -> None:
        if bearer_user() is None:
            raise Unauthorized("A valid bearer token is required.")

    return blp


_IF_MATCH = re.compile(r'^(?:W/)?(?:"(\d{1,9})"|(\d{1,9}))$')


def expected_version(body_version: int | None, *, required: bool = True) -> int | None:
    """The version the client last saw, from the body's `version` or an If-Match header.

    Both given and different, or an If-Match that is not a version, is a 422; with
    `required`, neither given is a 422 too: an update never overwrites blindly.
    """
    header = request.headers.get("If-Match")
    header_version = None
    if header is not None:
        match = _IF_MATCH.match(header.strip())
        if match is None:
            raise InvalidInput(
                'If-Match must carry the record\'s version, e.g. "3".',
                {"If-Match": ["Not a version."]},
            )
        header_version = int(match.group(1) or match.group(2))
    if body_version is not None and header_version is not None and body_version != header_version:
        raise InvalidInput(
            "The version in the body and in If-Match differ.",
            {"version": ["Differs from If-Match."]},
        )
    version = body_version if body_version is not None else header_version
    if version is None and required:
        raise InvalidInput(
            "An update must carry the record's version (field `version` or an If-Match header).",
            {"version": ["Missing data for required field."]},
        )
    return version


def shaped(
    schema: Schema, shown: Shown[Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """One record as JSON with only the fields of the categories the actor may see (what is not
    allowed is absent, not masked). The endpoint still documents `schema` with @blp.response."""
    response = jsonify(dump(schema, shown))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def shaped_page(
    item_schema: Schema, shown: list[Shown[Any]], page: int, per_page: int, total: int, **extra: Any
) -> Response:
    """A page of a list, each row shaped by what the actor may see of it."""
    body = page_of([dump(item_schema, s) for s in shown], page, per_page, total)
    body.update(extra)
    return jsonify(body)


def page_of(items: list[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def init_app(app: Flask, blueprints: list[Blueprint]) -> CaseworkApi:
    app.config.update(
        API_TITLE="casework",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {
                "description": "Case coordination for missing migrants. Errors are "
                '{"error": {"code", "message", "fields"}} with a 4xx status.'
            },
        },
    )
    api = CaseworkApi(app, spec_kwargs={"extra_plugins": [CaseworkDocPlugin()]})
    for blp in blueprints:
        api.register_blueprint(blp)
    return api
