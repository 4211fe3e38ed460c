"""The families domain: relatives, consent and notifications; it guards closing a case."""

from flask_babel import lazy_gettext as _l

from casework import registry
from casework.registry import Command, Domain, Link

DOMAIN = Domain(
    name="families",
    models=("casework.families.models",),
    pages=("casework.families.views:bp",),
    api=("casework.families.api:blp",),
    cli=(Command("casework.families.cli:shred_relative", group="keys"),),
    demo="casework.families.demo:load_demo_families",
    nav=(
        Link("families.worklist", _l("Worklist"), "notifications.worklist"),
        Link("families.lookup", _l("Hotline look-up"), "relatives.lookup"),
    ),
    case_links=(Link("families.family", _l("Family and notifications"), "relatives.read"),),
    hooks=((registry.CLOSE_REFUSAL, "casework.families.policy:refuse_closing"),),
)
