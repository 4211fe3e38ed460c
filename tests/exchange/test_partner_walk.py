"""The partner walk of issue 10: "a test walks every partner endpoint and page and fails if any
response holds a field outside the grant. Canary values sit in every other category."

The routes are not listed here: every GET rule of the app whose view declares an action the
`partner` role is allowed (plus `/` and `/me`) is walked, as the partner user, through the API
with the bearer token and through the pages signed in. A new partner route is walked as soon
as it exists; one with a path parameter the walk cannot fill fails until it is taught."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from casework import registry
from tests.exchange.conftest import CANARIES, Sharing
from tests.platform.test_routes import declared_action

PARTNER = "partner"
API_PREFIX = "/api/v1"
#: Paths walked whatever they declare: the home page and the caller's own account.
ALWAYS = ("/", "/me", API_PREFIX + "/me")
DNA_SAMPLE = CANARIES["dna_references"][0]


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str

    @property
    def is_api(self) -> bool:
        return self.rule.startswith(API_PREFIX + "/")

    @property
    def shows_the_case(self) -> bool:
        """A route about one shared case (its reference in the path)."""
        return "<reference>" in self.rule


def _action(app, rule) -> str | None:
    view = app.view_functions[rule.endpoint]
    action = declared_action(view)
    view_class = getattr(view, "view_class", None)
    if action is None and view_class is not None:
        handler = getattr(view_class, "get", None)
        action = handler and declared_action(handler)
    return action


def partner_routes(app) -> list[Route]:
    """Every GET route the partner role may call, and the routes walked whatever they declare."""
    allowed = {name for name, roles in registry.actions().items() if PARTNER in roles}
    found: dict[str, Route] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        if rule.rule in ALWAYS or _action(app, rule) in allowed:
            found[rule.rule] = Route(rule.rule, rule.endpoint)
    return sorted(found.values(), key=lambda r: r.rule)


def concrete(route: Route, reference: str) -> str:
    """The route's path with its parameters filled in; a parameter the walk does not know fails
    (teach the walk rather than skip a partner route)."""
    path = route.rule
    for converter in ("<reference>", "<string:reference>"):
        path = path.replace(converter, reference)
    assert "<" not in path, f"the partner walk cannot fill the parameters of {route.rule}"
    return path


def test_the_walk_finds_the_partner_routes(app):
    """The enumeration works: the known partner routes are among those it finds (if this fails,
    the walk below walks nothing)."""
    rules = {r.rule for r in partner_routes(app)}
    for expected in (
        "/api/v1/shared-cases",
        "/api/v1/shared-cases/<reference>",
        "/shared-cases",
        "/shared-cases/<reference>",
        "/",
    ):
        assert expected in rules, (expected, sorted(rules))
    # Nothing the partner may not do slipped in (its routes declare shared.read or a platform
    # action every role has).
    assert "/api/v1/cases/<reference>" not in rules
    assert "/api/v1/exchanges" not in rules


# --- the grants walked ----------------------------------------------------------------------


def _consent(sharing: Sharing, purpose: str) -> str:
    resp = sharing.focal.post(
        f"/relatives/{sharing.relative_id}/consents",
        json={
            "purpose": purpose,
            "scope": [{"kind": "organisation", "value": str(sharing.partner_org.id)}],
        },
    )
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _dna_reference(sharing: Sharing) -> None:
    """A DNA reference recorded on the case by a focal point (a personal effect: the sample id
    is the canary)."""
    database = sharing.admin.post(
        "/dna-databases",
        json={
            "name": "Lab",
            "institution": "Forensic lab",
            "country": "SV",
            "kind": "forensic_lab",
        },
    )
    assert database.status_code == 201, database.json
    ref = sharing.focal.post(
        f"/cases/{sharing.reference}/dna-references",
        json={
            "database_id": database.json["id"],
            "sample_id": DNA_SAMPLE,
            "sample_kind": "personal_effect",
        },
    )
    assert ref.status_code == 201, ref.json


def grant(sharing: Sharing, name: str) -> list[str]:
    """Share the case under one of the walked grants; returns the categories granted."""
    if name == "family_notification":
        body = {
            "purpose": "family_notification",
            "categories": ["identity", "family_contacts"],
            "consent_id": _consent(sharing, "contact"),
        }
    elif name == "identification":
        body = {
            "purpose": "identification",
            "categories": ["identity", "dna_references"],
            "consent_id": _consent(sharing, "identification"),
        }
    else:
        body = {"categories": [name]}
    resp = sharing.share(**body)
    assert resp.status_code == 201, resp.json
    if name == "identification":
        assert resp.json["status"] == "pending_approval", resp.json
        resp = sharing.second_focal.post(f"/shares/{resp.json['id']}/approve", json={})
        assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "active", resp.json
    return body["categories"]


GRANTS = [
    "identity",
    "circumstances",
    "physical_description",
    "family_notification",
    "identification",
]


@pytest.fixture
def world(sharing) -> Sharing:
    """Every category filled: the case's own canaries (fixture), its relative's contacts, and a
    DNA reference whose sample id is the DNA canary."""
    _dna_reference(sharing)
    # The owner sees every canary: the canaries are really there to leak.
    owner_view = sharing.focal.get(f"/cases/{sharing.reference}").get_data(as_text=True)
    for category in ("identity", "circumstances", "physical_description"):
        for canary in CANARIES[category]:
            assert canary in owner_view, canary
    relatives = sharing.focal.get(f"/cases/{sharing.reference}/relatives").get_data(as_text=True)
    assert all(c in relatives for c in CANARIES["family_contacts"])
    dna = sharing.focal.get(f"/cases/{sharing.reference}/dna-references").get_data(as_text=True)
    assert DNA_SAMPLE in dna
    return sharing


def walk(app, client, login, sharing: Sharing) -> dict[str, tuple[int, str]]:
    """GET every partner route as the partner user: path → (status, body)."""
    assert login(sharing.partner.user).status_code == 302
    seen: dict[str, tuple[int, str]] = {}
    for route in partner_routes(app):
        path = concrete(route, sharing.reference)
        api_path = path.removeprefix(API_PREFIX)
        resp = sharing.partner.get(api_path) if route.is_api else client.get(path)
        body = resp.get_data(as_text=True)
        resp.close()
        assert resp.status_code < 500, (path, resp.status_code, body[:300])
        seen[path] = (resp.status_code, body)
    return seen


@pytest.mark.parametrize("name", GRANTS)
def test_every_partner_response_holds_only_the_granted_categories(app, client, login, world, name):
    granted = grant(world, name)
    responses = walk(app, client, login, world)
    assert responses, "no partner route was walked"
    withheld = [c for c in CANARIES if c not in granted]
    for path, (_status, body) in responses.items():
        for category in withheld:
            for canary in CANARIES[category]:
                assert canary.lower() not in body.lower(), (name, path, category, canary)

    # The shared-case endpoints show what was granted (so the absences above mean something).
    case_paths = [concrete(r, world.reference) for r in partner_routes(app) if r.shows_the_case]
    assert case_paths, "no partner route shows one shared case"
    for path in case_paths:
        status, body = responses[path]
        assert status == 200, (path, status, body[:300])
        for category in granted:
            for canary in CANARIES[category]:
                assert canary in body, (name, path, category, canary)
    for path in ("/api/v1/shared-cases", "/shared-cases"):
        status, body = responses[path]
        assert status == 200 and world.reference in body, (path, status)


def test_the_walk_with_nothing_shared_shows_nothing(app, client, login, world):
    responses = walk(app, client, login, world)
    for path, (status, body) in responses.items():
        if any(part in path for part in ("/shared-cases/",)):
            assert status == 404, (path, status)
        for values in CANARIES.values():
            for canary in values:
                assert canary.lower() not in body.lower(), (path, canary)


def test_the_walk_after_the_share_ends_shows_nothing(app, client, login, world):
    grant(world, "family_notification")
    grant(world, "circumstances")
    share_ids = [s["id"] for s in world.focal.get(f"/cases/{world.reference}/shares").json["items"]]
    for share_id in share_ids:
        assert world.focal.post(f"/shares/{share_id}/revoke", json={}).status_code == 200
    responses = walk(app, client, login, world)
    for path, (status, body) in responses.items():
        if "/shared-cases/" in path:
            assert status == 404, (path, status)
        for values in CANARIES.values():
            for canary in values:
                assert canary.lower() not in body.lower(), (path, canary)
