"""The families domain: relatives, consent and notifications; it guards closing a case."""

from flask_babel import lazy_gettext as _l

from casework import registry
from casework.registry import Action, Command, Domain, Link

LIAISON, FOCAL = "family_liaison", "focal_point"

DOMAIN = Domain(
    name="families",
    actions=(
        # Reading contacts: the liaison officers who keep them and the focal points who
        # register the reporting person; forensic staff, administrators, auditors and
        # partners: none.
        Action("relatives.read", LIAISON, FOCAL),
        Action("relatives.create", LIAISON, FOCAL),
        Action("relatives.update", LIAISON),
        # The hotline look-up (a relative calls; the number alone finds their case).
        Action("relatives.lookup", LIAISON, FOCAL),
        Action("relatives.erase", LIAISON, FOCAL),
        Action("consents.give", LIAISON, FOCAL),
        # Whoever hears a withdrawal must be able to record it at once.
        Action("consents.withdraw", LIAISON, FOCAL),
        Action("notifications.read", LIAISON, FOCAL),
        Action("notifications.manage", LIAISON),
        Action("notifications.worklist", LIAISON),
        # The reporting relative's code for the family's status page (/family-status).
        Action("family_access.issue", LIAISON, FOCAL),
    ),
    models=("casework.families.models", "casework.families.status_models"),
    pages=("casework.families.views:bp", "casework.families.status_views:bp"),
    api=("casework.families.api:blp", "casework.families.status_api:blp"),
    cli=(Command("casework.families.cli:shred_relative", group="keys"),),
    demo="casework.families.demo:load_demo_families",
    nav=(
        Link("families.worklist", _l("Worklist"), "notifications.worklist"),
        Link("families.lookup", _l("Hotline look-up"), "relatives.lookup"),
    ),
    case_links=(Link("families.family", _l("Family and notifications"), "relatives.read"),),
    hooks=(
        (registry.CLOSE_REFUSAL, "casework.families.policy:refuse_closing"),
        (registry.CASE_SHRED_DEPENDENTS, "casework.families.cli:shred_with_case"),
    ),
    resources=("casework.families.resources:RELATIVE",),
)
