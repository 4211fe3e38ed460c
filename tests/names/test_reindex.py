"""`casework cases reindex-names` rebuilds the name keys of existing cases."""

from __future__ import annotations

from sqlalchemy import delete

from casework.keys.models import BlindIndexEntry


def test_reindex_restores_name_search(api, cli, database):
    caller = api("focal_point")
    resp = caller.post("/cases", json={"given_names": "أحمد", "family_names": "الحسن"})
    ref = resp.json["reference"]
    with database.session() as s:
        s.execute(delete(BlindIndexEntry).where(BlindIndexEntry.field == "cases.name"))
    assert caller.post("/cases/search", json={"q": "Ahmed Hassan"}).json["items"] == []
    result = cli("cases", "reindex-names")
    assert result.exit_code == 0, result.output
    assert "re-indexed 1 cases" in result.output
    found = caller.post("/cases/search", json={"q": "Ahmed Hassan"}).json["items"]
    assert [i["reference"] for i in found] == [ref]
