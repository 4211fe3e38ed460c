"""The DNA domain: the DNA database registry, sample references and custody, match reports."""

from casework.registry import Action, Domain

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
    resources=("casework.dna.resources:DNA_REFERENCE", "casework.dna.resources:MATCH_REPORT"),
)
