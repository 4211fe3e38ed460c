"""Organisations, users, sign-in and tokens as a domain."""

from flask_babel import lazy_gettext as _l

from casework.registry import Action, Domain, Link

EVERY_ROLE = ("admin", "focal_point", "family_liaison", "forensic", "partner", "auditor")

DOMAIN = Domain(
    name="auth",
    actions=(
        Action("users.manage", "admin"),
        Action("self.read", *EVERY_ROLE),
        # Every signed-in user changes their own password (knowing the current one).
        Action("self.password", *EVERY_ROLE),
        # Recipients and consent scopes are chosen by name: every role may list them.
        Action("organisations.read", *EVERY_ROLE),
    ),
    models=("casework.auth.models",),
    pages=("casework.auth.views:bp", "casework.auth.language:bp"),
    api=("casework.auth.api:blp",),
    nav=(
        Link("auth.users", _l("Users"), "users.manage"),
        Link("auth.change_password", _l("Password"), "self.password"),
        Link("auth.mfa_settings", _l("Two-step sign-in"), "self.read"),
        Link("language.setting", _l("Language"), "self.read"),
    ),
)
