"""No request to any API endpoint, however hostile, gets a 5xx: every path and method of the
OpenAPI document is called with wrong types, huge and hostile strings, and odd parameters."""

from __future__ import annotations

import re

import pytest

# API fuzzing: it tests the API, not the database; CI runs it on one database (SQLite).
pytestmark = pytest.mark.once

HOSTILE = [
    None,
    0,
    -1,
    2**63,
    1.5,
    True,
    "",
    "x" * 20_000,
    "\x00",
    "\u202e\u0000'; DROP TABLE cases; --",
    "2026-13-45",
    "9999-12-31",
    "+99999999999999999999",
    [],
    [None, {}, "a"],
    {},
    {"$ne": None},
]
PARAM_VALUES = ["", "0", "-1", "x" * 300, "%00", "2026-02-30", "true", "[]", "SLV-2026-999999"]


@pytest.fixture
def world(api, make_org):
    """A focal point, a liaison and a forensic officer of one organisation, with one case and
    one relative, and the records of the identification endpoints: a DNA database, a family
    reference, remains with a post-mortem sample, a match report and a recorded identification
    (so that those endpoints are called on real records, not only answer 404)."""
    focal = api("focal_point")
    liaison = api("family_liaison", organisation=None)
    forensic = api("forensic")
    case = focal.post(
        "/cases",
        json={"given_names": "Ana", "family_names": "Ruiz", "sex": "female", "nationality": "SV"},
    ).json
    rel = liaison.post(
        f"/cases/{case['reference']}/relatives",
        json={"full_name": "Rosa Ruiz", "relationship": "mother", "phone": "+50371234567"},
    ).json
    assert "reference" in case and "id" in rel, (case, rel)
    database = (
        api("admin")
        .post(
            "/dna-databases",
            json={"name": "Banco", "institution": "IML", "country": "SV", "kind": "icmp"},
        )
        .json
    )
    family = focal.post(
        f"/cases/{case['reference']}/dna-references",
        json={
            "database_id": database["id"],
            "sample_id": "FR-1",
            "sample_kind": "family_reference",
            "relative_id": rel["id"],
            "donor_relationship": "mother",
        },
    ).json
    remains = forensic.post("/remains", json={"found_date": "2025-11", "sex": "female"}).json
    post_mortem = forensic.post(
        f"/remains/{remains['id']}/dna-references",
        json={"database_id": database["id"], "sample_id": "PM-1"},
    ).json
    report = forensic.post(
        "/match-reports",
        json={
            "family_reference_id": family["id"],
            "post_mortem_reference_id": post_mortem["id"],
            "lab_report_reference": "LAB-1",
            "likelihood_ratio": 1e9,
            "reported_date": "2026-01-10",
        },
    ).json
    ident = forensic.post(
        "/identifications",
        json={
            "case_reference": case["reference"],
            "remains_id": remains["id"],
            "method": "dna",
            "match_report_id": report["id"],
        },
    ).json
    for record in (database, family, remains, post_mortem, report, ident):
        assert "id" in record, record
    return {
        "focal": focal,
        "liaison": liaison,
        "forensic": forensic,
        "case": case,
        "relative": rel,
        "ids": {
            "remains_id": remains["id"],
            "reference_id": family["id"],
            "report_id": report["id"],
            "ident_id": ident["id"],
        },
    }


def _operations(client):
    doc = client.get("/api/v1/openapi.json").json
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            body_schema = None
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                body_schema = content["application/json"]["schema"]
            query = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
            yield path, method, body_schema, query, doc


def _properties(schema, doc):
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("properties", {}))


def _fill(path, world):
    values = {
        "reference": world["case"]["reference"],
        "relative_id": world["relative"]["id"],
        **world["ids"],
    }
    return re.sub(
        r"\{(\w+)\}",
        lambda m: str(values.get(m.group(1), "00000000-0000-0000-0000-000000000000")),
        path,
    ).removeprefix("/api/v1")


def test_no_api_request_gets_a_5xx(world, client):
    sent = 0
    fuzzed = 0  # operations with a body whose every field got every hostile value
    paths = set()
    failures = []
    callers = [world["focal"], world["liaison"], world["forensic"]]
    for path, method, body_schema, query, doc in _operations(client):
        url = _fill(path, world)
        # Every hostile value in every field goes to the operation as the first of the callers
        # it does not refuse (its domain code, not only the gate); the others get the whole
        # body's shapes, the parameters and the paths (their own gate and parser).
        # (An operation all three are refused, admin's, gets them as the first caller.)
        deep = callers[0]
        if body_schema is not None:
            for caller in callers:
                send = getattr(caller, method, None)
                status = send(url, json={}).status_code if send else 403
                if status >= 500:
                    failures.append((method.upper(), url[:80], "{}", status))
                if status not in (401, 403):
                    deep = caller
                    break
        for caller in callers:
            send = getattr(caller, method, None)
            if send is None:
                continue
            attempts = []
            if body_schema is not None:
                if caller is deep:
                    fuzzed += 1
                    for name in _properties(body_schema, doc):
                        attempts += [{"json": {name: value}} for value in HOSTILE]
                attempts += [{"json": v} for v in ([], "text", None, 5)]
                attempts.append(
                    {"data": b"{not json", "headers": {"Content-Type": "application/json"}}
                )
            for name in query:
                attempts += [{"query_string": {name: v}} for v in PARAM_VALUES]
            attempts.append({})
            for raw in PARAM_VALUES:
                attempts.append({"_url": re.sub(r"/[^/]+$", "/" + raw, url)})
            for kwargs in attempts:
                target = kwargs.pop("_url", url)
                resp = send(target, **kwargs)
                sent += 1
                paths.add(path)
                if resp.status_code >= 500:
                    failures.append(
                        (method.upper(), target[:80], str(kwargs)[:120], resp.status_code)
                    )
    assert not failures, failures[:20]
    # The document lists every resource of the contract that exists so far.
    assert {"/api/v1/cases", "/api/v1/cases/{reference}", "/api/v1/relatives"} <= paths
    assert {
        "/api/v1/remains/{remains_id}",
        "/api/v1/dna-references/{reference_id}/custody",
        "/api/v1/match-reports/{report_id}/exclude",
        "/api/v1/identifications/{ident_id}/confirm",
    } <= paths
    assert sent > 1000
    assert fuzzed == sum(1 for op in _operations(client) if op[2] is not None)
