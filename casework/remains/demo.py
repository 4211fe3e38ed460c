"""Demo remains recorded by the Salvadoran directorate's medico-legal unit (forensic@sv.demo):
invented records, one the likely candidate of the demo case Rivera Campos, one to be
identified as the demo case Tesfaye by the identification demo."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.remains import operations
from casework.remains.schemas import RemainsCreateSchema

FORENSIC_EMAIL = "forensic@sv.demo"

DEMO_REMAINS: list[dict[str, Any]] = [
    # The likely candidate of Rivera Campos (female, 16, last seen 2025-09-20 in the US).
    {
        "sex": "female",
        "age_min": 14,
        "age_max": 19,
        "stature_min_cm": 150,
        "stature_max_cm": 160,
        "found_date": "2025-11",
        "found_country": "US",
        "found_place": "Desert near Sasabe, Arizona",
        "recovery_context": "Found by a humanitarian search group",
        "distinguishing_marks": "Scar on the left knee; pierced ears",
        "effects": "Pink backpack, rosary with white beads, denim jacket",
    },
    # To be identified as Tesfaye by the identification demo (DNA).
    {
        "sex": "male",
        "age_min": 25,
        "age_max": 35,
        "stature_min_cm": 170,
        "stature_max_cm": 180,
        "found_date": "2024-06",
        "found_country": "PA",
        "found_place": "Darién, near Bajo Chiquito",
        "distinguishing_marks": "Scar on the chin",
        "effects": "Black jacket, Eritrean identity card fragment",
    },
    {
        "sex": "male",
        "age_min": 40,
        "age_max": 60,
        "found_date": "2025-02-10",
        "found_country": "MX",
        "found_place": "Río Bravo near Piedras Negras",
        "distinguishing_marks": "Tattoo of an eagle on the back",
        "effects": "Grey sweatshirt",
    },
]


def load_demo_remains(
    session: Session, organisations: list[Organisation], users: dict[str, User]
) -> None:
    """Record the demo remains through the service, validated as the API would."""
    forensic = users.get(FORENSIC_EMAIL)
    if forensic is None or forensic.organisation_id != organisations[0].id:
        return
    actor = Actor.for_user(forensic, via="demo")
    for entry in DEMO_REMAINS:
        operations.create_remains(session, actor, RemainsCreateSchema().load(entry))
    session.flush()
