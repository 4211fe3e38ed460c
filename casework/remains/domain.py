"""The remains domain: unidentified remains and candidate matching between cases and remains."""

from flask_babel import lazy_gettext as _l

from casework import registry
from casework.registry import Action, Domain, Link

FORENSIC, FOCAL = "forensic", "focal_point"

DOMAIN = Domain(
    name="remains",
    actions=(
        # Post-mortem records: forensic staff keep them; focal points read them to follow
        # the search for their cases.
        Action("remains.read", FORENSIC, FOCAL),
        Action("remains.write", FORENSIC),
        # Candidate matches between cases and remains, and their side-by-side comparison.
        Action("candidates.read", FORENSIC, FOCAL),
    ),
    models=("casework.remains.models",),
    pages=("casework.remains.views:bp", "casework.remains.candidate_views:bp"),
    api=("casework.remains.api:blp", "casework.remains.candidate_api:blp"),
    demo="casework.remains.demo:load_demo_remains",
    nav=(Link("remains.index", _l("Remains"), "remains.read"),),
    case_links=(Link("candidates.for_case", _l("Candidate remains"), "candidates.read"),),
    hooks=((registry.DENIAL_SUBJECT, "casework.remains.queries:denial_subject"),),
    resources=("casework.remains.resources:REMAINS",),
)
