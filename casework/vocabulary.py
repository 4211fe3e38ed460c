"""The platform's vocabulary of places and languages: ISO 3166-1 countries and BCP 47 tags,
checked against pycountry. Pure: no database, no Flask. Errors never quote the value."""

from __future__ import annotations

import re

import pycountry

_BCP47 = re.compile(
    r"^(?P<lang>[a-zA-Z]{2,3})"
    r"(?:-(?P<script>[a-zA-Z]{4}))?"
    r"(?:-(?P<region>[a-zA-Z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[a-zA-Z0-9]{5,8}|\d[a-zA-Z0-9]{3}))*)$"
)


def country_code(text: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased; ValueError if pycountry does not know it."""
    code = text.strip().upper() if isinstance(text, str) else ""
    if len(code) != 2 or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError("Not an ISO 3166-1 alpha-2 country code.")
    return code


def country_alpha3(alpha2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha2.upper())
    if country is None:
        raise ValueError("Not an ISO 3166-1 alpha-2 country code.")
    return country.alpha_3


def country_name(alpha2: str | None) -> str:
    country = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
    return country.name if country else (alpha2 or "")


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


def language_tag(text: str) -> str:
    """A BCP 47 tag in canonical case (es, es-SV, sr-Latn-RS); the language must exist."""
    match = _BCP47.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError("Not a BCP 47 language tag.")
    lang = match.group("lang").lower()
    found = (
        pycountry.languages.get(alpha_2=lang)
        if len(lang) == 2
        else pycountry.languages.get(alpha_3=lang)
    )
    if found is None:
        raise ValueError("Unknown language.")
    parts = [lang]
    if match.group("script"):
        script = match.group("script").title()
        if pycountry.scripts.get(alpha_4=script) is None:
            raise ValueError("Unknown script.")
        parts.append(script)
    region = match.group("region")
    if region:
        region = region.upper()
        if region.isalpha() and pycountry.countries.get(alpha_2=region) is None:
            raise ValueError("Unknown region.")
        parts.append(region)
    if match.group("variants"):
        parts.extend(v.lower() for v in match.group("variants").strip("-").split("-"))
    return "-".join(parts)
