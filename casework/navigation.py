"""Main navigation entries, each shown only to roles allowed its action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for

from casework.auth.policy import Actor, can


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: Any  # a lazy translated string
    action: str


_ENTRIES: list[NavEntry] = []


def add_nav(endpoint: str, label: Any, action: str) -> None:
    if all(e.endpoint != endpoint for e in _ENTRIES):
        _ENTRIES.append(NavEntry(endpoint, label, action))


def nav_items(actor: Actor | None) -> list[dict[str, Any]]:
    if actor is None:
        return []
    return [
        {"url": url_for(e.endpoint), "label": e.label} for e in _ENTRIES if can(actor, e.action)
    ]


# Links shown on a case's page to pages of domains above the case registry (families, …), so
# the case registry does not import them.
_CASE_LINKS: list[NavEntry] = []


def add_case_link(endpoint: str, label: Any, action: str) -> None:
    if all(e.endpoint != endpoint for e in _CASE_LINKS):
        _CASE_LINKS.append(NavEntry(endpoint, label, action))


def case_links(actor: Actor | None, reference: str) -> list[dict[str, Any]]:
    if actor is None:
        return []
    return [
        {"url": url_for(e.endpoint, reference=reference), "label": e.label, "endpoint": e.endpoint}
        for e in _CASE_LINKS
        if can(actor, e.action)
    ]
