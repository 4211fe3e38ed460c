"""Input hygiene (issue 12, defects 2, 3, 4 and 10): text that cannot be stored or misleads a
reader is refused naming the field, JSON is bounded before it is parsed, and a body that is not
JSON, or not valid JSON, is told so. The write operations are read from the OpenAPI document, so
an endpoint added later is covered without editing this file."""

from __future__ import annotations

import json

import pytest

from tests.cases.pages import form_values
from tests.platform.test_no_500 import _fill, world  # noqa: F401 - the fixture is used below

SURROGATE = "Ana\ud800"
#: API fuzzing of the body parser, not of the database: one database is enough (SQLite in CI).
ONCE = pytest.mark.once
WRITE_METHODS = ("post", "put", "patch")


@pytest.fixture
def callers(world, api):  # noqa: F811 - the imported fixture
    return [world["focal"], world["liaison"], world["forensic"], api("admin")]


def _resolve(schema, doc):
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema:
        merged: dict = {"properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(_resolve(part, doc).get("properties", {}))
        return merged
    return schema


def _is_free_text(schema) -> bool:
    """A string property whose value is text (not an enumeration, a date, an id or a code)."""
    return schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema)


def _string_slots(schema, doc):
    """(top-level name, builder of a body with `value` in that slot, free text?) for every
    string slot of a request schema: a property, a list's items, an object's properties in a
    list or nested (one level is enough to reach every slot casework has)."""
    for name, prop in _resolve(schema, doc).get("properties", {}).items():
        prop = _resolve(prop, doc)
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "string":
            yield name, (lambda v, n=name: {n: v}), _is_free_text(prop)
        elif prop.get("type") == "array":
            items = _resolve(prop.get("items", {}), doc)
            if items.get("type") == "string":
                yield name, (lambda v, n=name: {n: [v]}), _is_free_text(items)
            for sub, sub_prop in items.get("properties", {}).items():
                sub_prop = _resolve(sub_prop, doc)
                if sub_prop.get("type") == "string":
                    yield (
                        name,
                        (lambda v, n=name, s=sub: {n: [{s: v}]}),
                        _is_free_text(sub_prop),
                    )
        elif prop.get("type") == "object":
            for sub, sub_prop in prop.get("properties", {}).items():
                sub_prop = _resolve(sub_prop, doc)
                if sub_prop.get("type") == "string":
                    yield name, (lambda v, n=name, s=sub: {n: {s: v}}), _is_free_text(sub_prop)
            if prop.get("additionalProperties") is not None or not prop.get("properties"):
                # A map (e.g. an agreement's purposes): the text goes into a key.
                yield name, (lambda v, n=name: {n: {v: []}}), False


def _write_operations(client):
    doc = client.get("/api/v1/openapi.json").json
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in WRITE_METHODS:
                continue
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                yield path, method, content["application/json"]["schema"], doc


def _send(client, caller, method, url, body: bytes, content_type: str | None):
    headers = caller._headers()
    if content_type is not None:
        headers["Content-Type"] = content_type
    return getattr(client, method)("/api/v1" + url, data=body, headers=headers)


def _raw(body) -> bytes:
    # ensure_ascii writes a lone surrogate as the JSON escape \ud800, as a client would send it.
    return json.dumps(body, ensure_ascii=True).encode()


def _parsing_caller(client, callers, method, url):
    """The first caller whose request body this endpoint reads (not refused by its role first):
    a body that is not an object is a 422 once read."""
    for caller in callers:
        if _send(client, caller, method, url, b"[]", "application/json").status_code not in (
            401,
            403,
            404,
        ):
            return caller
    return None


def _check_every_text_slot(client, world, callers, values):  # noqa: F811
    """Send each of `values` in every string slot of every write operation: never a 5xx, never
    accepted; a free-text slot is a 422 naming its field."""
    failures, checked = [], 0
    for path, method, schema, doc in _write_operations(client):
        url = _fill(path, world)
        caller = _parsing_caller(client, callers, method, url)
        if caller is None:
            failures.append((method, path, "no caller got past the role check"))
            continue
        for name, build, free_text in _string_slots(schema, doc):
            for value in values:
                resp = _send(client, caller, method, url, _raw(build(value)), "application/json")
                checked += 1
                if not 400 <= resp.status_code < 500:
                    failures.append((method, path, name, repr(value), resp.status_code))
                elif free_text and (
                    resp.status_code != 422 or name not in resp.json["error"]["fields"]
                ):
                    failures.append((method, path, name, repr(value), resp.json["error"]))
    assert checked > 100
    assert not failures, failures[:15]


# --- defect 2: a lone surrogate anywhere is a 422 naming the field --------------------------


def test_a_lone_surrogate_in_any_text_field_is_422_naming_it(client, world, callers):  # noqa: F811
    _check_every_text_slot(client, world, callers, [SURROGATE])


def test_a_lone_surrogate_in_a_field_name_or_map_key_is_refused(client, world):  # noqa: F811
    focal = world["focal"]
    resp = _send(client, focal, "post", "/cases", _raw({SURROGATE: "x"}), "application/json")
    assert resp.status_code == 422
    assert resp.json["error"]["fields"]
    assert "\ud800" not in resp.get_data(as_text=True).encode().decode("unicode_escape", "ignore")


def test_an_encrypted_field_refuses_unencodable_text_clearly(app, database, org):
    """Defence in depth: a value that reached the model without the schemas (a script, a
    service) is refused with a clear error naming the field, not a UnicodeEncodeError."""
    from casework.cases.models import Case
    from casework.errors import InvalidInput
    from casework.keys import create_data_key

    with database.session() as s:
        case = Case(organisation_id=org.id, data_key=create_data_key(s, "case", org.id))
        for field, value in (("given_names", SURROGATE), ("aliases", ["Ana", SURROGATE])):
            with pytest.raises(InvalidInput) as raised:
                setattr(case, field, value)
            assert field in raised.value.fields
            assert "Ana" not in str(raised.value.fields) + raised.value.message
        s.rollback()


# --- control and bidirectional characters -------------------------------------------------


@ONCE
def test_control_and_bidi_override_characters_are_refused_in_every_text_field(
    client,
    world,  # noqa: F811
    callers,
):
    # BEL, ESC, DEL, NEL and CSI (C1), a right-to-left override, a left-to-right isolate.
    values = [
        "Ana\x07",
        "\x1b[31mAna",
        "Ana\x7f",
        "Ana\x85",
        "Ana\x9b",
        "\u202eanA",
        "A\u2066x\u2069",
    ]
    _check_every_text_slot(client, world, callers, values)


def test_multi_line_text_keeps_its_line_breaks_and_single_line_text_refuses_them(api):
    focal = api("focal_point")
    resp = focal.post(
        "/cases",
        json={"given_names": "Ana", "circumstances": "Left on foot.\r\n\tSeen at the river."},
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["circumstances"] == "Left on foot.\r\n\tSeen at the river."
    for field in ("given_names", "family_names", "last_seen_place"):
        resp = focal.post("/cases", json={"given_names": "Ana", field: "Ana\nRuiz"})
        assert resp.status_code == 422, (field, resp.json)
        assert field in resp.json["error"]["fields"]


def test_arabic_names_keep_their_direction_marks(api):
    """LRM/RLM/ALM (U+200E, U+200F, U+061C) are ordinary in Arabic and Hebrew text (a Latin
    or numeric run inside it): accepted, as long as the name has a letter."""
    focal = api("focal_point")
    name = "\u0645\u062d\u0645\u062f\u200f \u0639\u0644\u064a\u061c"
    resp = focal.post("/cases", json={"given_names": name, "family_names": "\u200eAli"})
    assert resp.status_code == 201, resp.json
    assert resp.json["given_names"] == name


# --- defect 4: a name has a letter; the override name is not found as "Ana" ----------------

NOT_NAMES = [
    "\u200b\u200d\u200f",
    "\x07\x1b",
    "\u202eanA",
    "123",
    "---",
    "\u200e\u200f",
]


@pytest.mark.parametrize("name", NOT_NAMES)
def test_a_name_without_a_letter_or_with_hidden_characters_is_refused(api, name):
    focal = api("focal_point")
    liaison = api("family_liaison")
    resp = focal.post("/cases", json={"given_names": name})
    assert resp.status_code == 422, resp.json
    assert "given_names" in resp.json["error"]["fields"]
    resp = focal.post("/cases", json={"given_names": "Ana", "family_names": name})
    assert resp.status_code == 422
    assert "family_names" in resp.json["error"]["fields"]
    resp = focal.post("/cases", json={"given_names": "Ana", "aliases": ["Anita", name]})
    assert resp.status_code == 422
    assert "aliases" in resp.json["error"]["fields"]
    case = focal.post("/cases", json={"given_names": "Ana"}).json
    resp = focal.patch(f"/cases/{case['reference']}", json={"version": 1, "given_names": name})
    assert resp.status_code == 422
    assert "given_names" in resp.json["error"]["fields"]
    resp = liaison.post(
        f"/cases/{case['reference']}/relatives", json={"full_name": name, "relationship": "mother"}
    )
    assert resp.status_code == 422, resp.json
    assert "full_name" in resp.json["error"]["fields"]


def test_the_override_name_is_never_found_by_searching_ana(api):
    focal = api("focal_point")
    assert focal.post("/cases", json={"given_names": "\u202eanA"}).status_code == 422
    assert focal.post("/cases", json={"given_names": "Ana", "family_names": "Ruiz"}).status_code
    found = focal.post("/cases/search", json={"q": "Ana"}).json
    assert found["total"] == 1
    assert found["items"][0]["given_names"] == "Ana"


def test_the_case_page_refuses_hidden_characters_next_to_the_field(client, login, make_user):
    assert login(make_user("focal_point")).status_code == 302
    page = client.get("/cases/new").get_data(as_text=True)
    for given, other in (("\u202eanA", {}), ("Ana", {"last_seen_place": "Road\x1b[2J"})):
        data = form_values(page, "/cases/new") | {"given_names": given} | other
        resp = client.post("/cases/new", data=data)
        assert resp.status_code == 422, given
        assert 'class="error"' in resp.get_data(as_text=True)


def test_every_page_form_applies_the_text_rule_to_its_text_fields(app):
    """The base of page forms: a text field refuses what the API refuses (a text area keeps its
    line breaks), a password field is left alone, and a row form (FormField) does the same."""
    from werkzeug.datastructures import MultiDict
    from wtforms import FormField, PasswordField, StringField, TextAreaField

    from casework.forms import CaseworkForm, RowForm

    class Row(RowForm):
        number = StringField()

    class Page(CaseworkForm):
        name = StringField()
        note = TextAreaField()
        password = PasswordField()
        row = FormField(Row)

    def errors(**data):
        with app.test_request_context(method="POST"):
            form = Page(formdata=MultiDict(data), meta={"csrf": False})
            form.validate()
            return form.errors

    assert errors(name="Ana", note="one\r\ntwo\tthree", password="\x07\n") == {}
    assert set(errors(name="Ana\x07")) == {"name"}
    assert set(errors(name="\u202eanA")) == {"name"}
    assert set(errors(name="Ana\nRuiz")) == {"name"}
    assert set(errors(note="x\x1b[2J")) == {"note"}
    assert set(errors(note="x\u2066y")) == {"note"}
    assert set(errors(**{"row-number": "A\x9b1"})["row"]) == {"number"}


# --- defect 3: depth and size bounded before parsing ---------------------------------------


def _nested(depth: int) -> bytes:
    return b'{"given_names": "Ana", "aliases": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [100, 1000, 100_000])
@pytest.mark.parametrize("target", ["/cases", "/cases/{reference}/relatives"])
def test_deeply_nested_json_is_a_clear_400(client, world, depth, target):  # noqa: F811
    url = target.format(reference=world["case"]["reference"])
    for body in (_nested(depth), b'{"a": ' * depth + b"1" + b"}" * depth):
        resp = _send(client, world["focal"], "post", url, body, "application/json")
        assert resp.status_code == 400, resp.json
        error = resp.json["error"]
        assert error["code"] == "too_deep"
        assert "nested too deeply" in error["message"]


def test_the_depth_bound_counts_brackets_outside_strings_only(client, world):  # noqa: F811
    focal = world["focal"]
    # Brackets inside a string are text, not nesting (escaped quotes do not end the string).
    body = json.dumps({"given_names": "Ana", "circumstances": '[\\"{' * 500}).encode()
    assert _send(client, focal, "post", "/cases", body, "application/json").status_code == 201
    # 64 levels parse (then the schema says what is wrong with the field); 65 do not.
    resp = _send(client, focal, "post", "/cases", _nested(63), "application/json")
    assert resp.status_code == 422
    assert "aliases" in resp.json["error"]["fields"]
    resp = _send(client, focal, "post", "/cases", _nested(64), "application/json")
    assert resp.status_code == 400
    assert resp.json["error"]["code"] == "too_deep"


def test_a_body_over_the_size_limit_is_413_in_caseworks_shape(client, app, world):  # noqa: F811
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 16 * 1024 * 1024
    body = b'{"given_names": "' + b"[" * limit + b'"}'
    resp = _send(client, world["focal"], "post", "/cases", body, "application/json")
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "too_large"
    # Streamed without a length (chunked), the limit holds as well.
    resp = client.post(
        "/api/v1/cases",
        input_stream=__import__("io").BytesIO(body),
        headers={**world["focal"]._headers(), "Content-Type": "application/json"},
    )
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "too_large"


# --- defect 10: a body that is not JSON, or not valid JSON, is told so -----------------------


@ONCE
def test_every_json_endpoint_says_when_the_body_is_not_json(client, world, callers):  # noqa: F811
    failures, checked = [], 0
    for path, method, _schema, _doc in _write_operations(client):
        url = _fill(path, world)
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            for caller in callers:
                resp = _send(client, caller, method, url, b'{"given_names": "Ana"}', content_type)
                if resp.status_code in (401, 403, 404):
                    continue
                checked += 1
                error = resp.json["error"]
                if resp.status_code != 415 or not error["message"].startswith(
                    "The request body must be JSON"
                ):
                    failures.append((method, path, content_type, resp.status_code, error))
    assert checked > 50
    assert not failures, failures[:10]


@ONCE
@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b'{"given_names": "Ana", ', "line 1"),
        (b'{"given_names": "Ana",\n "family_names": Ruiz}', "line 2"),
        (b"{'given_names': 'Ana'}", "line 1"),
        (b"\xff\xfe{}", "UTF-8"),
    ],
)
def test_every_json_endpoint_says_when_the_body_is_not_valid_json(
    client,
    world,  # noqa: F811
    callers,
    raw,
    where,
):
    failures, checked = [], 0
    for path, method, _schema, _doc in _write_operations(client):
        url = _fill(path, world)
        for caller in callers:
            resp = _send(client, caller, method, url, raw, "application/json")
            if resp.status_code in (401, 403, 404):
                continue
            checked += 1
            error = resp.json["error"]
            if (
                resp.status_code != 400
                or not error["message"].startswith("The request body is not valid JSON")
                or where not in error["message"]
                or "browser" in json.dumps(error)
            ):
                failures.append((method, path, resp.status_code, error))
    assert checked > 30
    assert not failures, failures[:10]


# --- review: characters that show as nothing --------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["Ana\U000e0041\U000e0042", "Ana\ufffe", "Ana\ufdd0", "Ana\U0001ffff"],
)
def test_tag_characters_and_noncharacters_are_refused_in_text(api, value):
    """Tag characters hide text that shows as nothing ("Ana" + tags shows as "Ana");
    noncharacters are reserved for a program's own use: neither is stored."""
    focal = api("focal_point")
    resp = focal.post("/cases", json={"given_names": "Ana", "last_seen_place": value})
    assert resp.status_code == 422, resp.json
    assert "last_seen_place" in resp.json["error"]["fields"]


def test_text_of_which_nothing_shows_is_blank(api):
    """A place made of zero-width spaces and a Hangul filler is stored as nothing, not as an
    invisible value a reader cannot see or search for."""
    focal = api("focal_point")
    resp = focal.post(
        "/cases", json={"given_names": "Ana", "last_seen_place": "\u200b\u3164\u2060"}
    )
    assert resp.status_code == 201, resp.json
    assert not resp.json["last_seen_place"]


@pytest.mark.parametrize("header", ['"2', '2"', 'W/"2', '""2""'])
def test_an_unbalanced_if_match_is_not_a_version(api, header):
    focal = api("focal_point")
    ref = focal.post("/cases", json={"given_names": "Ana"}).json["reference"]
    resp = focal.patch(
        f"/cases/{ref}", json={"last_seen_place": "Tapachula"}, headers={"If-Match": header}
    )
    assert resp.status_code == 422, resp.json
    assert "If-Match" in resp.json["error"]["fields"]
    resp = focal.patch(
        f"/cases/{ref}", json={"last_seen_place": "Arriaga"}, headers={"If-Match": 'W/"1"'}
    )
    assert resp.status_code == 200, resp.json
    resp = focal.patch(
        f"/cases/{ref}", json={"last_seen_place": "Tonalá"}, headers={"If-Match": "2"}
    )
    assert resp.status_code == 200, resp.json


@pytest.mark.parametrize("given_names", ["1234", "x" * 100_000, 42, ["Ana"]])
def test_a_refused_name_gets_its_own_message_only(api, given_names):
    """A name that was sent but refused is not also told it is missing."""
    resp = api("focal_point").post("/cases", json={"given_names": given_names})
    assert resp.status_code == 422, resp.json
    messages = resp.json["error"]["fields"]["given_names"]
    assert not any("needs the given names" in m for m in messages), messages


def test_a_nul_in_a_query_parameter_is_named_with_a_sentence(api):
    resp = api("family_liaison").get("/relatives?phone=%00")
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["fields"]["phone"] == ["Text may not contain NUL characters."]
