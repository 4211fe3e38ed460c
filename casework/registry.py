"""The domain registry: each domain declares itself once, in `<package>/domain.py`.

The app factory, the CLI, the demo and the migrations environment iterate over `domains()`;
lower layers ask registered hooks (`ask_any`, `first_refusal`, `providers`) instead of
importing higher ones or holding stubs that a higher layer patches. Declarations are plain
values and "module:attribute" strings, resolved when used, so declaring a domain imports
nothing of it and this module imports nothing of casework.

Adding a domain: a new package with a `domain.py` that defines `DOMAIN`, and one line in
`INSTALLED`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: The installed domains, lowest layer first.
INSTALLED: tuple[str, ...] = (
    "casework.keys",
    "casework.audit",
    "casework.auth",
    "casework.cases",
    "casework.families",
    "casework.remains",
    "casework.dna",
    "casework.identification",
    "casework.exchange",
    "casework.dashboard",
)

# Names of the hooks that lower layers ask (the only contract between them and higher ones).
#: fn(session, case) -> bool: does the case hold a confirmed identification?
IDENTIFICATION_CONFIRMED = "case.identification_confirmed"
#: fn(session, case) -> str | None: a reason to refuse closing the case, or None.
CLOSE_REFUSAL = "case.close_refusal"
#: an access.GrantProvider: what other organisations were granted (the exchange domain).
GRANT_PROVIDER = "access.grant_provider"
#: fn(session, actor, view arguments) -> (object_type, object_id, case_reference) | None: the
#: record a refused request was about, if the actor's organisation holds it (for the audit).
DENIAL_SUBJECT = "auth.denial_subject"
#: fn(session, case) -> list[str]: warnings a higher domain shows on the case's page (translated,
#: never a personal value), e.g. a DNA sample whose donor withdrew consent.
CASE_WARNINGS = "case.warnings"
#: fn(session, actor, consent ids) -> None: consents were withdrawn (or their relative erased);
#: whatever relied on them ends at once (the exchange domain's grants).
CONSENTS_ENDED = "families.consents_ended"
#: fn(session, case) -> list[keys.cli.Shred]: the data subjects that shredding the case shreds
#: with it (its relatives), each with its bookkeeping; `keys shred CASE_REF` lists and shreds them.
CASE_SHRED_DEPENDENTS = "case.shred_dependents"
HOOK_NAMES = frozenset(
    {
        IDENTIFICATION_CONFIRMED,
        CLOSE_REFUSAL,
        GRANT_PROVIDER,
        DENIAL_SUBJECT,
        CASE_WARNINGS,
        CONSENTS_ENDED,
        CASE_SHRED_DEPENDENTS,
    }
)


@dataclass(frozen=True)
class Link:
    """A navigation entry or a link on a case's page, shown to roles allowed `action`."""

    endpoint: str
    label: Any  # a lazy translated string
    action: str


@dataclass(frozen=True)
class Action:
    """An action a page or endpoint performs, and the roles that may perform it."""

    name: str
    roles: tuple[str, ...]

    def __init__(self, name: str, *roles: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "roles", tuple(roles))


@dataclass(frozen=True)
class Command:
    """A click command or group ("module:attribute"), added to `group` (None: the top level)."""

    ref: str
    group: str | None = None


@dataclass(frozen=True)
class Domain:
    name: str
    #: The actions the domain's pages and endpoints perform, with the roles allowed each.
    actions: tuple[Action, ...] = ()
    #: Modules that define the domain's tables (imported for Alembic and the tests).
    models: tuple[str, ...] = ()
    #: Page and API blueprints, "module:attribute".
    pages: tuple[str, ...] = ()
    api: tuple[str, ...] = ()
    cli: tuple[Command, ...] = ()
    #: fn(session, organisations, users by email): the domain's demo data.
    demo: str | None = None
    nav: tuple[Link, ...] = ()
    case_links: tuple[Link, ...] = ()
    #: (hook name, "module:attribute") pairs.
    hooks: tuple[tuple[str, str], ...] = ()
    #: Gateway resources the domain owns, "module:attribute" of access.Resource values.
    resources: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def resolve(ref: str) -> Any:
    """The object named by "package.module:attribute"."""
    module, _, attribute = ref.partition(":")
    target: Any = importlib.import_module(module)
    for part in attribute.split(".") if attribute else ():
        target = getattr(target, part)
    return target


_DOMAINS: list[Domain] | None = None
_EXTRA_HOOKS: dict[str, list[Any]] = {}


def domains() -> list[Domain]:
    """Every installed domain's declaration, lowest layer first (imported once)."""
    global _DOMAINS
    if _DOMAINS is None:
        found = []
        for package in INSTALLED:
            declared = importlib.import_module(f"{package}.domain").DOMAIN
            for name, _ in declared.hooks:
                if name not in HOOK_NAMES:
                    raise ValueError(f"domain {declared.name}: unknown hook {name}")
            found.append(declared)
        _DOMAINS = found
    return _DOMAINS


_ACTIONS: dict[str, frozenset[str]] | None = None


def actions() -> dict[str, frozenset[str]]:
    """Every declared action → the role names allowed it (each action declared once)."""
    global _ACTIONS
    if _ACTIONS is None:
        found: dict[str, frozenset[str]] = {}
        for domain in domains():
            for action in domain.actions:
                if action.name in found:
                    raise ValueError(f"action {action.name} declared twice")
                found[action.name] = frozenset(action.roles)
        _ACTIONS = found
    return _ACTIONS


@contextmanager
def also_installed(*packages: str) -> Iterator[None]:
    """Install more domains for the duration of a block (tests of the registry itself)."""
    global INSTALLED, _DOMAINS, _ACTIONS
    saved = INSTALLED
    INSTALLED, _DOMAINS, _ACTIONS = (*saved, *packages), None, None
    try:
        yield
    finally:
        INSTALLED, _DOMAINS, _ACTIONS = saved, None, None


def import_models() -> None:
    """Import every domain's models, so that the metadata is complete."""
    for domain in domains():
        for module in domain.models:
            importlib.import_module(module)


def providers(name: str) -> list[Any]:
    """What the domains registered for hook `name`, lowest layer first, then runtime ones."""
    if name not in HOOK_NAMES:
        raise ValueError(f"unknown hook {name}")
    found = [resolve(ref) for domain in domains() for hook, ref in domain.hooks if hook == name]
    return found + list(_EXTRA_HOOKS.get(name, ()))


def ask_any(name: str, *args: Any) -> bool:
    """True when any provider of hook `name` answers yes."""
    return any(fn(*args) for fn in providers(name))


def first_refusal(name: str, *args: Any) -> str | None:
    """The first reason a provider of hook `name` gives, or None."""
    for fn in providers(name):
        reason = fn(*args)
        if reason:
            return reason
    return None


def gather(name: str, *args: Any) -> list[Any]:
    """Every item the providers of hook `name` return (each returns a list), in order."""
    return [item for fn in providers(name) for item in fn(*args)]


@contextmanager
def registered(name: str, provider: Any) -> Iterator[Any]:
    """Register a provider for the duration of a block (tests; stand-ins for absent domains)."""
    if name not in HOOK_NAMES:
        raise ValueError(f"unknown hook {name}")
    _EXTRA_HOOKS.setdefault(name, []).append(provider)
    try:
        yield provider
    finally:
        _EXTRA_HOOKS[name].remove(provider)


def each(attribute: str) -> Iterator[tuple[Domain, Any]]:
    """(domain, value) for every entry of a declaration list, e.g. each("pages")."""
    for domain in domains():
        for value in getattr(domain, attribute):
            yield domain, value


Callback = Callable[..., Any]
