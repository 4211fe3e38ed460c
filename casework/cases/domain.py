"""The case registry as a domain: its tables, pages, API, `keys shred`, demo and hooks."""

from flask_babel import lazy_gettext as _l

from casework import registry
from casework.registry import Action, Command, Domain, Link

DOMAIN = Domain(
    name="cases",
    actions=(
        Action("case.read", "focal_point", "family_liaison", "forensic"),
        Action("case.write", "focal_point"),
        Action("case.status", "focal_point"),
        Action("case.link_duplicate", "focal_point"),
        # Reopening a closed case (closed → active_search), decided in cases/policy.py.
        Action("case.reopen", "focal_point"),
    ),
    models=("casework.cases.models",),
    pages=("casework.cases.views:bp",),
    api=("casework.cases.api:blp",),
    cli=(Command("casework.cases.cli:cases"), Command("casework.cases.cli:shred", group="keys")),
    demo="casework.cases.demo:load_demo_cases",
    nav=(Link("cases.index", _l("Cases"), "case.read"),),
    hooks=((registry.DENIAL_SUBJECT, "casework.cases.queries:denial_subject"),),
    resources=("casework.cases.resources:CASE",),
)
