"""axe-core in the browser suite (issue 14): axe (shipped inside axe-playwright-python) runs on
the pages the journeys visit (every page object's arrival, once per kind of page) and on a
small list of pages in English and Arabic at 1280 and 390 px. Serious and critical violations
fail the test that met them; the pages in `STRICT` may have none of any impact."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

#: WCAG 2.1 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}

_script: str | None = None


def _axe_source() -> str:
    global _script
    if _script is None:
        from axe_playwright_python.sync_playwright import Axe

        _script = Axe().axe_script
    return _script


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now: rule id, impact, help and the nodes' targets."""
    page.evaluate(_axe_source())
    result = page.evaluate(
        "opts => axe.run(document, opts)",
        {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]},
    )
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def describe(found: list[dict[str, Any]]) -> str:
    return "\n".join(f"  {v['impact']}: {v['id']} ({v['help']}) at {v['targets']}" for v in found)


#: A kind of page: its path with ids and references replaced, so each is checked once per test.
_IDS = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Z]{3}-\d{4}-\d{6}"
)


def page_kind(url: str) -> str:
    path = re.sub(r"^https?://[^/]+", "", url).split("#")[0]
    return _IDS.sub("{id}", path)


class Auditor:
    """Collects the blocking violations of each kind of page a journey reaches (checked once)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.failures: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Page) -> None:
        kind = page_kind(page.url)
        if kind in self.seen or not page.url.startswith("http"):
            return
        try:
            found = violations(page)
        except PlaywrightError:
            return  # the page navigated away meanwhile: it is checked when it is reached again
        self.seen.add(kind)
        blocking = [v for v in found if v["impact"] in BLOCKING]
        if blocking:
            self.failures[kind] = blocking

    def report(self) -> str:
        return "\n".join(f"{kind}:\n{describe(found)}" for kind, found in self.failures.items())


def horizontal_overflow(page: Page) -> int:
    """How far the page is wider than the viewport (0: no horizontal page scroll)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


# --- the journeys: each page object's arrival is checked (pages.Site, conftest.LoginPage) -----

_auditors: dict[int, Auditor] = {}


def start(page: Page) -> Auditor:
    """Check the pages this browser page reaches from now on (the `page` fixture)."""
    auditor = _auditors[id(page)] = Auditor()
    return auditor


def stop(page: Page) -> None:
    _auditors.pop(id(page), None)


def audit_page(page: Page) -> None:
    """axe on the page as it is now, if this kind of page was not checked yet in this test."""
    auditor = _auditors.get(id(page))
    if auditor is not None:
        auditor.check(page)
