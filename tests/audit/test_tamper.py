"""Finding 1 of issue 11, reproduced with raw SQL on the database (SQLite or PostgreSQL): someone
who can write the database but does not hold the key file cannot rewrite the audit trail.

Each attack below used to pass `casework audit verify` (plain SHA-256 links, the head in the
same database); now each is detected and the first bad event named. The witnessed head printed
by `casework audit head` catches what no check inside one database can: a head restored from an
older copy, and a history rewritten by someone who also holds the key file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import delete, select, text

from casework import audit
from casework.audit import AuditEvent, AuditHead, PlainActor
from casework.audit.trail import canonical_json

ACTOR = PlainActor(uuid.uuid4(), uuid.uuid4(), "focal_point", "req-1")


@pytest.fixture
def db(app, database):
    with database.session() as s:
        s.execute(delete(AuditEvent))
        s.execute(delete(AuditHead))
    return database


def _append_n(database, n: int) -> None:
    for i in range(n):
        with database.session() as s:
            audit.append(
                s,
                ACTOR,
                "case.read",
                object_type="case",
                case_reference=f"SLV-2026-{i:06d}",
                purpose="tracing",
                categories=["identity"],
                details={"view": "case"},
            )


def _sql(database, statement: str, **params) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(statement), params)


def _rows(database) -> list:
    with database.engine.connect() as conn:
        return list(conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)))


def _head(database):
    with database.engine.connect() as conn:
        return conn.execute(select(AuditHead.__table__)).one()


def _relink(database, link) -> None:
    """What finding 1 did: recompute every link from the first event on with `link(prev,
    canonical)` and point the head at the new last hash, all in raw SQL."""
    prev = audit.GENESIS_HASH
    rows = _rows(database)
    with database.engine.begin() as conn:
        for row in rows:
            new = link(prev, canonical_json(row))
            conn.execute(
                text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": new, "i": row.id},
            )
            prev = new
        conn.execute(
            text("UPDATE audit_head SET seq = :s, hash = :h, at = :a"),
            {"s": rows[-1].seq, "h": prev, "a": rows[-1].created_at},
        )


def _rewrite_with_the_key(database, audit_key: bytes) -> None:
    """The insider holding the key file too: every link and the head's tag recomputed."""
    from casework.audit.trail import head_tag, keys_from

    _relink(database, _hmac_link(audit_key))
    last = _rows(database)[-1]
    keys = keys_from(audit_key, os.urandom(32))
    tag = head_tag(keys, last.seq, last.hash, last.created_at)
    _sql(database, "UPDATE audit_head SET tag = :t", t=tag)


def _sha256_link(prev: str, canonical: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev) + canonical.encode()).hexdigest()


def _hmac_link(key: bytes):
    def link(prev: str, canonical: str) -> str:
        return hmac.new(key, bytes.fromhex(prev) + canonical.encode(), hashlib.sha256).hexdigest()

    return link


def _delete_and_renumber(database, seq: int) -> None:
    _sql(database, "DELETE FROM audit_events WHERE seq = :s", s=seq)
    last = _rows(database)[-1].seq
    for old in range(seq + 1, last + 1):
        _sql(database, "UPDATE audit_events SET seq = :n WHERE seq = :o", n=old - 1, o=old)


def _verify(database, witnessed=None):
    with database.session() as s:
        return audit.verify(s, witnessed=witnessed)


def _witness(cli) -> dict:
    result = cli("audit", "head")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _verify_cli(cli, tmp_path, head: dict | None):
    args = ["audit", "verify"]
    if head is not None:
        path = tmp_path / "head.json"
        path.write_text(json.dumps(head))
        args += ["--head", str(path)]
    return cli(*args)


# --- an event deleted and the chain recomputed -------------------------------------------------


@pytest.mark.parametrize("link", ["sha256", "wrong_key"])
def test_a_deleted_event_with_every_later_link_recomputed_is_named(db, cli, link):
    _append_n(db, 8)
    _delete_and_renumber(db, 4)
    _relink(db, _sha256_link if link == "sha256" else _hmac_link(os.urandom(32)))
    result = _verify(db)
    assert not result.ok
    # Every link was recomputed without the audit key: the very first one no longer verifies.
    assert result.first_bad_seq == 1
    out = cli("audit", "verify")
    assert out.exit_code == 1
    assert out.output.startswith("audit chain broken at event 1:")


@pytest.mark.parametrize("link", ["sha256", "wrong_key"])
def test_a_deleted_event_with_only_the_later_links_recomputed_is_named(db, link):
    """The careful attacker recomputes only from the gap on: the first recomputed event is
    named, which is where the deleted event was."""
    _append_n(db, 8)
    _delete_and_renumber(db, 4)
    fake = _sha256_link if link == "sha256" else _hmac_link(os.urandom(32))
    rows = _rows(db)
    prev = rows[2].hash  # event 3 stays genuine
    with db.engine.begin() as conn:
        for row in rows[3:]:
            new = fake(prev, canonical_json(row))
            conn.execute(
                text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": new, "i": row.id},
            )
            prev = new
        conn.execute(text("UPDATE audit_head SET seq = 7, hash = :h"), {"h": prev})
    result = _verify(db)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert result.count == 3


# --- the tail cut off -------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["kept", "null", "garbage"])
def test_a_cut_tail_with_the_head_reset_to_the_previous_event_is_detected(db, cli, tag):
    _append_n(db, 6)
    rows = _rows(db)
    _sql(db, "DELETE FROM audit_events WHERE seq >= 5")
    new_tag = {"kept": _head(db).tag, "null": None, "garbage": "ab" * 32}[tag]
    _sql(
        db,
        "UPDATE audit_head SET seq = 4, hash = :h, at = :a, tag = :t",
        h=rows[3].hash,
        a=rows[3].created_at,
        t=new_tag,
    )
    result = _verify(db)
    assert not result.ok
    out = cli("audit", "verify")
    assert out.exit_code == 1
    if tag == "null":
        # A head without a tag looks like a chain from before the key: still refused.
        assert "not sealed" in out.output
    else:
        assert result.first_bad_seq == 5
        assert out.output.strip() == (
            "audit chain broken at event 5: tail cut or head rewritten "
            "(the chain head is not authentic)"
        )


def test_a_cut_tail_is_not_laundered_by_the_next_append(db):
    """After the cut, the service appends again: it records that the head it found was not
    authentic, so the cut stays visible however many events follow."""
    _append_n(db, 6)
    rows = _rows(db)
    _sql(db, "DELETE FROM audit_events WHERE seq >= 5")
    _sql(db, "UPDATE audit_head SET seq = 4, hash = :h", h=rows[3].hash)
    _append_n(db, 3)
    result = _verify(db)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "not authentic" in result.problem
    with db.session() as s:
        marker = s.scalar(select(AuditEvent).where(AuditEvent.seq == 5))
    assert (marker.action, marker.role, marker.decision) == (
        "audit.head_not_authentic",
        "system",
        "deny",
    )
    assert marker.details == {"head_seq": 4}


def test_an_older_head_restored_from_a_copy_is_caught_by_the_witnessed_head(db, cli, tmp_path):
    """The attacker kept the head row of an earlier day (a backup): its tag is genuine. Only a
    head witnessed outside the database since then can tell."""
    _append_n(db, 4)
    saved = _head(db)
    _append_n(db, 3)
    witnessed = _witness(cli)
    assert witnessed["sequence"] == 7
    _sql(db, "DELETE FROM audit_events WHERE seq > 4")
    _sql(
        db,
        "UPDATE audit_head SET seq = :s, hash = :h, at = :a, tag = :t",
        s=saved.seq,
        h=saved.hash,
        a=saved.at,
        t=saved.tag,
    )
    # Inside the database everything is consistent again: the limit of a self-held chain.
    assert _verify_cli(cli, tmp_path, None).exit_code == 0
    out = _verify_cli(cli, tmp_path, witnessed)
    assert out.exit_code == 1
    assert out.output.strip() == (
        "audit chain broken at event 5: missing (tail cut: the witnessed head is further)"
    )


# --- edited, reordered ------------------------------------------------------------------------


def test_an_edited_event_is_named(db, cli):
    _append_n(db, 5)
    _sql(db, "UPDATE audit_events SET case_reference = 'SLV-2026-999999' WHERE seq = 3")
    out = cli("audit", "verify")
    assert out.exit_code == 1
    assert out.output.strip() == "audit chain broken at event 3: hash mismatch (edited)"


def test_edited_details_are_named(db):
    _append_n(db, 5)
    _sql(db, """UPDATE audit_events SET details = '{"view": "list"}' WHERE seq = 2""")
    result = _verify(db)
    assert (result.first_bad_seq, result.problem) == (2, "hash mismatch (edited)")


def test_two_reordered_events_are_named(db, cli):
    _append_n(db, 6)
    _sql(db, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
    _sql(db, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
    _sql(db, "UPDATE audit_events SET seq = 4 WHERE seq = -1")
    out = cli("audit", "verify")
    assert out.exit_code == 1
    assert out.output.strip() == (
        "audit chain broken at event 3: out of order (swapped or reordered)"
    )


def test_a_rewritten_head_is_named(db):
    _append_n(db, 4)
    rows = _rows(db)
    # The head pointed at another genuine event, keeping its tag: the tag does not verify.
    _sql(
        db,
        "UPDATE audit_head SET seq = 3, hash = :h, at = :a",
        h=rows[2].hash,
        a=rows[2].created_at,
    )
    result = _verify(db)
    assert (result.ok, result.first_bad_seq) == (False, 4)


# --- the head for witnesses -------------------------------------------------------------------


def test_audit_head_prints_the_head_signed_with_the_instance_key(
    db, cli, tmp_path, instance_public_key
):
    _append_n(db, 3)
    head = _witness(cli)
    assert set(head) == {"sequence", "hash", "time", "signature", "public_key"}
    rows = _rows(db)
    assert head["sequence"] == 3 and head["hash"] == rows[-1].hash
    assert base64.b64decode(head["public_key"]) == instance_public_key
    # Checked here with the public key alone, as a witness would.
    message = b"casework audit head v1\n" + json.dumps(
        {"hash": head["hash"], "sequence": head["sequence"], "time": head["time"]},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    Ed25519PublicKey.from_public_bytes(instance_public_key).verify(
        base64.b64decode(head["signature"]), message
    )
    # A later chain still extends it.
    _append_n(db, 2)
    out = _verify_cli(cli, tmp_path, head)
    assert out.exit_code == 0, out.output
    assert out.output.strip() == (
        "audit chain intact: 5 events (extends the witnessed head at event 3)"
    )


def test_audit_head_refuses_to_sign_a_head_that_is_not_authentic(db, cli):
    _append_n(db, 3)
    rows = _rows(db)
    _sql(db, "DELETE FROM audit_events WHERE seq = 3")
    _sql(db, "UPDATE audit_head SET seq = 2, hash = :h", h=rows[1].hash)
    out = cli("audit", "head")
    assert out.exit_code == 1
    assert "not authentic" in out.output and "signature" not in out.output


@pytest.mark.parametrize("forgery", ["moved_forward", "other_hash", "own_key", "own_key_ours"])
def test_a_forged_head_signature_is_refused(db, cli, tmp_path, forgery):
    _append_n(db, 4)
    head = _witness(cli)
    if forgery == "moved_forward":
        head["sequence"] = 9  # claims a longer chain than was signed
    elif forgery == "other_hash":
        head["hash"] = _rows(db)[1].hash
    else:
        # Signed with a key of the forger's own; presented with that key, or with ours.
        own = Ed25519PrivateKey.generate()
        head["sequence"], head["hash"] = 2, _rows(db)[1].hash
        message = b"casework audit head v1\n" + json.dumps(
            {"hash": head["hash"], "sequence": 2, "time": head["time"]},
            sort_keys=True,
            separators=(",", ":"),
        ).encode("utf-8")
        head["signature"] = base64.b64encode(own.sign(message)).decode()
        if forgery == "own_key":
            raw = own.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            head["public_key"] = base64.b64encode(raw).decode()
    out = _verify_cli(cli, tmp_path, head)
    assert out.exit_code == 1
    assert "signature does not verify" in out.output


def test_a_history_rewritten_with_the_key_file_is_caught_by_a_witnessed_head(
    db, cli, tmp_path, audit_key
):
    """Out of reach of the chain itself: someone holding the database AND the key file can
    recompute everything, head tag included. A head witnessed before the rewrite tells."""
    _append_n(db, 5)
    witnessed = _witness(cli)
    _delete_and_renumber(db, 2)
    _rewrite_with_the_key(db, audit_key)
    assert _verify_cli(cli, tmp_path, None).exit_code == 0  # the limit, stated in the docs
    out = _verify_cli(cli, tmp_path, witnessed)
    assert out.exit_code == 1
    assert out.output.strip() == (
        "audit chain broken at event 5: missing (tail cut: the witnessed head is further)"
    )


def test_a_witnessed_event_rewritten_under_the_key_is_named(db, cli, audit_key):
    _append_n(db, 6)
    witnessed = _witness(cli)  # at event 6
    _delete_and_renumber(db, 2)
    _rewrite_with_the_key(db, audit_key)
    _append_n(db, 2)  # a new event 6 (and 7) appended by the service on the rewritten chain
    result = _verify(db, witnessed=audit.SignedHead.from_json(witnessed))
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.problem == "does not match the witnessed head (rewritten)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON document"),
        ("[]", "a signed head is a JSON object"),
        ('{"sequence": -1}', '"sequence" is not a non-negative integer'),
    ],
)
def test_a_malformed_head_file_is_a_usage_error(db, cli, tmp_path, content, message):
    path = tmp_path / "head.json"
    path.write_text(content)
    out = cli("audit", "verify", "--head", str(path))
    assert out.exit_code == 2
    assert message in out.output
