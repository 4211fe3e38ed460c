"""Issue 12 review: defects found by trying casework as its users would, after the issue 12 work.
Each test fails on the code it was written against (HEAD ef54afb)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.cases.pages import form_values

HUGE_INTEGER = "9" * 5000  # over CPython's 4,300-digit limit for int(str)


# --- a 500 on any JSON body: an integer literal with more than 4,300 digits ------------------


@pytest.mark.parametrize(
    "path, body",
    [
        ("/cases", '{"given_names": "Ana", "version": N}'),
        ("/cases/search", '{"q": N}'),
        ("/relatives/search", '{"page": N, "phone": "+380671234567"}'),
    ],
)
def test_a_huge_integer_literal_is_a_4xx_in_caseworks_shape_not_a_500(client, api, path, body):
    focal = api("focal_point")
    resp = client.post(
        "/api/v1" + path,
        data=body.replace("N", HUGE_INTEGER),
        headers={"Authorization": f"Bearer {focal.token}", "Content-Type": "application/json"},
    )
    assert resp.status_code < 500, resp.get_data(as_text=True)
    assert resp.status_code in (400, 413, 422)
    assert resp.json["error"]["code"] != "internal"


def test_a_huge_integer_version_on_an_update_is_a_4xx(client, api):
    focal = api("focal_point")
    ref = focal.post("/cases", json={"given_names": "Ana"}).json["reference"]
    resp = client.patch(
        f"/api/v1/cases/{ref}",
        data='{"last_seen_place": "Tapachula", "version": N}'.replace("N", HUGE_INTEGER),
        headers={"Authorization": f"Bearer {focal.token}", "Content-Type": "application/json"},
    )
    assert resp.status_code in (400, 409, 422), resp.get_data(as_text=True)


# --- a name of only invisible characters (Hangul fillers are letters by category) -------------


@pytest.mark.parametrize("name", ["\u3164", "\u115f\u1160", "\uffa0"])
def test_a_name_of_only_hangul_filler_characters_is_refused(api, name):
    focal = api("focal_point")
    resp = focal.post("/cases", json={"given_names": name})
    assert resp.status_code == 422, resp.json
    assert "given_names" in resp.json["error"]["fields"]
    ref = focal.post("/cases", json={"given_names": "Ana"}).json["reference"]
    resp = api("family_liaison").post(
        f"/cases/{ref}/relatives", json={"full_name": name, "relationship": "mother"}
    )
    assert resp.status_code == 422, resp.json
    assert "full_name" in resp.json["error"]["fields"]


# --- the required note of a reopening may be made of invisible characters only ----------------


@pytest.mark.parametrize("note", ["\u200b", "\u200b\u2060", "\u3164"])
def test_reopening_needs_a_note_with_something_visible(api, note):
    focal = api("focal_point")
    ref = focal.post("/cases", json={"given_names": "Ana"}).json["reference"]
    closed = focal.post(
        f"/cases/{ref}/status",
        json={"status": "closed", "closure_reason": "withdrawn_by_family", "note": "stop"},
    )
    assert closed.status_code == 200, closed.json
    resp = focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": note})
    assert resp.status_code == 422, resp.json
    assert "note" in resp.json["error"]["fields"]
    assert focal.get(f"/cases/{ref}").json["status"] == "closed"


# --- the case page's status form forgets what the user chose when it is refused ---------------


def _selected(html: str, value: str) -> bool:
    return any(
        "selected" in option for option in re.findall(rf'<option[^>]*value="{value}"[^>]*>', html)
    )


def test_the_status_form_keeps_the_users_choices_and_note_when_refused(
    client, login, make_user, api
):
    focal = api("focal_point")
    ref = focal.post("/cases", json={"given_names": "Ana"}).json["reference"]
    focal.post(f"/cases/{ref}/status", json={"status": "active_search", "note": "go"})
    assert login(make_user("focal_point")).status_code == 302
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    data = form_values(page, f"/cases/{ref}/status") | {
        "status": "closed",
        "closure_reason": "duplicate",
        "duplicate_of": "",
        "note": "A long note the focal point typed about the two reports.",
    }
    resp = client.post(f"/cases/{ref}/status", data=data, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "A long note the focal point typed about the two reports." in html
    assert _selected(html, "closed") and _selected(html, "duplicate")


# --- gunicorn: a refusal to start prints a traceback -------------------------------------------


def test_gunicorn_refuses_a_missing_key_file_without_a_traceback(settings, api, tmp_path):
    pytest.importorskip("gunicorn")
    api("focal_point").post("/cases", json={"given_names": "Ana"})  # the database has data keys
    env = dict(
        os.environ,
        CASEWORK_ENV="testing",
        CASEWORK_DATABASE_URL=settings.database_url,
        CASEWORK_KEYRING_FILE=str(tmp_path / "missing-keyring.json"),
        CASEWORK_SECRET_KEY="s" * 48,
        PYTHONPATH=os.getcwd(),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-b", "127.0.0.1:0", "casework:create_app()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "missing" in output
    assert "Traceback" not in output, output
