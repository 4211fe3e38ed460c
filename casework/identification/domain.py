"""The identification domain: identifications recorded by one person, confirmed by another.

A confirmed identification is what lets a case move to `deceased_identified` and an
identification notification be planned (the hook below).
"""

from flask_babel import lazy_gettext as _l

from casework import registry
from casework.registry import Action, Domain, Link

FORENSIC, FOCAL, LIAISON = "forensic", "focal_point", "family_liaison"

DOMAIN = Domain(
    name="identification",
    actions=(
        # Liaison officers read them to prepare the family's notification.
        Action("identifications.read", FORENSIC, FOCAL, LIAISON),
        Action("identifications.record", FORENSIC, FOCAL),
        # Confirm or reject: a second person of the same roles.
        Action("identifications.review", FORENSIC, FOCAL),
    ),
    models=("casework.identification.models",),
    pages=("casework.identification.views:bp",),
    api=("casework.identification.api:blp",),
    demo="casework.identification.demo:load_demo_identifications",
    nav=(Link("identification.index", _l("Identifications"), "identifications.read"),),
    case_links=(Link("identification.for_case", _l("Identifications"), "identifications.read"),),
    hooks=(
        (
            registry.IDENTIFICATION_CONFIRMED,
            "casework.identification.policy:has_confirmed_identification",
        ),
    ),
    resources=("casework.identification.resources:IDENTIFICATION",),
)
