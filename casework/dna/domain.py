"""The DNA domain: the DNA database registry, sample references and custody, match reports."""

from flask_babel import lazy_gettext as _l

from casework import registry
from casework.registry import Action, Domain, Link

FORENSIC, FOCAL, ADMIN = "forensic", "focal_point", "admin"

DOMAIN = Domain(
    name="dna",
    actions=(
        # The registry of databases and laboratories holds no personal data.
        Action("dna_databases.read", ADMIN, FOCAL, FORENSIC),
        Action("dna_databases.manage", ADMIN),
        # Sample references: focal points record family references and personal effects,
        # forensic staff post-mortem samples; both follow custody.
        Action("dna.read", FOCAL, FORENSIC),
        Action("dna.write", FOCAL, FORENSIC),
        # Laboratory match reports: recorded and excluded by forensic staff.
        Action("match_reports.read", FOCAL, FORENSIC),
        Action("match_reports.write", FORENSIC),
    ),
    models=("casework.dna.models",),
    pages=("casework.dna.views:bp",),
    api=("casework.dna.api:blp",),
    demo="casework.dna.demo:load_demo_dna",
    nav=(
        Link("dna.match_reports", _l("Match reports"), "match_reports.read"),
        Link("dna.search", _l("Sample look-up"), "dna.read"),
        Link("dna.databases", _l("DNA databases"), "dna_databases.read"),
    ),
    case_links=(Link("dna.for_case", _l("DNA references"), "dna.read"),),
    # A family reference whose donor withdrew their consent for DNA: shown on the case page.
    hooks=((registry.CASE_WARNINGS, "casework.dna.policy:case_warnings"),),
    resources=("casework.dna.resources:DNA_REFERENCE", "casework.dna.resources:MATCH_REPORT"),
)
