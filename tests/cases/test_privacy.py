"""No personal value of a case in clear in the database (file and WAL on SQLite; every column
of every table on PostgreSQL, blind index included), in any log line or in any error body."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import inspect, text

from tests.helpers import is_postgres, raw_database_dump

# Distinctive values, one per personal field; none of them can occur by chance.
CANARIES = {
    "given_names": "Quetzalcanary",
    "family_names": "Zyxwvorth-Canarino",
    "aliases": "Aliascanaryqq",
    "date_of_birth": "1983-07-29",
    "place_of_origin": "Canaryville-del-Norte",
    "identity_document": "CNRY-77341-PASS",
    "last_seen_date": "2024-11-17",
    "last_seen_place": "Parada-canario-9931",
    "circumstances": "circumstance-canary-5k2j left at dawn",
    "distinguishing_marks": "marks-canary-8h1 tattoo of a heron",
    "clothing_and_belongings": "clothing-canary-3x9 green scarf",
    "protection_reason": "protection-canary-p0q4 persecuted by a militia",
    "status_note": "note-canary-z7y6 family called",
    "link_note": "linknote-canary-m2n3 same person",
    "update_value": "Updatecanaryxx",
}


def _case_body() -> dict:
    c = CANARIES
    return {
        "given_names": c["given_names"],
        "family_names": c["family_names"],
        "aliases": [c["aliases"]],
        "date_of_birth": c["date_of_birth"],
        "place_of_origin": c["place_of_origin"],
        "identity_documents": [{"kind": "passport", "number": c["identity_document"]}],
        "last_seen_date": c["last_seen_date"],
        "last_seen_place": c["last_seen_place"],
        "circumstances": c["circumstances"],
        "distinguishing_marks": c["distinguishing_marks"],
        "clothing_and_belongings": c["clothing_and_belongings"],
        "protection_flags": [{"kind": "country", "value": "SV", "reason": c["protection_reason"]}],
        "nationality": "SV",
    }


def _variants(value: str) -> list[bytes]:
    return [v.encode() for v in {value, value.casefold(), value.upper()}]


def _write_every_kind_of_record(focal) -> str:
    ref = focal.post("/cases", json=_case_body()).json["reference"]
    dup = focal.post("/cases", json=_case_body()).json["reference"]
    focal.patch(f"/cases/{ref}", json={"version": 1, "aliases": [CANARIES["update_value"]]})
    focal.post(
        f"/cases/{ref}/status", json={"status": "active_search", "note": CANARIES["status_note"]}
    )
    focal.post(
        f"/cases/{ref}/link-duplicate",
        json={"duplicate_reference": dup, "note": CANARIES["link_note"]},
    )
    # Reads and searches write audit events too.
    focal.get(f"/cases/{ref}")
    focal.get(f"/cases/{ref}/timeline")
    focal.get("/cases", query_string={"q": CANARIES["family_names"]})
    return ref


def test_no_personal_value_is_stored_in_clear(focal, database):
    ref = _write_every_kind_of_record(focal)
    assert focal.get(f"/cases/{ref}").json["given_names"] == CANARIES["given_names"]
    dump = raw_database_dump(database)
    assert ref.encode() in dump  # the dump does see the database's content
    for name, value in CANARIES.items():
        for variant in _variants(value):
            assert variant not in dump, name


def test_postgresql_text_columns_hold_no_canary(focal, database):
    """Every text, varchar, json and bytea column of every table, by information_schema."""
    if not is_postgres():
        pytest.skip("information_schema scan: PostgreSQL")
    _write_every_kind_of_record(focal)
    with database.engine.connect() as conn:
        columns = conn.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type IN "
                "('text', 'character varying', 'json', 'jsonb', 'bytea', 'character')"
            )
        ).all()
        assert {"cases", "case_events", "audit_events"} <= {t for t, _ in columns}
        tables = set(inspect(conn).get_table_names())
        for table, column in columns:
            assert table in tables
            values = conn.execute(text(f'SELECT "{column}"::text FROM "{table}"')).scalars()  # noqa: S608
            for value in values:
                for canary in CANARIES.values():
                    assert canary.casefold() not in (value or "").casefold(), (table, column)
        # The blind index holds numbers only.
        tokens = conn.execute(text("SELECT token::text FROM blind_index_entries")).scalars()
        assert all(t.isdigit() for t in tokens)


def test_no_canary_in_any_log_line(focal, caplog):
    caplog.set_level(logging.DEBUG)
    _write_every_kind_of_record(focal)
    # An error path as well: an invalid update carrying canaries.
    focal.patch(
        "/cases/SLV-2026-000001",
        json={"version": 99, "given_names": CANARIES["given_names"], "sex": "x"},
    )
    lines = "\n".join(r.getMessage() for r in caplog.records)
    for name, value in CANARIES.items():
        assert value not in lines, name


def test_error_bodies_never_echo_personal_values(focal, make_case):
    ref = make_case(focal)["reference"]
    bad = _case_body() | {"date_of_birth": "1983-02-30", "nationality": CANARIES["given_names"]}
    responses = [
        focal.post("/cases", json=bad),
        focal.post("/cases", json=bad | {"given_names": CANARIES["given_names"] * 100}),
        focal.patch(f"/cases/{ref}", json=_case_body() | {"version": 7}),
        focal.patch(f"/cases/{ref}", json={"version": 1, "languages": [CANARIES["aliases"]]}),
        focal.post(
            f"/cases/{ref}/status",
            json={"status": "located_alive", "note": CANARIES["status_note"]},
        ),
        focal.post(
            f"/cases/{ref}/link-duplicate",
            json={"duplicate_reference": CANARIES["given_names"], "note": CANARIES["link_note"]},
        ),
    ]
    for resp in responses:
        assert 400 <= resp.status_code < 500
        body = resp.get_data(as_text=True)
        for name, value in CANARIES.items():
            assert value not in body, (resp.status_code, name)
