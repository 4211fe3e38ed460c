"""Organisations, users, sign-in and tokens as a domain."""

from flask_babel import lazy_gettext as _l

from casework.registry import Domain, Link

DOMAIN = Domain(
    name="auth",
    models=("casework.auth.models",),
    pages=("casework.auth.views:bp",),
    api=("casework.auth.api:blp",),
    nav=(Link("auth.users", _l("Users"), "users.manage"),),
)
