"""Every route names the action it performs (`require`), and who may do each action is the role
table written here by hand: a new route without an action, or a changed role list, fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask

from casework import create_app
from casework.auth.policy import declared_actions, require, roles_for

ALL_ROLES = {"admin", "focal_point", "family_liaison", "forensic", "partner", "auditor"}

#: Who may do what, copied by hand from casework/auth/policy.py, casework/cases/policy.py and
#: casework/families/policy.py. Never derived from the code under test: changing who may do
#: something means changing this table too, on purpose.
EXPECTED: dict[str, set[str]] = {
    # platform
    "users.manage": {"admin"},
    "audit.read": {"auditor"},
    "self.read": ALL_ROLES,
    "self.password": ALL_ROLES,
    "organisations.read": ALL_ROLES,
    # cases
    "case.read": {"focal_point", "family_liaison", "forensic"},
    "case.write": {"focal_point"},
    "case.status": {"focal_point"},
    "case.reopen": {"focal_point"},
    "case.link_duplicate": {"focal_point"},
    # families
    "relatives.read": {"family_liaison", "focal_point"},
    "relatives.create": {"family_liaison", "focal_point"},
    "relatives.update": {"family_liaison"},
    "relatives.lookup": {"family_liaison", "focal_point"},
    "relatives.erase": {"family_liaison", "focal_point"},
    "consents.give": {"family_liaison", "focal_point"},
    "consents.withdraw": {"family_liaison", "focal_point"},
    "notifications.read": {"family_liaison", "focal_point"},
    "notifications.manage": {"family_liaison"},
    "notifications.worklist": {"family_liaison"},
    "family_access.issue": {"family_liaison", "focal_point"},
    # remains
    "remains.read": {"forensic", "focal_point"},
    "remains.write": {"forensic"},
    "candidates.read": {"forensic", "focal_point"},
    # dna
    "dna_databases.read": {"admin", "focal_point", "forensic"},
    "dna_databases.manage": {"admin"},
    "dna.read": {"focal_point", "forensic"},
    "dna.write": {"focal_point", "forensic"},
    "match_reports.read": {"focal_point", "forensic"},
    "match_reports.write": {"forensic"},
    # identification
    "identifications.read": {"forensic", "focal_point", "family_liaison"},
    "identifications.record": {"forensic", "focal_point"},
    "identifications.review": {"forensic", "focal_point"},
    # exchange
    "agreements.read": {"admin", "focal_point", "auditor"},
    "agreements.manage": {"admin"},
    "shares.read": {"focal_point", "family_liaison"},
    "shares.request": {"focal_point"},
    "shares.approve": {"focal_point"},
    "shares.revoke": {"focal_point"},
    "shared.read": {"partner"},
    "exchanges.read": {"focal_point", "admin", "auditor"},
    # dashboard: anonymised counts of the organisation's cases
    "dashboard.read": {"focal_point", "admin"},
}

#: Endpoints that deliberately declare no action, by name, each with its reason.
PUBLIC_ENDPOINTS: dict[str, str] = {
    "static": "CSS and scripts of the pages; no data",
    "auth.login": "the sign-in page: nobody is signed in yet",
    "auth.logout": "signing out ends whatever session there is; it reads nothing",
    "auth.mfa_code": "the sign-in's second step: the password step passed, nobody is signed in yet",
    "auth.mfa_enrol": "setting up the second factor: at a first sign-in nobody is signed in yet "
    "(the password step passed); later, the signed-in user's own factor only",
    "home": "redirects the anonymous to sign-in; signed in, a page with no records",
    "api-docs.openapi_json": "the OpenAPI document: describes the API, holds no data",
    "language.switch": "the language switcher: signed out, it only sets a cookie; signed in, the "
    "user's own language setting",
    "family_status.family_status": "the family's status page (CONTRACT): public, its form only",
    "family_status.family_status_lookup": "the family's look-up: the code and secret are its "
    "credentials (throttled, audited)",
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def declared_action(view: Callable[..., Any]) -> str | None:
    """The action a view declares through `require`, looking through outer decorators."""
    seen: set[int] = set()
    current: Any = view
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        action = getattr(current, "required_action", None)
        if action is not None:
            return action
        current = getattr(current, "__wrapped__", None)
    return None


def route_actions(app: Flask) -> dict[str, str | None]:
    """endpoint (with ":METHOD" for class-based views) → its declared action, or None."""
    found: dict[str, str | None] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            found[rule.endpoint] = declared_action(view)
            continue
        # A class-based view (MethodView, flask-smorest resources): each method declares its own.
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            handler = getattr(view_class, method.lower(), None)
            action = declared_action(view) or (handler and declared_action(handler))
            found[f"{rule.endpoint}:{method}"] = action
    return found


def undeclared_routes(app: Flask, public: dict[str, str] = PUBLIC_ENDPOINTS) -> list[str]:
    """Endpoints that declare no action and are not listed as public."""
    return sorted(
        endpoint
        for endpoint, action in route_actions(app).items()
        if action is None and endpoint.partition(":")[0] not in public
    )


def test_every_route_declares_an_action(app):
    assert undeclared_routes(app) == []


def test_public_endpoints_exist_and_stay_public(app):
    actions = route_actions(app)
    for endpoint in PUBLIC_ENDPOINTS:
        assert endpoint in actions, f"{endpoint} is listed as public but no longer exists"
        assert actions[endpoint] is None, f"{endpoint} declares an action: unlist it"


def test_the_checker_reports_a_route_without_an_action(settings, database):
    # An app of its own: the shared test app must not keep the throwaway routes.
    app = create_app(settings, database=database)
    throwaway = Blueprint("throwaway", __name__)

    @throwaway.route("/throwaway/open")
    def open_page() -> str:
        return "anyone"

    @throwaway.route("/throwaway/guarded")
    @require("case.read")
    def guarded_page() -> str:
        return "case readers"

    app.register_blueprint(throwaway)

    assert undeclared_routes(app) == ["throwaway.open_page"]
    assert route_actions(app)["throwaway.guarded_page"] == "case.read"


def test_every_route_action_is_in_the_table(app):
    used = {action for action in route_actions(app).values() if action is not None}
    assert used, "no route declares an action: the checker is broken"
    assert sorted(used - EXPECTED.keys()) == []


def test_roles_of_each_action_match_the_table(app):
    # The app is built: every installed domain's policy module has declared its actions.
    assert sorted(declared_actions()) == sorted(EXPECTED)
    for action, roles in EXPECTED.items():
        assert {str(role) for role in roles_for(action)} == roles, action
