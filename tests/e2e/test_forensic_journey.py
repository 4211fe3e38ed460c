"""A forensic officer's journey in a real browser, through the pages alone: record unidentified
remains, review their candidate cases side by side, record a post-mortem sample and the
laboratory's match report, record a DNA identification that they cannot confirm themselves; a
focal point of the same organisation confirms it, and the remains, the case's timeline and its
status follow. No sample identifier, mark or name ever appears in a URL.

What belongs to other roles (the case, the relative, the consent for DNA, the family reference
and the DNA database) is set up through the JSON API, as those roles would."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LoginPage
from tests.e2e.pages import (
    UUID,
    CasePage,
    IdentificationListPage,
    MatchReportsPage,
    RemainsListPage,
    RemainsPage,
    RequestLog,
)
from tests.helpers import PASSWORD

DATABASE = "Banco Nacional de Datos Genéticos"
FAMILY_SAMPLE = "SV-FR-2026/00123"
POST_MORTEM_SAMPLE = "MX-PM-2025/04417"
LAB_REPORT = "LAB-MX-2026-0042"
MARKS = "Tattoo of an eagle on the right forearm"
EFFECTS = "Red cap, black backpack, rosary"
CANARIES = (
    "Yonas",
    "Tesfaye",
    "Dawit",
    FAMILY_SAMPLE,
    "SVFR202600123",
    "FR-2026",
    POST_MORTEM_SAMPLE,
    "MXPM202504417",
    LAB_REPORT,
    "eagle",
    "forearm",
    "Tattoo",
    "backpack",
    "rosary",
)


@dataclass
class Setup:
    reference: str
    focal: Any  # the focal point who registered the case (an API caller with .user)


@pytest.fixture
def setup(api) -> Setup:
    """What other roles did before the forensic officer's work: a focal point registers the
    case (in active search), the missing man's brother with his consent for DNA, and the
    brother's family reference; an administrator registers the DNA database."""
    focal = api("focal_point")
    case = focal.post(
        "/cases",
        json={
            "given_names": "Yonas",
            "family_names": "Tesfaye",
            "sex": "male",
            "nationality": "SV",
            "age_band": "25-34",
            "stature_min_cm": 165,
            "stature_max_cm": 175,
            "last_seen_date": "2025-06-10",
            "last_seen_country": "MX",
            "route_countries": ["GT", "MX"],
            "distinguishing_marks": "Tattoo of an eagle on his right forearm",
            "clothing_and_belongings": "Red cap and a black backpack",
        },
    )
    assert case.status_code == 201, case.json
    reference = case.json["reference"]
    moved = focal.post(
        f"/cases/{reference}/status", json={"status": "active_search", "note": "Search opened."}
    )
    assert moved.status_code == 200, moved.json
    relative = focal.post(
        f"/cases/{reference}/relatives",
        json={"full_name": "Dawit Tesfaye", "relationship": "brother"},
    )
    assert relative.status_code == 201, relative.json
    consent = focal.post(
        f"/relatives/{relative.json['id']}/consents",
        json={"purpose": "dna", "scope": [{"kind": "any"}]},
    )
    assert consent.status_code == 201, consent.json
    database = api("admin").post(
        "/dna-databases",
        json={
            "name": DATABASE,
            "institution": "Instituto de Medicina Legal",
            "country": "SV",
            "kind": "national_genetic_bank",
        },
    )
    assert database.status_code == 201, database.json
    family = focal.post(
        f"/cases/{reference}/dna-references",
        json={
            "database_id": database.json["id"],
            "sample_id": FAMILY_SAMPLE,
            "sample_kind": "family_reference",
            "relative_id": relative.json["id"],
            "donor_relationship": "brother",
            "consent_id": consent.json["id"],
        },
    )
    assert family.status_code == 201, family.json
    return Setup(reference=reference, focal=focal)


def _sign_in(page, user) -> None:
    LoginPage(page).open().sign_in(user.email, PASSWORD)
    page.wait_for_url(re.compile(r"/(#messages)?$"))


def test_forensic_officer_identifies_remains_and_a_second_person_confirms(page, make_user, setup):
    log = RequestLog(page)
    today = dt.datetime.now(dt.UTC).date().isoformat()  # the server dates "today" in UTC
    reference = setup.reference
    officer = make_user("forensic")
    _sign_in(page, officer)

    # Record the remains from the remains list.
    form = RemainsListPage(page).open_from_nav().register()
    form.fill(
        found_date="2025-09",
        found_country="MX",
        found_place="Ejido near Altar, Sonora",
        recovery_context="Recovered by a search collective.",
        sex="male",
        age=(25, 35),
        stature=(168, 176),
        marks=MARKS,
        effects=EFFECTS,
    )
    remains = form.record()
    remains_reference = remains.reference()
    remains.expect_flash(f"Remains {remains_reference} recorded.")
    remains_url = page.url.removesuffix("#messages")  # the redirect lands on the message
    assert remains.status() == "unidentified"
    expect(remains.value("found_date")).to_have_text("2025-09")
    expect(remains.value("found_country")).to_have_text("Mexico")
    expect(remains.value("sex")).to_have_text("Male")
    expect(remains.value("age")).to_have_text("25–35 years")
    expect(remains.value("stature")).to_have_text("168–176 cm")
    expect(remains.value("distinguishing_marks")).to_have_text(MARKS)
    expect(remains.value("effects")).to_have_text(EFFECTS)

    # Its candidate cases: the missing man ranks first, likely, with every factor shown.
    candidates = remains.open_candidates()
    expect(candidates.row(reference)).to_have_count(1)
    assert candidates.references()[0] == reference
    expect(candidates.band(reference)).to_have_text("Likely")
    expect(candidates.row(reference)).to_contain_text("Yonas Tesfaye")
    factors = candidates.factors(reference)
    assert set(factors) == {"sex", "age", "stature", "date", "geography", "terms"}
    assert all(value > 0 for value in factors.values()), factors
    assert candidates.score(reference) == pytest.approx(sum(factors.values()), abs=0.02)

    # Side by side: both records, and how they match.
    compare = candidates.compare(reference)
    expect(compare.heading()).to_be_visible()
    expect(page.locator("#case-reference")).to_have_text(reference)
    expect(page.locator("#remains-reference")).to_have_text(remains_reference)
    expect(page.locator("#case-name")).to_have_text("Yonas Tesfaye")
    expect(compare.case_column("row-sex")).to_have_text("Male")
    expect(compare.remains_column("row-sex")).to_have_text("Male")
    expect(compare.remains_column("row-marks")).to_have_text(MARKS)
    expect(compare.score()).to_have_attribute("data-band", "likely")
    expect(compare.factor_rows()).to_have_count(6)
    expect(page.locator("#shared-terms")).to_contain_text("in common")

    # Record the post-mortem sample taken from the remains.
    remains = compare.open_remains()
    assert page.url == remains_url
    samples = remains.open_samples()
    expect(page.get_by_text("No post-mortem sample recorded yet.")).to_be_visible()
    samples.record_sample(database=DATABASE, sample_id=POST_MORTEM_SAMPLE, collected=today)
    expect(samples.rows()).to_have_count(1)
    expect(samples.rows().first).to_contain_text(POST_MORTEM_SAMPLE)
    expect(samples.rows().first).to_have_attribute("data-custody", "collected")
    page.get_by_role("link", name="Remains page").click()
    page.wait_for_url(re.compile(re.escape(remains_url) + "(#messages)?$"))

    # The laboratory reports a match between the brother's reference and that sample.
    reports = MatchReportsPage(page).open_from_nav()
    expect(page.get_by_text("No match report.")).to_be_visible()
    report = reports.record(
        family_reference=FAMILY_SAMPLE,
        post_mortem=POST_MORTEM_SAMPLE,
        lab_report=LAB_REPORT,
        likelihood_ratio="1.2e9",
        reported=today,
    )
    assert report.status() == "reported"
    expect(report.value("lab-report")).to_have_text(LAB_REPORT)
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    expect(page.get_by_role("link", name=remains_reference)).to_be_visible()
    report_url = page.url.removesuffix("#messages")

    # Record the identification: DNA, on that report, of those remains.
    identifications = IdentificationListPage(page).open_from_nav()
    form = identifications.record_for(reference)
    expect(page.locator("#case-reference")).to_have_text(reference)
    ident = form.record(
        method="dna", match_report=LAB_REPORT, remains=remains_reference, identified=today
    )
    identification_url = page.url.removesuffix("#messages")
    assert ident.status() == "recorded"
    expect(ident.value("method")).to_have_text("DNA (laboratory match report)")
    expect(ident.value("remains")).to_have_text(remains_reference)
    expect(ident.value("recorded-by")).to_contain_text(officer.email)
    # The person who recorded it cannot confirm it.
    expect(ident.awaiting_second_person()).to_be_visible()
    expect(ident.awaiting_second_person()).to_contain_text("Awaiting a second person")
    expect(page.locator("#submit-confirm")).to_have_count(0)
    expect(page.locator("#submit-reject")).to_have_count(0)
    identifications = IdentificationListPage(page).open_from_nav()
    expect(identifications.row(reference)).to_contain_text("awaiting a second person")
    LoginPage(page).sign_out()

    # A second person, the case's focal point, confirms it.
    _sign_in(page, setup.focal.user)
    identifications = IdentificationListPage(page).open_from_nav()
    row = identifications.row(reference)
    expect(row).to_contain_text("Awaiting confirmation")
    expect(row).to_contain_text("awaiting your review")
    ident = identifications.open(reference)
    assert page.url == identification_url
    expect(ident.awaiting_second_person()).to_have_count(0)
    ident.confirm()
    assert ident.status() == "confirmed"
    expect(ident.value("confirmed-by")).to_contain_text(setup.focal.user.email)

    # The match report is confirmed with it, the remains are identified as the case's person.
    ident.value("match-report").get_by_role("link", name="Open the match report").click()
    page.wait_for_url(re.compile(re.escape(report_url) + "(#messages)?$"))
    expect(page.locator("#report-status")).to_have_attribute("data-status", "confirmed")
    page.go_back()
    page.wait_for_url(re.compile(re.escape(identification_url) + "(#messages)?$"))
    ident.value("remains").get_by_role("link", name=remains_reference).click()
    page.wait_for_url(re.compile(rf"/remains/{UUID}(#messages)?$"))
    remains = RemainsPage(page)
    assert remains.status() == "identified"
    expect(remains.identified_as().get_by_role("link", name=reference)).to_be_visible()

    # The case's timeline shows the identification; the focal point closes the search.
    remains.identified_as().get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(rf"/cases/{reference}(#messages)?$"))
    case = CasePage(page)
    kinds = case.timeline_kinds()
    assert "identification_recorded" in kinds and "identification_confirmed" in kinds, kinds
    expect(case.timeline().filter(has_text="Identification confirmed")).to_have_count(1)
    case.change_status("deceased_identified", "Identified by DNA; the family will be told.")
    assert case.status() == "deceased_identified"
    expect(page.locator("#case-status")).to_have_text("Deceased, identified")

    leaks = log.leaks(*CANARIES)
    assert not leaks, leaks
