"""The DNA pages with the Flask test client: a focal point records a family reference and moves
its custody (refusals flashed), the consent gate shows on the page and the case page; forensic
staff record post-mortem samples and match reports, and exclude one; the sample look-up; the
database registry."""

from __future__ import annotations

import re

from tests.dna.conftest import days
from tests.dna.helpers import CANARY_SAMPLE, CANARY_SAMPLE_OTHER_WRITING
from tests.helpers import csrf_from


def _page(client, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _post(client, url: str, page_html: str, data: dict, status: int = 302):
    resp = client.post(url, data={"csrf_token": csrf_from(page_html), **data})
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:3000])
    return resp


def _step_form(html: str, ref_id: str) -> dict[str, str]:
    row = html[html.index(f'id="ref-{ref_id}"') :]
    status = re.search(r'name="status"[^>]*value="([a-z]+)"', row).group(1)
    version = re.search(r'name="version"[^>]*value="(\d+)"', row).group(1)
    return {"status": status, "version": version}


def _flashes(html: str) -> list[str]:
    return re.findall(r'class="flash flash-\w+"[^>]*>([^<]*)<', html)


def test_focal_point_records_a_family_reference_and_moves_it(
    client, login, make_user, make_case, make_relative, make_database
):
    ref = make_case()
    relative_id = make_relative(ref)
    database_id = make_database("Banco de prueba")
    focal = make_user("focal_point")
    assert login(focal).status_code == 302

    home = _page(client, "/")
    for url in ("/match-reports", "/dna-references/search", "/dna-databases"):
        assert f'href="{url}"' in home
    case_page = _page(client, f"/cases/{ref}")
    assert f'href="/cases/{ref}/dna"' in case_page

    page = _page(client, f"/cases/{ref}/dna")
    assert "Rosa Canarina (mother)" in page  # the donor picker shows name and relationship
    assert "Rosa Canarina: consent for DNA given" in page
    consent_id = re.search(r'<option value="([0-9a-f-]{36})">Rosa Canarina: consent', page).group(1)

    # A refused form shows the errors and stores nothing.
    refused = _post(
        client,
        f"/cases/{ref}/dna",
        page,
        {"sample_kind": "family_reference", "database_id": database_id, "sample_id": "--"},
        status=422,
    )
    assert "Needs at least one letter or digit." in refused.get_data(as_text=True) or (
        "Required for a family reference" in refused.get_data(as_text=True)
    )

    _post(
        client,
        f"/cases/{ref}/dna",
        page,
        {
            "sample_kind": "family_reference",
            "database_id": database_id,
            "sample_id": CANARY_SAMPLE,
            "relative_id": relative_id,
            "donor_relationship": "mother",
            "consent_id": consent_id,
            "collected_date": days(-5),
        },
    )
    page = _page(client, f"/cases/{ref}/dna")
    assert CANARY_SAMPLE in page and "Banco de prueba" in page
    assert "consent for DNA valid" in page
    ref_id = re.search(r'id="ref-([0-9a-f-]{36})"', page).group(1)
    form = _step_form(page, ref_id)
    assert form == {"status": "shipped", "version": "1"}

    # A date before the previous step: refused, flashed, nothing stored.
    resp = _post(client, f"/dna-references/{ref_id}/custody", page, {**form, "date": days(-9)})
    page = _page(client, resp.headers["Location"])
    assert any("May not be before the previous step" in f for f in _flashes(page))
    assert _step_form(page, ref_id) == {"status": "shipped", "version": "1"}

    # An out-of-order step (forged form): refused with the expected step named.
    _post(
        client,
        f"/dna-references/{ref_id}/custody",
        page,
        {"status": "profiled", "version": "1", "date": days(-1)},
    )
    page = _page(client, f"/cases/{ref}/dna")
    assert any("The next custody step is shipped." in f for f in _flashes(page))

    _post(
        client,
        f"/dna-references/{ref_id}/custody",
        page,
        {**form, "date": days(-1), "note": "by courier"},
    )
    page = _page(client, f"/cases/{ref}/dna")
    assert any("Custody step recorded: shipped." in f for f in _flashes(page))
    assert _step_form(page, ref_id) == {"status": "received", "version": "2"}
    assert "by courier" in page
    timeline = _page(client, f"/cases/{ref}")
    assert "DNA sample custody: shipped" in timeline


def test_consent_withdrawn_stops_custody_and_warns_on_the_case_page(
    client, login, api, make_user, make_case, make_relative, make_database, database
):
    ref = make_case()
    relative_id = make_relative(ref)
    focal_api = api("focal_point")
    created = focal_api.post(
        f"/cases/{ref}/dna-references",
        json={
            "database_id": make_database(),
            "sample_id": "W-1",
            "sample_kind": "family_reference",
            "relative_id": relative_id,
            "donor_relationship": "mother",
        },
    ).json
    consents = focal_api.get(f"/relatives/{relative_id}/consents").json["items"]
    (dna,) = [c for c in consents if c["purpose"] == "dna"]
    withdrawn = focal_api.post(f"/consents/{dna['id']}/withdraw", json={"reason": "changed mind"})
    assert withdrawn.status_code == 200

    focal = make_user("focal_point")
    login(focal)
    case_page = _page(client, f"/cases/{ref}")
    assert 'id="case-warnings"' in case_page
    assert "relies on a consent for DNA that was withdrawn or is missing" in case_page
    assert "Rosa" not in case_page.split('id="case-warnings"')[1].split("</section>")[0]

    page = _page(client, f"/cases/{ref}/dna")
    assert "no valid consent for DNA" in page
    form = _step_form(page, created["id"])
    _post(client, f"/dna-references/{created['id']}/custody", page, form)
    page = _page(client, f"/cases/{ref}/dna")
    assert any("no valid consent for DNA (purpose dna)" in f for f in _flashes(page))
    assert _step_form(page, created["id"]) == {"status": "shipped", "version": "1"}


def test_forensic_records_samples_and_match_reports_through_the_pages(
    client, login, api, make_user, make_case, make_relative, make_remains, make_database
):
    ref = make_case()
    relative_id = make_relative(ref)
    remains_id = make_remains()
    database_id = make_database("Laboratorio Forense")
    family = (
        api("focal_point")
        .post(
            f"/cases/{ref}/dna-references",
            json={
                "database_id": database_id,
                "sample_id": "FAM-7",
                "sample_kind": "family_reference",
                "relative_id": relative_id,
                "donor_relationship": "mother",
            },
        )
        .json
    )
    forensic = make_user("forensic")
    login(forensic)

    page = _page(client, f"/remains/{remains_id}/dna")
    _post(
        client,
        f"/remains/{remains_id}/dna",
        page,
        {"database_id": database_id, "sample_id": "PM 0042", "collected_date": days(-2)},
    )
    page = _page(client, f"/remains/{remains_id}/dna")
    assert "PM 0042" in page
    pm_id = re.search(r'id="ref-([0-9a-f-]{36})"', page).group(1)
    _post(client, f"/dna-references/{pm_id}/custody", page, _step_form(page, pm_id))
    page = _page(client, f"/remains/{remains_id}/dna")
    assert _step_form(page, pm_id)["status"] == "received"

    reports = _page(client, "/match-reports")
    assert f'value="{family["id"]}"' in reports and f'value="{pm_id}"' in reports
    resp = _post(
        client,
        "/match-reports",
        reports,
        {
            "family_reference_id": family["id"],
            "post_mortem_reference_id": pm_id,
            "lab_report_reference": "LAB-2026-0042",
            "likelihood_ratio": "2.5e9",
            "reported_date": days(0),
        },
    )
    report_url = resp.headers["Location"].removesuffix("#messages")
    report = _page(client, report_url)
    assert "LAB-2026-0042" in report and ref in report and 'id="submit-exclude"' in report
    # The likelihood ratio reads the same on the report and in the list (reported as 2.5e9).
    assert '<data value="2500000000.0">2.5\u00a0×\u00a010⁹</data>' in report
    listed = _page(client, "/match-reports")
    assert ref in listed and 'data-status="reported"' in listed
    assert '<data value="2500000000.0">2.5\u00a0×\u00a010⁹</data>' in listed
    assert "2500000000.0<" not in listed and "2500000000.0<" not in report
    # The list links the case reference.
    assert f'<a href="/cases/{ref}/dna">{ref}</a>' in listed

    # Excluding needs a reason.
    _post(client, report_url + "/exclude", report, {"reason": ""}, status=422)
    _post(client, report_url + "/exclude", report, {"reason": "tube mislabelled"})
    report = _page(client, report_url)
    assert 'data-status="excluded"' in report and "tube mislabelled" in report
    assert 'id="submit-exclude"' not in report


def test_forensic_case_page_offers_personal_effects_only(
    client, login, make_user, make_case, make_relative, make_database
):
    """A forensic officer cannot see relatives, so cannot pick a family reference's donor: the
    case's DNA page offers them personal effects, and says who records family references."""
    ref = make_case()
    make_relative(ref)
    database_id = make_database("Laboratorio Forense")
    officer = make_user("forensic")
    login(officer)
    page = _page(client, f"/cases/{ref}/dna")
    form = page[page.index('id="add-reference"') :]
    assert 'value="family_reference"' not in form and 'value="personal_effect"' in form
    for name in ("relative_id", "donor_relationship", "consent_id"):
        assert f'name="{name}"' not in form
    assert 'id="family-references-elsewhere"' in page
    assert "Family references are recorded by a focal point" in page
    _post(
        client,
        f"/cases/{ref}/dna",
        page,
        {"sample_kind": "personal_effect", "database_id": database_id, "sample_id": "PE-11"},
    )
    page = _page(client, f"/cases/{ref}/dna")
    assert "PE-11" in page and "Personal effect" in page
    client.post("/logout", data={"csrf_token": csrf_from(page)})

    # A focal point, who sees the relatives, is offered both kinds and the donor.
    login(make_user("focal_point"))
    page = _page(client, f"/cases/{ref}/dna")
    form = page[page.index('id="add-reference"') :]
    assert 'value="family_reference"' in form and 'name="relative_id"' in form
    assert 'id="family-references-elsewhere"' not in page


def test_likelihood_ratios_read_plainly_or_in_powers_of_ten():
    from casework.dna.display import ratio_text

    assert ratio_text(1.2e9) == "1.2\u00a0×\u00a010⁹"
    assert ratio_text(1.23456e12) == "1.23\u00a0×\u00a010¹²"
    assert ratio_text(1e6) == "1\u00a0×\u00a010⁶"
    assert ratio_text(2e-5) == "2\u00a0×\u00a010⁻⁵"
    assert [ratio_text(v) for v in (10, 250.0, 0.5, 1234.0, 0.0025)] == [
        "10",
        "250",
        "0.5",
        "1,234",
        "0.0025",
    ]
    assert ratio_text(None) == "—"


def test_sample_look_up_page_finds_any_writing(
    client, login, api, make_user, make_case, make_relative, make_database
):
    ref = make_case()
    api("focal_point").post(
        f"/cases/{ref}/dna-references",
        json={
            "database_id": make_database(),
            "sample_id": CANARY_SAMPLE,
            "sample_kind": "family_reference",
            "relative_id": make_relative(ref),
            "donor_relationship": "mother",
        },
    )
    login(make_user("focal_point"))
    page = _page(client, "/dna-references/search")
    resp = client.post(
        "/dna-references/search",
        data={"csrf_token": csrf_from(page), "sample_id": CANARY_SAMPLE_OTHER_WRITING},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="results"' in html
    assert CANARY_SAMPLE in html and f'href="/cases/{ref}/dna"' in html
    empty = client.post(
        "/dna-references/search", data={"csrf_token": csrf_from(page), "sample_id": "nope-1"}
    ).get_data(as_text=True)
    assert "No sample reference of your organisation has this identifier." in empty


def test_database_registry_page(client, login, make_user):
    admin = make_user("admin")
    login(admin)
    page = _page(client, "/dna-databases")
    assert 'id="submit-database"' in page
    _post(
        client,
        "/dna-databases",
        page,
        {"name": "ICMP test", "institution": "ICMP", "country": "nl", "kind": "icmp"},
    )
    page = _page(client, "/dna-databases")
    assert "ICMP test" in page and ">NL<" in page
    dup = _post(
        client,
        "/dna-databases",
        page,
        {"name": "ICMP test", "institution": "ICMP", "country": "NL", "kind": "icmp"},
        status=409,
    )
    assert "already" in dup.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(page)})

    focal = make_user("focal_point")
    login(focal)
    page = _page(client, "/dna-databases")
    assert "ICMP test" in page and 'id="submit-database"' not in page
    assert client.post("/dna-databases", data={"csrf_token": csrf_from(page)}).status_code == 403


def test_roles_without_the_action_are_refused(client, login, make_user, make_case):
    ref = make_case()
    login(make_user("family_liaison"))
    assert client.get(f"/cases/{ref}/dna").status_code == 403
    assert client.get("/match-reports").status_code == 403
    assert client.get("/dna-references/search").status_code == 403
