"""The exchange domain: agreements, share requests decided by the privacy rules, grants for
partner views, and the exchange log (DESIGN §6-7)."""

from flask_babel import lazy_gettext as _l

from casework import registry
from casework.registry import Action, Command, Domain, Link

ADMIN, FOCAL, LIAISON, AUDITOR, PARTNER = (
    "admin",
    "focal_point",
    "family_liaison",
    "auditor",
    "partner",
)

DOMAIN = Domain(
    name="exchange",
    actions=(
        # Focal points choose a recipient under an agreement; auditors check them.
        Action("agreements.read", ADMIN, FOCAL, AUDITOR),
        Action("agreements.manage", ADMIN),
        Action("shares.read", FOCAL, LIAISON),
        Action("shares.request", FOCAL),
        # The second person of the four-eyes rule, and who may end a share.
        Action("shares.approve", FOCAL),
        Action("shares.revoke", FOCAL),
        # A partner organisation's staff: what was shared with them.
        Action("shared.read", PARTNER),
        Action("exchanges.read", FOCAL, ADMIN, AUDITOR),
    ),
    models=("casework.exchange.models",),
    pages=("casework.exchange.views:bp",),
    api=("casework.exchange.api:blp",),
    cli=(Command("casework.exchange.cli:exchange"),),
    demo="casework.exchange.demo:load_demo_exchange",
    nav=(
        Link("exchange.shared_cases", _l("Shared with us"), "shared.read"),
        Link("exchange.pending_shares", _l("Approvals"), "shares.approve"),
        Link("exchange.agreements", _l("Agreements"), "agreements.read"),
        Link("exchange.exchanges", _l("Exchange log"), "exchanges.read"),
    ),
    case_links=(Link("exchange.case_shares", _l("Sharing"), "shares.read"),),
    hooks=(
        (registry.GRANT_PROVIDER, "casework.exchange.grants:PROVIDER"),
        (registry.CONSENTS_ENDED, "casework.exchange.operations:end_shares_for_consents"),
    ),
    resources=("casework.exchange.resources:SHARE",),
)
