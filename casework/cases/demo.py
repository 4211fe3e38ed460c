"""Demo cases for the Salvadoran and Guatemalan focal points: invented people, realistic routes.

Every status appears (deceased_identified, and closing after it, through
`set_status_unchecked`: identifications and family notifications are not part of this demo
data); names are in Latin, Arabic and Ge'ez script; some cases carry protection flags.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.auth.models import Organisation, User
from casework.auth.policy import Actor
from casework.cases import operations
from casework.cases.models import CaseStatus, ClosureReason
from casework.cases.schemas import CaseCreateSchema

S, R = CaseStatus, ClosureReason
DARIEN_ROUTE = ["CO", "PA", "CR", "NI", "HN", "GT", "MX"]

# (focal point's email, case fields, [(status, note, closure reason, checked?)])
DEMO_CASES: list[
    tuple[str, dict[str, Any], list[tuple[CaseStatus, str, ClosureReason | None, bool]]]
] = [
    (
        "focal@sv.demo",
        {
            "given_names": "José Antonio",
            "family_names": "Hernández López",
            "sex": "male",
            "date_of_birth": "1998-02-11",
            "nationality": "SV",
            "languages": ["es"],
            "place_of_origin": "San Miguel",
            "last_seen_date": "2025-03",
            "last_seen_country": "MX",
            "last_seen_place": "Tapachula, Chiapas",
            "route_countries": ["GT", "MX"],
            "event_type": "land_crossing",
            "circumstances": "Left with a group organised by a smuggler; last call from Tapachula.",
            "distinguishing_marks": "Tattoo of a rose on the right forearm",
            "clothing_and_belongings": "Grey hoodie, blue backpack",
        },
        [
            (
                S.active_search,
                "Family interview done; search opened with Mexican partners.",
                None,
                True,
            )
        ],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "Jose Antonio",
            "family_names": "Hernandez",
            "sex": "male",
            "date_of_birth": "1998",
            "nationality": "SV",
            "last_seen_date": "2025",
            "last_seen_country": "MX",
            "circumstances": "Reported by a cousin; probably the same person as an earlier report.",
        },
        [],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "María Fernanda",
            "family_names": "Rivera Campos",
            "sex": "female",
            "date_of_birth": "2009-07-02",
            "nationality": "SV",
            "languages": ["es"],
            "last_seen_date": "2025-09-20",
            "last_seen_country": "US",
            "last_seen_place": "Desert south of Sasabe, Arizona",
            "route_countries": ["GT", "MX", "US"],
            "event_type": "desert_crossing",
            "vulnerabilities": ["child", "unaccompanied"],
            "circumstances": "Crossed with a group of twelve; separated at night.",
            "stature_min_cm": 150,
            "stature_max_cm": 160,
            "distinguishing_marks": "Scar on her left knee; pierced ears",
            "clothing_and_belongings": "Pink backpack, a rosary, denim jacket",
        },
        [],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "Carlos Eduardo",
            "family_names": "Martínez Zelaya",
            "sex": "male",
            "date_of_birth": "1990",
            "nationality": "HN",
            "languages": ["es"],
            "last_seen_date": "2024-11",
            "last_seen_country": "MX",
            "last_seen_place": "Migrant station, Mexico City",
            "event_type": "detention",
        },
        [
            (S.active_search, "Detention centres asked.", None, True),
            (S.located_alive, "Found in a shelter in Monterrey; he called his mother.", None, True),
            (S.closed, "Family informed; case closed.", R.located, True),
        ],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "محمد",
            "family_names": "الأحمد",
            "aliases": ["Mohamed Al-Ahmad", "Muhammad Alahmad"],
            "sex": "male",
            "date_of_birth": "1987-05",
            "nationality": "SY",
            "languages": ["ar", "apc"],
            "place_of_origin": "Homs",
            "last_seen_date": "2024-02",
            "last_seen_country": "PA",
            "last_seen_place": "Darién, near Bajo Chiquito",
            "route_countries": DARIEN_ROUTE,
            "event_type": "land_crossing",
        },
        [(S.active_search, "Shared with the Darién reception centres.", None, True)],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "Yonas",
            "family_names": "Tesfaye",
            "aliases": ["ዮናስ ተስፋዬ"],
            "sex": "male",
            "date_of_birth": "1995",
            "nationality": "ER",
            "languages": ["ti"],
            "last_seen_date": "2024-03",
            "last_seen_country": "PA",
            "route_countries": DARIEN_ROUTE,
            "event_type": "land_crossing",
            "protection_flags": [
                {
                    "kind": "country",
                    "value": "ER",
                    "reason": "Fled national service; family fears reprisals.",
                }
            ],
        },
        # deceased_identified follows the confirmed DNA identification (identification demo).
        [(S.active_search, "Search opened.", None, True)],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "Ahmad Shah",
            "family_names": "Rahimi",
            "aliases": ["احمد شاه رحیمی"],
            "sex": "male",
            "date_of_birth": "2001",
            "nationality": "AF",
            "languages": ["prs", "ps"],
            "last_seen_date": "2025-01",
            "last_seen_country": "CR",
            "route_countries": ["BR", "PE", "EC", "CO", "PA", "CR"],
            "event_type": "land_crossing",
            "protection_flags": [
                {
                    "kind": "country",
                    "value": "AF",
                    "reason": "Former interpreter; the de facto authorities must not learn of him.",
                }
            ],
        },
        [(S.active_search, "Search opened.", None, True)],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "يوسف",
            "family_names": "العمراني",
            "aliases": ["Youssef El Amrani"],
            "sex": "male",
            "date_of_birth": "1999",
            "nationality": "MA",
            "languages": ["ary", "fr"],
            "last_seen_date": "2025-01",
            "last_seen_country": "MX",
        },
        [],
    ),
    (
        "focal@sv.demo",
        {
            "given_names": "Rosa Elena",
            "family_names": "Guevara",
            "sex": "female",
            "date_of_birth": "1979",
            "nationality": "SV",
            "last_seen_date": "2023-10",
            "last_seen_country": "GT",
        },
        [(S.closed, "The family asked to stop the search.", R.withdrawn_by_family, True)],
    ),
    (
        "focal@gt.demo",
        {
            "given_names": "Juan Carlos",
            "family_names": "Xol Caal",
            "sex": "male",
            "date_of_birth": "1993-08",
            "nationality": "GT",
            "languages": ["kek", "es"],
            "place_of_origin": "Cobán, Alta Verapaz",
            "last_seen_date": "2024-05",
            "last_seen_country": "US",
            "last_seen_place": "Near Ajo, Arizona",
            "route_countries": ["MX", "US"],
            "event_type": "desert_crossing",
        },
        [
            (S.active_search, "Search opened with the Pima County medical examiner.", None, True),
            (S.deceased_identified, "Identified by fingerprints (demo data).", None, False),
            (S.closed, "Remains repatriated to Cobán.", R.identified, False),
        ],
    ),
    (
        "focal@gt.demo",
        {
            "given_names": "Ana Lucía",
            "family_names": "Ixcot Tzoc",
            "sex": "female",
            "date_of_birth": "2000",
            "nationality": "GT",
            "languages": ["quc", "es"],
            "last_seen_date": "2025-04",
            "last_seen_country": "MX",
            "last_seen_place": "Ciudad Hidalgo, Chiapas",
            "event_type": "land_crossing",
            "vulnerabilities": ["pregnant"],
            "protection_flags": [
                {
                    "kind": "country",
                    "value": "GT",
                    "reason": "Threatened by a local official; no data to GT authorities.",
                }
            ],
        },
        [(S.active_search, "Search opened.", None, True)],
    ),
    (
        "focal@gt.demo",
        {
            "given_names": "Guadalupe",
            "family_names": "Cruz Hernández",
            "sex": "female",
            "date_of_birth": "1985-12-03",
            "nationality": "MX",
            "languages": ["es", "tzh"],
            "place_of_origin": "Ocosingo, Chiapas",
            "last_seen_date": "2025-02-14",
            "last_seen_country": "GT",
            "last_seen_place": "Tecún Umán, river crossing",
            "event_type": "other",
            "circumstances": "Crossed to buy goods for her shop and did not come back.",
        },
        [],
    ),
    (
        "focal@gt.demo",
        {
            "given_names": "Wilmer",
            "family_names": "Ramírez",
            "sex": "male",
            "date_of_birth": "2011",
            "nationality": "HN",
            "last_seen_date": "2025-08",
            "last_seen_country": "GT",
            "vulnerabilities": ["child", "unaccompanied"],
        },
        [],
    ),
    (
        "focal@gt.demo",
        {
            "given_names": "Rahel",
            "family_names": "Ghebremedhin",
            "sex": "female",
            "date_of_birth": "1997",
            "nationality": "ER",
            "languages": ["ti", "en"],
            "last_seen_date": "2024-07",
            "last_seen_country": "NI",
            "route_countries": DARIEN_ROUTE,
        },
        [
            (S.active_search, "Search opened.", None, True),
            (S.located_alive, "Reached her brother in Toronto.", None, True),
        ],
    ),
]


def load_demo_cases(
    session: Session, organisations: list[Organisation], users: dict[str, User]
) -> None:
    """Register the demo cases through the services, as their focal points would."""
    schema = CaseCreateSchema()
    for email, fields, steps in DEMO_CASES:
        user = users.get(email)
        if user is None:
            continue
        actor = Actor.for_user(user, via="demo")
        case = operations.create_case(session, actor, schema.load(fields))
        for status, note, reason, checked in steps:
            if checked:
                operations.change_status(session, actor, case, status, note, reason)
            else:
                operations.set_status_unchecked(session, actor, case, status, note, reason)
