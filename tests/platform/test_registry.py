"""The domain registry: a domain is one package and one line in `registry.INSTALLED`; the
factory, the CLI, the demo, navigation, case-page links, actions and hooks all follow from its
declaration. Field categories are declared once, on the models, and the gateway's resources
agree with them."""

from __future__ import annotations

from types import SimpleNamespace

import click
from click.testing import CliRunner

from casework import create_app, demo, registry
from casework.access import Resource
from casework.auth.policy import roles_for
from casework.categories import Category
from casework.cli import load_domain_commands
from casework.keys.fields import Encrypted
from tests.helpers import PASSWORD, sign_in

SAMPLE = "tests.platform.sample_domain"


def _sign_in(client, user) -> None:
    resp = sign_in(client, user, PASSWORD)
    assert resp.status_code == 302


def test_a_new_domain_is_one_package_and_one_line(settings, database, make_user):
    user = make_user("focal_point")
    with registry.also_installed(SAMPLE):
        app = create_app(settings, database=database)
        client = app.test_client()
        _sign_in(client, user)

        # Its page is served, guarded by its own action, and the navigation links to it.
        assert client.get("/sample").get_data(as_text=True) == "sample register"
        assert 'href="/sample"' in client.get("/").get_data(as_text=True)
        assert {r.value for r in roles_for("sample.read")} == {"focal_point"}

        # Its command joins the CLI, its demo loader the demo, its hook the case registry.
        group = click.Group("casework")
        load_domain_commands(group)
        assert CliRunner().invoke(group, ["sample"]).output == "sample command ran\n"
        assert "load_demo" in [loader.__name__ for loader in demo.domain_loaders()]
        open_case = SimpleNamespace(status="active_search", id=None)
        refusal = registry.first_refusal(registry.CLOSE_REFUSAL, None, open_case)
        assert refusal == "The sample domain refuses."

    # Without the line, none of it exists.
    assert roles_for("sample.read") == frozenset()
    assert registry.first_refusal(registry.CLOSE_REFUSAL, None, open_case) is None
    plain = create_app(settings, database=database).test_client()
    _sign_in(plain, user)
    assert plain.get("/sample").status_code == 404


def test_an_unknown_hook_name_is_refused():
    try:
        with registry.registered("case.no_such_hook", lambda: None):
            raise AssertionError("registered an unknown hook")
    except ValueError as exc:
        assert "unknown hook" in str(exc)


def test_resources_hold_the_categories_their_models_declare():
    resources = [registry.resolve(ref) for _, ref in registry.each("resources")]
    kinds = {r.kind for r in resources}
    assert {"case", "relative", "audit_event"} <= kinds
    for resource in resources:
        assert isinstance(resource, Resource)
        declared = {Category(c) for c in getattr(resource.model, "__categories__", {}).values()}
        assert declared <= set(resource.categories), resource.kind


def test_every_encrypted_field_has_a_declared_category():
    from casework.db import Base

    registry.import_models()
    checked = 0
    for mapper in Base.registry.mappers:
        model = mapper.class_
        for name, attr in vars(model).items():
            if isinstance(attr, Encrypted):
                assert attr.category in {c.value for c in Category}, (model.__name__, name)
                assert model.__categories__[name] == attr.category
                checked += 1
    assert checked >= 20  # the case's, the relative's, consent, notification, timeline fields
