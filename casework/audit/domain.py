"""The audit trail as a domain: its tables, the auditor's pages and API, `casework audit`."""

from flask_babel import lazy_gettext as _l

from casework.registry import Action, Command, Domain, Link

DOMAIN = Domain(
    name="audit",
    actions=(Action("audit.read", "auditor"),),
    models=("casework.audit.models",),
    pages=("casework.audit.views:bp",),
    api=("casework.audit.api:blp",),
    cli=(Command("casework.audit.cli:audit"),),
    nav=(Link("audit.events", _l("Audit trail"), "audit.read"),),
    resources=("casework.audit.resources:AUDIT_EVENT",),
)
