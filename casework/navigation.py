"""Main navigation and the links on a case's page, from the domains' declarations, each shown
only to roles allowed its action (the case registry never imports the domains it links to)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from casework import registry
from casework.auth.policy import Actor, can


def nav_items(actor: Actor | None) -> list[dict[str, Any]]:
    if actor is None:
        return []
    return [
        {"url": url_for(link.endpoint), "label": link.label}
        for _, link in registry.each("nav")
        if can(actor, link.action)
    ]


def case_links(actor: Actor | None, reference: str) -> list[dict[str, Any]]:
    if actor is None:
        return []
    return [
        {
            "url": url_for(link.endpoint, reference=reference),
            "label": link.label,
            "endpoint": link.endpoint,
        }
        for _, link in registry.each("case_links")
        if can(actor, link.action)
    ]
