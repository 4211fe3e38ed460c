"""Demo DNA data: three DNA databases; family references of the Salvadoran directorate's cases
at several custody steps (Óscar Rivera's at received, Dawit Tesfaye's uploaded), a personal
effect at collected, post-mortem samples of the demo remains, and one reported match between
Dawit Tesfaye's reference and the sample of the remains found in Panama (the identification
demo confirms it). Every record is written through the services, by the demo's users."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from casework.access import Access
from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases.models import Case
from casework.db import utcnow
from casework.dna import operations, queries
from casework.dna.models import DnaDatabase, DnaReference
from casework.dna.schemas import (
    CustodyStepSchema,
    DnaDatabaseCreateSchema,
    DnaReferenceCreateSchema,
    MatchReportCreateSchema,
    PostMortemCreateSchema,
)
from casework.families import queries as family_queries
from casework.families.models import ConsentPurpose

ADMIN, FOCAL, FORENSIC = "admin@sv.demo", "focal@sv.demo", "forensic@sv.demo"
BANK, ICMP, IFAMILIA = (
    "Banco Nacional de Datos Genéticos",
    "ICMP",
    "Interpol I-Familia",
)
DATABASES = [
    {
        "name": BANK,
        "institution": "Instituto de Medicina Legal",
        "country": "SV",
        "kind": "national_genetic_bank",
    },
    {
        "name": ICMP,
        "institution": "International Commission on Missing Persons",
        "country": "NL",
        "kind": "icmp",
    },
    {
        "name": IFAMILIA,
        "institution": "INTERPOL General Secretariat",
        "country": "FR",
        "kind": "interpol_ifamilia",
    },
]
ORDER = ("shipped", "received", "profiled", "uploaded")

# Family references, keyed by the case's family names (clear only here, in the demo script):
# the donor's full name, the database, the sample id, days ago collected, the last step.
FAMILY_REFERENCES = [
    ("Rivera Campos", "Óscar Rivera", "father", BANK, "SV-BNDG-2026/00417", 30, "received"),
    ("Tesfaye", "Dawit Tesfaye", "brother", ICMP, "ICMP-FR-2025-CA-0042", 120, "uploaded"),
]
# A personal effect of a missing person: family names, database, sample id, note.
PERSONAL_EFFECTS = [
    ("Hernández López", BANK, "SV-BNDG-2026/00503", "Toothbrush handed over by the mother."),
]
# Post-mortem samples of the demo remains, found by country: database, sample id, days ago
# collected, last step.
POST_MORTEM = [
    ("US", ICMP, "ICMP-PM-2026-US-0311", 60, "profiled"),
    ("PA", ICMP, "ICMP-PM-2025-PA-0027", 150, "uploaded"),
]


def _day(today: dt.date, days_ago: int) -> str:
    return (today - dt.timedelta(days=days_ago)).isoformat()


def _advance(
    session: Session, actor: Actor, ref: DnaReference, last: str, start: int, today: dt.date
) -> None:
    """Custody steps up to `last`, a few days apart, from `start` days ago."""
    days_ago = start
    for status in ORDER[: ORDER.index(last) + 1] if last in ORDER else ():
        days_ago = max(days_ago - 5, 0)
        data = CustodyStepSchema().load({"status": status, "date": _day(today, days_ago)})
        operations.record_custody_step(session, actor, ref, data, ref.version)


def _databases(session: Session, admin: User | None) -> dict[str, DnaDatabase]:
    found: dict[str, DnaDatabase] = {}
    for entry in DATABASES:
        existing = queries.database_by_name(session, entry["name"])
        if existing is None and admin is not None:
            actor = Actor.for_user(admin, via="demo")
            existing = operations.create_database(
                session, actor, DnaDatabaseCreateSchema().load(entry)
            )
        if existing is not None:
            found[entry["name"]] = existing
    return found


def load_demo_dna(
    session: Session, organisations: list[Organisation], users: dict[str, User]
) -> None:
    databases = _databases(session, users.get(ADMIN))
    focal, forensic = users.get(FOCAL), users.get(FORENSIC)
    if not organisations or focal is None or len(databases) < len(DATABASES):
        return
    org = organisations[0]
    today = utcnow().date()
    focal_actor = Actor.for_user(focal, via="demo")
    cases: dict[str, Case] = {
        case.family_names: case
        for case in family_queries.cases_of_organisation(session, org.id)
        if case.family_names and not case.is_shredded
    }
    family: dict[str, DnaReference] = {}
    for names, donor, relationship, db_name, sample_id, ago, last in FAMILY_REFERENCES:
        case = cases.get(names)
        if case is None:
            continue
        ref = _family_reference(
            session, focal_actor, case, donor, relationship, databases[db_name], sample_id, ago
        )
        if ref is not None:
            _advance(session, focal_actor, ref, last, ago, today)
            family[names] = ref
    for names, db_name, sample_id, note in PERSONAL_EFFECTS:
        case = cases.get(names)
        if case is None:
            continue
        data = DnaReferenceCreateSchema().load(
            {
                "database_id": str(databases[db_name].id),
                "sample_id": sample_id,
                "sample_kind": "personal_effect",
                "collected_date": _day(today, 3),
                "note": note,
            }
        )
        operations.create_case_reference(session, focal_actor, case, data)
    if forensic is None:
        return
    forensic_actor = Actor.for_user(forensic, via="demo")
    post_mortem: dict[str, DnaReference] = {}
    for country, db_name, sample_id, ago, last in POST_MORTEM:
        remains = queries.remains_found_in(session, org.id, country)
        if remains is None:
            continue
        data = PostMortemCreateSchema().load(
            {
                "database_id": str(databases[db_name].id),
                "sample_id": sample_id,
                "collected_date": _day(today, ago),
            }
        )
        ref = operations.create_post_mortem_reference(session, forensic_actor, remains, data)
        _advance(session, forensic_actor, ref, last, ago, today)
        post_mortem[country] = ref
    if "Tesfaye" in family and "PA" in post_mortem:
        data = MatchReportCreateSchema().load(
            {
                "family_reference_id": str(family["Tesfaye"].id),
                "post_mortem_reference_id": str(post_mortem["PA"].id),
                "lab_report_reference": "ICMP-LR-2026-0193",
                "likelihood_ratio": 1.2e12,
                "reported_date": _day(today, 2),
            }
        )
        operations.create_match_report(session, forensic_actor, data)


def _family_reference(
    session: Session,
    actor: Actor,
    case: Case,
    donor: str,
    relationship: str,
    database: DnaDatabase,
    sample_id: str,
    days_ago: int,
) -> DnaReference | None:
    """A family reference from the relative of the case named `donor`, relying on their
    consent for DNA (the families demo records it)."""
    relatives, _total = family_queries.relatives_of_case(Access(session, actor), case.id, 1, 100)
    relative = next((r for r in relatives if r.full_name == donor), None)
    if relative is None:
        return None
    consents = family_queries.active_consents_of_relative(session, relative.id, ConsentPurpose.dna)
    body: dict[str, Any] = {
        "database_id": str(database.id),
        "sample_id": sample_id,
        "sample_kind": "family_reference",
        "relative_id": str(relative.id),
        "donor_relationship": relationship,
        "collected_date": _day(utcnow().date(), days_ago),
    }
    if consents:
        body["consent_id"] = str(consents[0].id)
    data = DnaReferenceCreateSchema().load(body)
    return operations.create_case_reference(session, actor, case, data)
