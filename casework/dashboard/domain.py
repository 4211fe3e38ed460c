"""The dashboard as a domain: its page, its statistics endpoint and the navigation entry."""

from flask_babel import lazy_gettext as _l

from casework.registry import Action, Domain, Link

DOMAIN = Domain(
    name="dashboard",
    actions=(
        # Anonymised counts of the organisation's cases: no personal value, no reference.
        Action("dashboard.read", "focal_point", "admin"),
    ),
    pages=("casework.dashboard.views:bp",),
    api=("casework.dashboard.api:blp",),
    nav=(Link("dashboard.index", _l("Dashboard"), "dashboard.read"),),
)
