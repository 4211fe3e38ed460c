"""Found by trying the demo from outside (issue 11 review).

A database writer without the key file deletes an event, recomputes every link with the unkeyed
SHA-256 of the chains written before the audit key, and clears the head's tag: the chain now looks
like one waiting for its first `casework audit reseal`. Given a witnessed head, which `audit head`
signs only once the chain is sealed, `audit verify --head` must call that a rewrite and say not to
reseal, instead of advising the reseal that would seal the rewrite."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.audit.test_tamper import (  # noqa: F401  (db is a fixture)
    _append_n,
    _delete_and_renumber,
    _relink,
    _sha256_link,
    _sql,
    _verify_cli,
    db,
)


def test_a_chain_made_to_look_unsealed_is_a_rewrite_when_a_witnessed_head_exists(
    db,  # noqa: F811
    cli,
    tmp_path,
):
    _append_n(db, 6)
    witnessed = json.loads(cli("audit", "head").output)
    _delete_and_renumber(db, 3)
    _relink(db, _sha256_link)
    _sql(db, "UPDATE audit_head SET tag = NULL")

    out = _verify_cli(cli, tmp_path, witnessed)
    assert out.exit_code == 1
    assert "audit reseal` once" not in out.output
    assert "rewritten" in out.output and "do not reseal" in out.output
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT tag FROM audit_head")).scalar() is None  # unchanged
