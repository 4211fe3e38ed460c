"""Every user-visible string of the pages is marked for translation, and the layout is ready
for right-to-left languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CSS = Path(__file__).resolve().parents[2] / "casework" / "static" / "casework.css"

JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
TAG = re.compile(r"<[^>]*>", re.S)
# What may stand outside _(): punctuation, numbers, symbols and entities.
NEUTRAL = re.compile(r"^[\s\W\d_·—–…]*$|^&[a-z]+;$")


ATTRIBUTE = re.compile(r'\b(?:placeholder|title|aria-label|alt|value)="([^"]*)"')


def visible_text(source: str) -> list[str]:
    source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
    without_jinja = JINJA.sub(" ", source)
    text = TAG.sub("\n", without_jinja)
    found = [t.strip() for t in text.splitlines() if t.strip() and not NEUTRAL.match(t.strip())]
    # Attributes people read (placeholders, tooltips, labels for screen readers, buttons).
    for tag in TAG.findall(JINJA.sub("", source)):
        if 'type="hidden"' in tag:
            continue
        found += [v for v in ATTRIBUTE.findall(tag) if v.strip() and not NEUTRAL.match(v)]
    return found


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_unmarked_text_in_templates(template):
    assert visible_text(template.read_text()) == []


def test_the_check_catches_unmarked_text():
    assert visible_text("<p>{{ _('Fine') }}</p><p>Not marked</p>") == ["Not marked"]
    assert visible_text('<input placeholder="Type here">') == ["Type here"]
    assert visible_text("<input placeholder=\"{{ _('Marked') }}\">") == []


def test_stylesheet_uses_direction_neutral_properties():
    css = CSS.read_text()
    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)|float:\s*(?:left|right)",
        css,
    )
    assert physical == []
