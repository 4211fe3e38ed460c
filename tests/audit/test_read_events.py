"""An auditor sees what each read showed: the references a list or search returned (never the
values), and the reads made from the command line on the organisation's records."""

from __future__ import annotations

import re


def _register(caller, given_names: str) -> str:
    resp = caller.post("/cases", json={"given_names": given_names})
    assert resp.status_code == 201
    return resp.json["reference"]


def test_the_auditor_sees_the_references_a_search_returned(api):
    focal, auditor = api("focal_point"), api("auditor")
    first = _register(focal, "Wilhelmina")
    _register(focal, "Bartholomew")
    assert focal.post("/cases/search", json={"q": "Wilhelmina"}).status_code == 200

    events = auditor.get("/audit/events", query_string={"action": "case.list"}).json["items"]
    [search] = [e for e in events if e["details"]["view"] == "search"]
    assert search["details"]["references"] == [first]
    assert search["categories"] == ["identity", "circumstances"]
    assert "Wilhelmina" not in str(search)


def test_the_audit_page_lists_the_records_shown(api, client, make_user, login):
    focal = api("focal_point")
    ref = _register(focal, "Wilhelmina")
    assert focal.get("/cases").status_code == 200
    login(make_user("auditor"))
    html = client.get("/audit", query_string={"action": "case.list"}).get_data(as_text=True)
    shown = re.search(r'<details class="references">(.*?)</details>', html, re.S)
    assert shown and ref in shown.group(1)
    assert "1 record shown" in shown.group(1)


def test_a_command_line_read_is_recorded_for_the_owning_organisation(api, cli, org):
    focal, auditor = api("focal_point"), api("auditor")
    ref = _register(focal, "Wilhelmina")
    result = cli("cases", "show", ref, "--purpose", "data_subject_request")
    assert result.exit_code == 0, result.output
    events = auditor.get("/audit/events", query_string={"case": ref, "action": "case.read"})
    [read] = events.json["items"]
    assert read["role"] == "system" and read["actor_id"] is None
    assert read["organisation_id"] == str(org.id)
    assert read["purpose"] == "data_subject_request"
    assert read["details"] == {"view": "cli"}
