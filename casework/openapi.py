"""What the OpenAPI document says beyond what each endpoint's decorators say: casework's one
error shape for every error an operation can answer, the If-Match header of versioned writes,
read-only fields that may be null, and links from each create to the read and the update of
what it made (so a client, or Schemathesis' state machine, can chain them).

The error statuses are derived from what every API endpoint shares (casework.api): a bearer
token (401), an action the role must be allowed (403), a JSON body that can be malformed (400),
too large (413), of another type (415) or invalid (422), path and body references to records
that may be out of reach (404), and writes that may meet a stale version, a four-eyes rule or a
state that forbids them (409); and the two faults on the server's side, 503 while the database
cannot be reached and 500 for a record that does not decrypt. Any other status falls to
`default`, in the same shape."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import INCLUDE, RAISE, Schema, fields

METHODS = ("get", "post", "put", "patch", "delete")


class ErrorDetailSchema(Schema):
    """What went wrong; some errors add members (e.g. `current_version` of a 409)."""

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: true

    code = fields.String(
        required=True,
        metadata={"description": "Stable, machine-readable: e.g. not_found, version_conflict"},
    )
    message = fields.String(required=True, metadata={"description": "For people; translated"})
    field_errors = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        required=True,
        metadata={"description": "Each invalid field (or header) → its messages; may be empty"},
    )


class ErrorSchema(Schema):
    """Every error answer of the API: `{"error": {"code", "message", "fields"}}`."""

    class Meta:
        unknown = RAISE  # documented as additionalProperties: false

    error = fields.Nested(ErrorDetailSchema, required=True)


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The record's version as last seen (instead of the body's `version`); "
    "a stale one gets 409, one that is not a version 422.",
    "schema": {"type": "string", "pattern": r'^(?:W/)?"?\d{1,9}"?$'},
}


def _ref(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _read_and_update(path: str, parameter: str, expression: str) -> dict[str, Any]:
    """Links to GET and PATCH of `path`, its `parameter` taken from the created record, the
    update carrying the created record's version."""
    parameters = {f"path.{parameter}": expression}
    return {
        "read": {"operationRef": _ref(path, "get"), "parameters": parameters},
        "update": {
            "operationRef": _ref(path, "patch"),
            "parameters": parameters,
            "requestBody": {"version": "$response.body#/version"},
        },
    }


#: (path of a create, method) → the links of its 201 answer.
CREATE_LINKS: dict[tuple[str, str], dict[str, Any]] = {
    ("/api/v1/cases", "post"): {
        **_read_and_update("/api/v1/cases/{reference}", "reference", "$response.body#/reference"),
        "timeline": {
            "operationRef": _ref("/api/v1/cases/{reference}/timeline", "get"),
            "parameters": {"path.reference": "$response.body#/reference"},
        },
        "add_relative": {
            "operationRef": _ref("/api/v1/cases/{reference}/relatives", "post"),
            "parameters": {"path.reference": "$response.body#/reference"},
        },
    },
    ("/api/v1/cases/{reference}/relatives", "post"): _read_and_update(
        "/api/v1/relatives/{relative_id}", "relative_id", "$response.body#/id"
    ),
    ("/api/v1/remains", "post"): _read_and_update(
        "/api/v1/remains/{remains_id}", "remains_id", "$response.body#/id"
    ),
    ("/api/v1/agreements", "post"): _read_and_update(
        "/api/v1/agreements/{agreement_id}", "agreement_id", "$response.body#/id"
    ),
}


def _body_fields(spec: APISpec, operation: dict[str, Any]) -> set[str]:
    """The names of the request body's top-level fields."""
    content = (operation.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if isinstance(schema, Schema):
        return {f.data_key or name for name, f in schema.fields.items() if not f.dump_only}
    if isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec.components.schemas.get(name, {})
    return set((schema or {}).get("properties", {})) if isinstance(schema, dict) else set()


def _requires_body(operation: dict[str, Any]) -> bool:
    content = (operation.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if isinstance(schema, Schema):
        return any(f.required for f in schema.fields.values())
    return True


def _refers_to_records(names: set[str]) -> bool:
    return any(n.endswith(("_id", "_reference", "_ids")) or n == "reference" for n in names)


def error_statuses(spec: APISpec, path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses `method path` can answer."""
    # Every operation needs the database (503 unavailable while it cannot be reached) and may
    # meet a record that does not decrypt (500 record_unreadable): the two server-side faults.
    statuses = {401, 403, 500, 503}
    has_body = "requestBody" in operation
    if has_body:
        statuses |= {400, 413, 415, 422}
    if any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict)):
        statuses.add(422)
    if "{" in path or (has_body and _refers_to_records(_body_fields(spec, operation))):
        statuses.add(404)
    if method in ("put", "patch", "delete") or (method == "post" and not path.endswith("/search")):
        statuses.add(409)
    return statuses


def takes_version(spec: APISpec, operation: dict[str, Any]) -> bool:
    """A write of a versioned record: its body has `version`, and If-Match may carry it instead
    (casework.api.expected_version reads both)."""
    return "version" in _body_fields(spec, operation)


#: Read-only fields every record has a value for (documented as never null).
ALWAYS_SET = frozenset({"id", "reference", "version"})


def nullable_when_read_only(self: Any, field: fields.Field, ret: dict[str, Any]) -> dict:
    """An apispec attribute function: a field the API only answers with (dump_only) is null
    when the record holds no value for it (an optional date, a name not given, a relative's
    erased contacts), unless it is one of ALWAYS_SET. Fields that declare allow_none already
    say so."""
    if not field.dump_only or field.allow_none or field.name in ALWAYS_SET:
        return {}
    if "$ref" in ret:
        return {"anyOf": [{"type": "object", "nullable": True}, {"$ref": ret.pop("$ref")}]}
    return {"nullable": True}


class CaseworkDocPlugin(BasePlugin):
    """An apispec plugin run on every path flask-smorest documents (after its own helpers)."""

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec
        for plugin in spec.plugins:
            if isinstance(plugin, MarshmallowPlugin):
                plugin.converter.add_attribute_function(nullable_when_read_only)

    def operation_helper(
        self, path: str | None = None, operations: dict | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if method not in METHODS or path is None:
                continue
            responses = operation.setdefault("responses", {})
            documented = {str(code) for code in responses}
            for status in sorted(error_statuses(self.spec, path, method, operation)):
                if str(status) not in documented:
                    # flask-smorest registered a response per status, in ERROR_SCHEMA's shape.
                    responses[status] = HTTPStatus(status).name
            if "requestBody" in operation and not _requires_body(operation):
                # Every field is optional: an absent body is read as an empty one.
                operation["requestBody"]["required"] = False
            if takes_version(self.spec, operation):
                parameters = operation.setdefault("parameters", [])
                if not any(isinstance(p, dict) and p.get("name") == "If-Match" for p in parameters):
                    parameters.append(dict(IF_MATCH))
            links = CREATE_LINKS.get((path, method))
            if links:
                created = responses.get(201, responses.get("201"))
                if isinstance(created, dict):
                    created["links"] = links
