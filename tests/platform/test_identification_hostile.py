"""The identification endpoints (DNA databases and references, remains, candidates, match reports,
identifications) called as a hostile or careless partner system would: malformed bodies, wrong
types, impossible dates, hostile strings, ids that are not ids or belong to another organisation,
odd paging, If-Match garbage, other content types, every role, and two people at once.

Every answer is a 4xx in the contract's error shape (`{"error": {"code", "message", "fields"}}`),
naming the field for a 422; a refused write leaves no row and changes no record; another
organisation's record is a 404; a role without the action gets a 403."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from casework.cases.models import CaseEvent
from casework.dna.models import CustodyStep, DnaDatabase, DnaMatchReport, DnaReference
from casework.identification.models import Identification
from casework.keys import BlindIndexEntry, DataKey
from casework.remains.models import Remains

ZERO = "00000000-0000-0000-0000-000000000000"
MB = "x" * 1_000_000
ROLES = ("admin", "auditor", "partner", "family_liaison", "focal_point", "forensic")


class Raw:
    """A JSON value written as is (NaN, Infinity, 1e400: what json.dumps will not write)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:20]})"


def encode(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + encode(v) for k, v in value.items()) + "}"
    return json.dumps(value)


# --- the world: every kind of record, in two organisations -----------------------------------


@dataclass
class World:
    client: Any
    callers: dict[str, Any]
    ids: dict[str, str]

    def send(
        self,
        who: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: str | bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        query: Any = None,
    ):
        kw: dict[str, Any] = {
            "headers": {"Authorization": f"Bearer {self.callers[who].token}", **(headers or {})}
        }
        if raw is not None:
            kw["data"], kw["content_type"] = raw, content_type
        elif body is not None:
            kw["data"], kw["content_type"] = encode(body), content_type
        if query is not None:
            kw["query_string"] = query
        return getattr(self.client, method)("/api/v1" + path.format(**self.ids), **kw)


def _created(resp) -> dict[str, Any]:
    assert resp.status_code == 201, resp.get_data(as_text=True)[:300]
    return resp.json


def _records(caller_of, ids: dict[str, str], suffix: str = "") -> None:
    """A case with a relative who gave consent for DNA, a family reference, remains with a
    post-mortem sample, a match report between them and a recorded DNA identification."""
    focal, liaison, forensic = (
        caller_of("focal_point"),
        caller_of("family_liaison"),
        caller_of("forensic"),
    )
    case = _created(focal.post("/cases", json={"given_names": "Ana", "sex": "female"}))
    rel = _created(
        liaison.post(
            f"/cases/{case['reference']}/relatives",
            json={"full_name": "Rosa Ruiz", "relationship": "mother"},
        )
    )
    consent = _created(
        liaison.post(
            f"/relatives/{rel['id']}/consents",
            json={"purpose": "dna", "scope": [{"kind": "any", "value": None}]},
        )
    )
    family = _created(
        focal.post(
            f"/cases/{case['reference']}/dna-references",
            json={
                "database_id": ids["database"],
                "sample_id": f"FR-{uuid.uuid4().hex[:8]}",
                "sample_kind": "family_reference",
                "relative_id": rel["id"],
                "donor_relationship": "mother",
                "consent_id": consent["id"],
            },
        )
    )
    remains = _created(forensic.post("/remains", json={"found_date": "2025-11", "sex": "female"}))
    post_mortem = _created(
        forensic.post(
            f"/remains/{remains['id']}/dna-references",
            json={"database_id": ids["database"], "sample_id": f"PM-{uuid.uuid4().hex[:8]}"},
        )
    )
    report = _created(
        forensic.post(
            "/match-reports",
            json={
                "family_reference_id": family["id"],
                "post_mortem_reference_id": post_mortem["id"],
                "lab_report_reference": "LAB-2026-1",
                "likelihood_ratio": 1.2e9,
                "reported_date": "2026-01-10",
            },
        )
    )
    ident = _created(
        forensic.post(
            "/identifications",
            json={
                "case_reference": case["reference"],
                "remains_id": remains["id"],
                "method": "dna",
                "match_report_id": report["id"],
            },
        )
    )
    ids.update(
        {
            "case" + suffix: case["reference"],
            "relative" + suffix: rel["id"],
            "consent" + suffix: consent["id"],
            "family" + suffix: family["id"],
            "remains" + suffix: remains["id"],
            "post_mortem" + suffix: post_mortem["id"],
            "report" + suffix: report["id"],
            "ident" + suffix: ident["id"],
        }
    )


@pytest.fixture
def world(api, client, make_org, org) -> World:
    callers = {role: api(role) for role in ROLES}
    # A second person of each role that decides (four eyes), and another organisation.
    callers["forensic2"] = api("forensic")
    callers["focal2"] = api("focal_point")
    other = make_org("MX")
    for role in ROLES:
        callers["other_" + role] = api(role, organisation=other)
    database = _created(
        callers["admin"].post(
            "/dna-databases",
            json={"name": "Banco genético", "institution": "IML", "country": "SV", "kind": "icmp"},
        )
    )
    ids = {"database": database["id"], "zero": ZERO}
    _records(callers.__getitem__, ids)
    _records(lambda role: callers["other_" + role], ids, suffix="_other")
    return World(client, callers, ids)


def snapshot(database) -> tuple:
    """What a refused write must leave as it was: row counts of every table the identification
    endpoints write (audit events aside: refusals are audited), and each record's version and
    status."""
    with database.session() as s:
        counts = tuple(
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (
                DnaDatabase,
                DnaReference,
                CustodyStep,
                DnaMatchReport,
                Remains,
                Identification,
                BlindIndexEntry,
                DataKey,
                CaseEvent,
            )
        )
        states = tuple(
            tuple(s.execute(select(m.id, m.version, getattr(m, attr)).order_by(m.id)).all())
            for m, attr in (
                (DnaReference, "custody_status"),
                (DnaMatchReport, "status"),
                (Remains, "status"),
                (Identification, "status"),
            )
        )
    return counts, states


def assert_error(resp, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:400])
    error = resp.json["error"]
    assert set(error) >= {"code", "message", "fields"}, error
    assert isinstance(error["fields"], dict)
    if field is not None:
        assert field in error["fields"], error
    return error


# --- every write endpoint, with a body that would be accepted --------------------------------

WRITES: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    # name: (caller, method, path, valid body)
    "database": (
        "admin",
        "post",
        "/dna-databases",
        {"name": "ICMP", "institution": "ICMP", "country": "NL", "kind": "icmp"},
    ),
    "family_reference": (
        "focal_point",
        "post",
        "/cases/{case}/dna-references",
        {
            "database_id": "{database}",
            "sample_id": "FR-NEW-1",
            "sample_kind": "family_reference",
            "relative_id": "{relative}",
            "donor_relationship": "mother",
            "consent_id": "{consent}",
            "collected_date": "2026-01-05",
            "note": "handed over",
        },
    ),
    "reference_update": (
        "focal_point",
        "patch",
        "/dna-references/{family}",
        {"sample_id": "FR-NEW-2", "donor_relationship": "aunt", "version": 1},
    ),
    "custody": (
        "forensic",
        "post",
        "/dna-references/{post_mortem}/custody",
        {"status": "shipped", "note": "courier", "version": 1},
    ),
    "sample_search": ("focal_point", "post", "/dna-references/search", {"sample_id": "FR-1"}),
    "remains": (
        "forensic",
        "post",
        "/remains",
        {
            "found_date": "2025-10",
            "found_country": "US",
            "found_place": "Sasabe",
            "sex": "male",
            "age_min": 20,
            "age_max": 30,
            "stature_min_cm": 160,
            "stature_max_cm": 170,
            "distinguishing_marks": "scar",
            "effects": "rosary",
        },
    ),
    "remains_update": (
        "forensic",
        "patch",
        "/remains/{remains}",
        {"found_place": "Arivaca", "age_min": 18, "version": 1},
    ),
    "post_mortem": (
        "forensic",
        "post",
        "/remains/{remains}/dna-references",
        {"database_id": "{database}", "sample_id": "PM-NEW-1", "collected_date": "2026-01-05"},
    ),
    "match_report": (
        "forensic",
        "post",
        "/match-reports",
        {
            "family_reference_id": "{family}",
            "post_mortem_reference_id": "{post_mortem}",
            "lab_report_reference": "LAB-2026-2",
            "likelihood_ratio": 5.5e6,
            "reported_date": "2026-01-12",
        },
    ),
    "exclude": ("forensic", "post", "/match-reports/{report}/exclude", {"reason": "swapped"}),
    "identification": (
        "forensic",
        "post",
        "/identifications",
        {
            "case_reference": "{case}",
            "remains_id": "{remains}",
            "method": "dental",
            "identified_date": "2026-01-15",
            "notes": "gold tooth",
        },
    ),
    "confirm": ("focal_point", "post", "/identifications/{ident}/confirm", {"version": 1}),
    "reject": ("focal_point", "post", "/identifications/{ident}/reject", {"reason": "doubt"}),
}


def _body(world: World, name: str, overrides: dict[str, Any] | None = None, drop: str = ""):
    _, _, _, body = WRITES[name]
    filled = {
        k: v.format(**world.ids) if isinstance(v, str) and v.startswith("{") else v
        for k, v in body.items()
        if k != drop
    }
    filled.update(overrides or {})
    return filled


def _write(world: World, name: str, body: Any = None, **kw: Any):
    who, method, path, _ = WRITES[name]
    return world.send(who, method, path, body, **kw)


@pytest.mark.once
@pytest.mark.parametrize("name", list(WRITES))
def test_the_valid_body_of_each_write_is_accepted(world, name):
    """The table's bodies are right: what the other tests break is one thing at a time."""
    resp = _write(world, name, _body(world, name))
    assert resp.status_code in (200, 201), resp.get_data(as_text=True)[:300]


# --- bodies that are not an object of JSON: 400/415/422, nothing written ------------------------

BAD_BODIES = [
    # (raw body, content type, expected status)
    ("{not json", "application/json", 400),
    ('{"sample_id": "A",}', "application/json", 400),
    ("\ufeff{}", "application/json", 400),
    ('{"a": 1} trailing', "application/json", 400),
    ("[" * 100_000 + "]" * 100_000, "application/json", 400),
    ('{"a":' * 5_000 + "1" + "}" * 5_000, "application/json", 400),
    (b"\xff\xfe\x00", "application/json", 400),
    ("[]", "application/json", 422),
    ('[{"reason": "x"}]', "application/json", 422),
    ('"text"', "application/json", 422),
    ("42", "application/json", 422),
    ("null", "application/json", 422),
    ("true", "application/json", 422),
    # A body the server cannot read as JSON is refused, never silently dropped.
    ('{"sex": "male", "version": 1, "reason": "x"}', "text/plain", 415),
    ("sex=male&version=1&reason=x", "application/x-www-form-urlencoded", 415),
    ("<remains><sex>male</sex></remains>", "application/xml", 415),
]


@pytest.mark.once
@pytest.mark.parametrize("name", list(WRITES))
def test_a_body_that_is_not_a_json_object_is_refused_and_writes_nothing(world, database, name):
    for raw, content_type, status in BAD_BODIES:
        before = snapshot(database)
        resp = _write(world, name, raw=raw, content_type=content_type)
        assert_error(resp, status)
        assert snapshot(database) == before, (name, raw[:30], content_type)


@pytest.mark.once
def test_a_json_body_without_a_content_type_is_refused(world, database, client):
    """`requests.post(data=json.dumps(...))` sends no Content-Type: the body is not ignored."""
    before = snapshot(database)
    for name in ("remains", "confirm", "remains_update"):
        who, method, path, _ = WRITES[name]
        resp = getattr(client, method)(
            "/api/v1" + path.format(**world.ids),
            data=json.dumps(_body(world, name)),
            headers={"Authorization": f"Bearer {world.callers[who].token}", "If-Match": '"1"'},
        )
        error = assert_error(resp, 415, "Content-Type")
        assert error["code"] == "unsupported_media_type"
    assert snapshot(database) == before


@pytest.mark.once
def test_json_with_a_charset_or_a_json_suffix_is_json(world):
    resp = _write(
        world, "remains", _body(world, "remains"), content_type="application/json; charset=utf-8"
    )
    assert resp.status_code == 201
    resp = _write(world, "remains", _body(world, "remains"), content_type="application/vnd+json")
    assert resp.status_code == 201


# --- one field wrong at a time: 422 naming the field, nothing written ---------------------------

DATES = ["2026-02-30", "0000-01-01", "0001-01-01", "1899-12-31", "99999-01-01", "2099-01-01"]
DATES += ["", "yesterday", 20260101, ["2026-01-01"], "2026-01-01T00:00:00"]
WRONG_TEXT = [12, 1.5, True, [], ["a"], {}, {"a": 1}, "a\x00b", "lone \ud800", MB]
WRONG_ID = ["not-a-uuid", 12, True, [], {}, "", "a\x00b", ZERO, "{relative_other}"]
WRONG_INT = ["1", 1.5, True, [], {}, -1, 10**30, -(10**30), Raw("1e400"), Raw("NaN")]
WRONG_VERSION = ["1", 1.5, True, 0, -1, -(10**30), [], {}, Raw("NaN"), Raw("Infinity")]

FIELD_CASES: list[tuple[str, dict[str, Any], str]] = []


def _cases(name: str, field: str, values: list[Any]) -> None:
    FIELD_CASES.extend((name, {field: v}, field) for v in values)


_cases("database", "name", [None, "", "   ", *WRONG_TEXT, "n" * 201])
_cases("database", "institution", [None, "", *WRONG_TEXT])
_cases("database", "country", [None, "", "XX", "SLV", "Narnia", 12, "s\x00"])
_cases("database", "kind", [None, "", "bank", "ICMP", 3, ["icmp"]])
_cases("family_reference", "database_id", [None, *WRONG_ID])
_cases("family_reference", "sample_id", [None, "", " -/. ", "x" * 101, *WRONG_TEXT])
_cases("family_reference", "sample_kind", [None, "", "post_mortem", "profile", 1])
_cases("family_reference", "relative_id", [None, *WRONG_ID])
_cases("family_reference", "donor_relationship", [None, "", *WRONG_TEXT])
_cases("family_reference", "consent_id", [*WRONG_ID, "{consent_other}"])
_cases("family_reference", "collected_date", DATES)
_cases("family_reference", "note", [*WRONG_TEXT, "n" * 2001])
_cases("reference_update", "database_id", [None, *WRONG_ID])
_cases("reference_update", "sample_id", [None, "", "--", *WRONG_TEXT])
_cases("reference_update", "consent_id", [*WRONG_ID, "{consent_other}"])
_cases("reference_update", "version", WRONG_VERSION)
_cases("custody", "status", [None, "", "lost", "SHIPPED", 2, ["shipped"]])
_cases("custody", "date", DATES)
_cases("custody", "note", WRONG_TEXT)
_cases("custody", "version", WRONG_VERSION)
_cases("sample_search", "sample_id", [None, "", "-/-", "x" * 101, *WRONG_TEXT])
_cases("sample_search", "page", [0, -1, "abc", 10**30, True, None])
_cases("sample_search", "per_page", [0, -1, 101, 10**9, "x", None])
_cases("remains", "found_date", [d for d in DATES if d != ""] + ["2026-13", "1850", "10/02/2025"])
_cases("remains", "found_country", ["ZZ", "Narnia", 1, ["US"], "U\x00"])
_cases("remains", "sex", [None, "", "alien", "FEMALE", 1, True])
_cases("remains", "age_min", WRONG_INT + [121])
_cases("remains", "age_max", WRONG_INT + [121])
_cases("remains", "stature_min_cm", WRONG_INT + [39, 251])
_cases("remains", "stature_max_cm", WRONG_INT + [39, 251])
_cases("remains", "found_place", WRONG_TEXT)
_cases("remains", "recovery_context", WRONG_TEXT)
_cases("remains", "distinguishing_marks", WRONG_TEXT)
_cases("remains", "effects", WRONG_TEXT)
_cases("remains", "status", ["identified", "unidentified"])
_cases("remains", "reference", ["SLV-UR-2026-000001"])
_cases("remains_update", "status", [None, "lost", 3])
_cases("remains_update", "age_max", [10])  # below the age_min the same request sets
_cases("remains_update", "version", WRONG_VERSION)
_cases("post_mortem", "database_id", [None, *WRONG_ID])
_cases("post_mortem", "sample_id", [None, "", *WRONG_TEXT])
_cases("post_mortem", "sample_kind", ["family_reference", "personal_effect", 1])
_cases("post_mortem", "collected_date", DATES)
_cases("match_report", "family_reference_id", [None, *WRONG_ID, "{post_mortem}", "{family_other}"])
_cases("match_report", "post_mortem_reference_id", [None, *WRONG_ID, "{family}"])
_cases("match_report", "lab_report_reference", [None, "", *WRONG_TEXT])
_cases("match_report", "likelihood_ratio", [None, 0, -1, "lots", "NaN", True, [], 1e301])
_cases("match_report", "likelihood_ratio", [Raw(v) for v in ("NaN", "Infinity", "-Infinity")])
_cases("match_report", "likelihood_ratio", [Raw("1e400"), Raw("1" + "0" * 400), Raw("1e-400")])
_cases("match_report", "reported_date", [None, *DATES])
_cases("exclude", "reason", [None, "", "   ", *WRONG_TEXT, "r" * 2001])
_cases("exclude", "version", WRONG_VERSION)
_cases("identification", "case_reference", [None, "", "x" * 41, 12, [], {}, "a\x00b", MB])
_cases("identification", "method", [None, "", "dna_profile", "DNA", 1])
_cases("identification", "source", [None, "", "martian", 1])
_cases("identification", "remains_id", ["not-a-uuid", 12, True, [], {}])
_cases("identification", "match_report_id", ["{report}", "not-a-uuid", 12])
_cases("identification", "identified_by", ["someone"])  # only for an external source
_cases("identification", "external_reference", ["REF-1"])
_cases("identification", "identified_date", DATES)
_cases("identification", "document_reference", WRONG_TEXT)
_cases("identification", "notes", WRONG_TEXT)
_cases("confirm", "version", WRONG_VERSION)
_cases("reject", "reason", [None, "", "  ", *WRONG_TEXT])
_cases("reject", "version", WRONG_VERSION)
for _name in WRITES:
    FIELD_CASES.append((_name, {"unknown_field": 1}, "unknown_field"))
    FIELD_CASES.append((_name, {"id": ZERO}, "id"))


def _fill(world: World, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return value.format(**world.ids)
    return value


@pytest.mark.once
@pytest.mark.parametrize("name", list(WRITES))
def test_a_wrong_field_is_422_naming_it_and_writes_nothing(world, database, name):
    """The table, one endpoint at a time (a refused write changes nothing, so one world serves
    all of an endpoint's rows); every row that fails is reported."""
    failures = []
    for _, overrides, field in [c for c in FIELD_CASES if c[0] == name]:
        before = snapshot(database)
        body = _body(world, name, {k: _fill(world, v) for k, v in overrides.items()})
        resp = _write(world, name, body)
        shown = repr(overrides)[:60]
        if resp.status_code != 422:
            failures.append((shown, resp.status_code, resp.get_data(as_text=True)[:160]))
            continue
        error = resp.json["error"]
        if error["code"] != "invalid" or field not in error["fields"] or "message" not in error:
            failures.append((shown, "fields", error))
        if snapshot(database) != before:
            failures.append((shown, "wrote something"))
    assert not failures, "\n".join(map(str, failures))


REQUIRED = [
    ("database", "name"),
    ("database", "institution"),
    ("database", "country"),
    ("database", "kind"),
    ("family_reference", "database_id"),
    ("family_reference", "sample_id"),
    ("family_reference", "sample_kind"),
    ("family_reference", "relative_id"),
    ("family_reference", "donor_relationship"),
    ("reference_update", "version"),
    ("custody", "status"),
    ("custody", "version"),
    ("sample_search", "sample_id"),
    ("remains_update", "version"),
    ("post_mortem", "database_id"),
    ("post_mortem", "sample_id"),
    ("match_report", "family_reference_id"),
    ("match_report", "post_mortem_reference_id"),
    ("match_report", "lab_report_reference"),
    ("match_report", "likelihood_ratio"),
    ("match_report", "reported_date"),
    ("exclude", "reason"),
    ("identification", "case_reference"),
    ("identification", "method"),
    ("reject", "reason"),
]


@pytest.mark.once
def test_a_missing_required_field_is_422_naming_it(world, database):
    before = snapshot(database)
    for name, field in REQUIRED:
        resp = _write(world, name, _body(world, name, drop=field))
        assert_error(resp, 422, field)
    assert snapshot(database) == before


@pytest.mark.once
def test_an_empty_object_names_every_required_field(world, database):
    before = snapshot(database)
    resp = _write(world, "match_report", {})
    error = assert_error(resp, 422)
    assert set(error["fields"]) >= {
        "family_reference_id",
        "post_mortem_reference_id",
        "lab_report_reference",
        "likelihood_ratio",
        "reported_date",
    }
    assert snapshot(database) == before


@pytest.mark.once
def test_errors_never_quote_the_hostile_value(world):
    canary = "Quetzalcanary-\u202e-<script>"
    for name, field in [
        ("remains", "found_country"),
        ("remains", "found_date"),
        ("identification", "method"),
        ("custody", "status"),
        ("database", "kind"),
    ]:
        resp = _write(world, name, _body(world, name, {field: canary}))
        assert resp.status_code == 422
        assert "Quetzalcanary" not in resp.get_data(as_text=True)


# --- ids in the path: not ids, unknown, or another organisation's: 404 -------------------------

RECORD_PATHS = [
    # (method, path, the record named, caller, a body that would be accepted)
    ("get", "/dna-references/{id}", "family", "focal_point", None),
    ("patch", "/dna-references/{id}", "family", "focal_point", "reference_update"),
    ("post", "/dna-references/{id}/custody", "post_mortem", "forensic", "custody"),
    ("get", "/remains/{id}", "remains", "forensic", None),
    ("patch", "/remains/{id}", "remains", "forensic", "remains_update"),
    ("get", "/remains/{id}/dna-references", "remains", "forensic", None),
    ("post", "/remains/{id}/dna-references", "remains", "forensic", "post_mortem"),
    ("get", "/remains/{id}/candidates", "remains", "forensic", None),
    ("get", "/match-reports/{id}", "report", "forensic", None),
    ("post", "/match-reports/{id}/exclude", "report", "forensic", "exclude"),
    ("get", "/identifications/{id}", "ident", "forensic", None),
    ("post", "/identifications/{id}/confirm", "ident", "focal_point", "confirm"),
    ("post", "/identifications/{id}/reject", "ident", "focal_point", "reject"),
    ("get", "/cases/{id}/dna-references", "case", "focal_point", None),
    ("post", "/cases/{id}/dna-references", "case", "focal_point", "family_reference"),
    ("get", "/cases/{id}/candidates", "case", "forensic", None),
]
NOT_IDS = ["not-a-uuid", ZERO, "%00", "%ED%A0%80", "x" * 2000, "1", "SLV-2026-999999"]


# The read-only checks below share one seeded world per test (each path a subtest): they
# write nothing (each checks it), so the world stays as seeded from one path to the next.


@pytest.mark.once
def test_ids_out_of_reach_are_404_and_write_nothing(world, database, subtests):
    for method, path, record, who, body in RECORD_PATHS:
        with subtests.test(method=method, path=path, who=who):
            payload = _body(world, body) if body else None
            before = snapshot(database)
            for wrong in [*NOT_IDS, world.ids[record + "_other"]]:
                resp = world.send(who, method, path.replace("{id}", wrong), payload)
                assert_error(resp, 404)
            assert snapshot(database) == before


@pytest.mark.once
def test_the_other_organisation_sees_none_of_our_records(world, database, subtests):
    for method, path, record, who, body in RECORD_PATHS:
        with subtests.test(method=method, path=path, who=who):
            payload = _body(world, body) if body else None
            before = snapshot(database)
            target = path.replace("{id}", world.ids[record])
            resp = world.send("other_" + who, method, target, payload)
            assert_error(resp, 404)
            assert snapshot(database) == before


@pytest.mark.once
def test_references_to_another_organisations_records_in_a_body(world, database):
    """Ids of another organisation's records inside a body are as unknown as invented ones."""
    before = snapshot(database)
    ident = _body(world, "identification", {"remains_id": world.ids["remains_other"]})
    assert_error(_write(world, "identification", ident), 404)
    other_case = _body(world, "identification", {"case_reference": world.ids["case_other"]})
    assert_error(_write(world, "identification", other_case), 404)
    other_report = _body(
        world,
        "identification",
        {"method": "dna", "match_report_id": world.ids["report_other"], "remains_id": None},
    )
    assert_error(_write(world, "identification", other_report), 422, "match_report_id")
    pm = _body(world, "match_report", {"post_mortem_reference_id": world.ids["post_mortem_other"]})
    assert_error(_write(world, "match_report", pm), 422, "post_mortem_reference_id")
    rel = _body(world, "family_reference", {"relative_id": world.ids["relative_other"]})
    assert_error(_write(world, "family_reference", rel), 422, "relative_id")
    assert snapshot(database) == before
    found = world.send("focal_point", "post", "/dna-references/search", {"sample_id": "FR"})
    assert found.status_code == 200 and found.json["total"] == 0
    listed = world.send(
        "forensic", "get", "/match-reports", query={"case": world.ids["case_other"]}
    )
    assert listed.status_code == 200 and listed.json["items"] == []


# --- query strings: paging and filters ----------------------------------------------------------

LISTS = [
    ("/dna-databases", "admin"),
    ("/cases/{case}/dna-references", "focal_point"),
    ("/remains", "forensic"),
    ("/remains/{remains}/dna-references", "forensic"),
    ("/cases/{case}/candidates", "forensic"),
    ("/remains/{remains}/candidates", "forensic"),
    ("/match-reports", "forensic"),
    ("/identifications", "focal_point"),
]
BAD_PAGING = [
    ("page", "0"),
    ("page", "-1"),
    ("page", "abc"),
    ("page", "1.5"),
    ("page", str(10**30)),
    ("page", ""),
    ("page", "\x00"),
    ("per_page", "0"),
    ("per_page", "-1"),
    ("per_page", "101"),
    ("per_page", str(10**9)),
    ("per_page", "1e3"),
]


@pytest.mark.once
def test_bad_paging_is_422_naming_the_parameter(world, subtests):
    for path, who in LISTS:
        with subtests.test(path=path, who=who):
            for param, value in BAD_PAGING:
                assert_error(world.send(who, "get", path, query={param: value}), 422, param)
            # Invalid UTF-8 in the query string.
            raw = world.send(who, "get", path + "?page=%ED%A0%80")
            assert_error(raw, 422, "page")
            last = world.send(who, "get", path, query={"page": 1_000_000, "per_page": 100})
            assert last.status_code == 200 and last.json["items"] == []


BAD_FILTERS = [
    ("/remains", "forensic", "status", "lost"),
    ("/remains", "forensic", "sex", "alien"),
    ("/remains", "forensic", "found_country", "ZZ"),
    ("/match-reports", "forensic", "status", "maybe"),
    ("/match-reports", "forensic", "remains_id", "not-a-uuid"),
    ("/match-reports", "forensic", "case", "x" * 41),
    ("/match-reports", "forensic", "case", "a\x00b"),
    ("/identifications", "focal_point", "status", "pending"),
    ("/identifications", "focal_point", "method", "dna_profile"),
    ("/identifications", "focal_point", "case", "a\x00b"),
]


@pytest.mark.once
def test_bad_filters_are_422_naming_the_parameter(world, subtests):
    for path, who, param, value in BAD_FILTERS:
        with subtests.test(path=path, param=param):
            assert_error(world.send(who, "get", path, query={param: value}), 422, param)


# --- If-Match and versions --------------------------------------------------------------------

VERSIONED = ["reference_update", "custody", "remains_update", "exclude", "confirm", "reject"]


IF_MATCH_GARBAGE = ["*", '"abc"', "", " ", '"1", "2"', "1" * 10, '"-1"', "W/", '""', "\x01"]


@pytest.mark.once
@pytest.mark.parametrize("name", VERSIONED)
def test_if_match_garbage_is_422_naming_it(world, database, name):
    before = snapshot(database)
    for header in IF_MATCH_GARBAGE:
        body = _body(world, name, drop="version")
        resp = _write(world, name, body, headers={"If-Match": header})
        assert_error(resp, 422, "If-Match")
    assert snapshot(database) == before


@pytest.mark.once
@pytest.mark.parametrize("name", VERSIONED)
def test_stale_and_disagreeing_versions(world, database, name):
    before = snapshot(database)
    stale = _write(world, name, _body(world, name, {"version": 7}))
    assert assert_error(stale, 409, "version")["code"] == "version_conflict"
    header = _write(world, name, _body(world, name, drop="version"), headers={"If-Match": '"7"'})
    assert assert_error(header, 409)["code"] == "version_conflict"
    both = _write(world, name, _body(world, name, {"version": 1}), headers={"If-Match": '"2"'})
    assert_error(both, 422, "version")
    assert snapshot(database) == before
    ok = _write(world, name, _body(world, name, drop="version"), headers={"If-Match": 'W/"1"'})
    assert ok.status_code == 200, ok.get_data(as_text=True)[:300]


# --- every endpoint with every role: 403 for a role without the action, nothing written --------

ENDPOINTS: list[tuple[str, str, Any, set[str]]] = [
    # (method, path, body or a WRITES name, the roles that may)
    ("get", "/dna-databases", None, {"admin", "focal_point", "forensic"}),
    ("post", "/dna-databases", "database", {"admin"}),
    ("get", "/cases/{case}/dna-references", None, {"focal_point", "forensic"}),
    ("post", "/cases/{case}/dna-references", "family_reference", {"focal_point", "forensic"}),
    ("get", "/dna-references/{family}", None, {"focal_point", "forensic"}),
    ("patch", "/dna-references/{family}", "reference_update", {"focal_point", "forensic"}),
    ("post", "/dna-references/{post_mortem}/custody", "custody", {"focal_point", "forensic"}),
    ("post", "/dna-references/search", "sample_search", {"focal_point", "forensic"}),
    ("get", "/remains", None, {"focal_point", "forensic"}),
    ("post", "/remains", "remains", {"forensic"}),
    ("get", "/remains/{remains}", None, {"focal_point", "forensic"}),
    ("patch", "/remains/{remains}", "remains_update", {"forensic"}),
    ("get", "/remains/{remains}/dna-references", None, {"focal_point", "forensic"}),
    ("post", "/remains/{remains}/dna-references", "post_mortem", {"focal_point", "forensic"}),
    ("get", "/cases/{case}/candidates", None, {"focal_point", "forensic"}),
    ("get", "/remains/{remains}/candidates", None, {"focal_point", "forensic"}),
    ("get", "/match-reports", None, {"focal_point", "forensic"}),
    ("post", "/match-reports", "match_report", {"forensic"}),
    ("get", "/match-reports/{report}", None, {"focal_point", "forensic"}),
    ("post", "/match-reports/{report}/exclude", "exclude", {"forensic"}),
    ("get", "/identifications", None, {"focal_point", "forensic", "family_liaison"}),
    ("post", "/identifications", "identification", {"focal_point", "forensic"}),
    ("get", "/identifications/{ident}", None, {"focal_point", "forensic", "family_liaison"}),
    ("post", "/identifications/{ident}/confirm", "confirm", {"focal_point", "forensic"}),
    ("post", "/identifications/{ident}/reject", "reject", {"focal_point", "forensic"}),
]


@pytest.mark.once
@pytest.mark.parametrize("role", ROLES)
def test_each_endpoint_with_each_role(world, database, role):
    for method, path, body, allowed in ENDPOINTS:
        payload = _body(world, body) if isinstance(body, str) else None
        before = snapshot(database)
        resp = world.send(role, method, path, payload)
        if role in allowed:
            assert resp.status_code < 400 or resp.status_code == 409, (method, path, resp.json)
        else:
            assert assert_error(resp, 403)["code"] == "forbidden", (method, path)
            assert snapshot(database) == before, (method, path)
        # Another organisation's user of the same role: 403 or 404, never the record.
        other = world.send("other_" + role, method, path, payload)
        if "{" in path and other.status_code != 403:
            assert_error(other, 404)


# --- two people at once ------------------------------------------------------------------------


def _race(app, world: World, calls: list[tuple[str, str, str, Any]]) -> list[tuple[int, Any]]:
    """Send the requests at once, each from its own client, as separate partners would."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> None:
        who, method, path, body = calls[i]
        client = app.test_client()
        barrier.wait(timeout=30)
        resp = getattr(client, method)(
            "/api/v1" + path.format(**world.ids),
            json=body,
            headers={"Authorization": f"Bearer {world.callers[who].token}"},
        )
        results[i] = (resp.status_code, resp.json)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _statuses(results) -> list[int]:
    return sorted(status for status, _ in results)


def test_two_confirmations_at_once_let_exactly_one_through(app, world):
    path = "/identifications/{ident}/confirm"
    results = _race(app, world, [("focal_point", "post", path, {}), ("focal2", "post", path, {})])
    assert _statuses(results) == [200, 409], results
    assert {body["error"]["code"] for status, body in results if status == 409} <= {
        "already_decided",
        "version_conflict",
    }


def test_confirm_and_reject_at_once(app, world):
    results = _race(
        app,
        world,
        [
            ("focal_point", "post", "/identifications/{ident}/confirm", {}),
            ("forensic2", "post", "/identifications/{ident}/reject", {"reason": "doubt"}),
        ],
    )
    assert _statuses(results) == [200, 409], results


def test_confirm_while_the_match_report_is_excluded(app, world):
    """Each takes the case before the report: one wins, the other is a 409 (never a
    deadlock answered 500)."""
    results = _race(
        app,
        world,
        [
            ("focal_point", "post", "/identifications/{ident}/confirm", {}),
            ("forensic2", "post", "/match-reports/{report}/exclude", {"reason": "swapped"}),
        ],
    )
    assert _statuses(results) == [200, 409], results
    report = world.send("forensic", "get", "/match-reports/{report}").json
    ident = world.send("forensic", "get", "/identifications/{ident}").json
    assert (report["status"], ident["status"]) in {
        ("confirmed", "confirmed"),
        ("excluded", "recorded"),
    }


def test_record_a_dna_identification_while_its_match_report_is_excluded(app, world):
    world.send("focal_point", "post", "/identifications/{ident}/reject", {"reason": "redo"})
    body = {
        "case_reference": world.ids["case"],
        "remains_id": world.ids["remains"],
        "method": "dna",
        "match_report_id": world.ids["report"],
    }
    results = _race(
        app,
        world,
        [
            ("focal_point", "post", "/identifications", body),
            ("forensic2", "post", "/match-reports/{report}/exclude", {"reason": "swapped"}),
        ],
    )
    assert all(status < 500 for status, _ in results), results
    assert sorted(s for s, _ in results) in ([200, 201], [200, 422]), results


@pytest.mark.parametrize(
    "write",
    [
        ("forensic2", "patch", "/dna-references/{family}", {"sample_id": "FR-9", "version": 1}),
        (
            "forensic2",
            "post",
            "/dna-references/{family}/custody",
            {"status": "shipped", "version": 1},
        ),
        ("forensic2", "patch", "/remains/{remains}", {"found_place": "Arivaca", "version": 1}),
    ],
    ids=["reference", "custody", "remains"],
)
def test_a_record_the_identification_relies_on_changed_while_it_is_confirmed(app, world, write):
    """The confirmation writes rows that point at the reference (the match report) while the
    other write holds it: neither waits for a lock the other holds (never a deadlock answered
    500)."""
    results = _race(
        app, world, [("focal_point", "post", "/identifications/{ident}/confirm", {}), write]
    )
    assert all(status < 500 for status, _ in results), results
    assert results[0][0] == 200, results


def test_two_identifications_of_the_same_remains_confirmed_at_once(app, world):
    case = _created(world.callers["focal_point"].post("/cases", json={"given_names": "Eva"}))
    second = _created(
        world.callers["forensic"].post(
            "/identifications",
            json={
                "case_reference": case["reference"],
                "remains_id": world.ids["remains"],
                "method": "dental",
            },
        )
    )
    results = _race(
        app,
        world,
        [
            ("focal_point", "post", "/identifications/{ident}/confirm", {}),
            ("forensic2", "post", f"/identifications/{second['id']}/confirm", {}),
        ],
    )
    assert _statuses(results) == [200, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["error"]["code"] == "remains_not_unidentified", refused


def test_two_custody_steps_at_once(app, world):
    path = "/dna-references/{post_mortem}/custody"
    step = {"status": "shipped", "version": 1}
    results = _race(
        app, world, [("forensic", "post", path, step), ("forensic2", "post", path, step)]
    )
    assert _statuses(results) == [200, 409], results
    history = world.send("forensic", "get", "/dna-references/{post_mortem}").json["custody_history"]
    assert [s["status"] for s in history] == ["collected", "shipped"]


def test_the_same_database_registered_twice_at_once(app, world, database):
    body = {"name": "Twice", "institution": "I", "country": "SV", "kind": "forensic_lab"}
    results = _race(app, world, [("admin", "post", "/dna-databases", body)] * 2)
    assert _statuses(results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["error"]["code"] == "duplicate" and "name" in refused["error"]["fields"]
    with database.session() as s:
        assert s.scalar(select(func.count()).where(DnaDatabase.name == "Twice")) == 1
