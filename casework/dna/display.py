"""How the DNA pages show numbers: a likelihood ratio reads the same on every page (the match
reports, one match report, the identification form's list of reports)."""

from __future__ import annotations

import math

from babel.numbers import format_decimal
from flask_babel import get_locale

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Powers of ten shown plainly (0.001 to 9,999); beyond them, scientific notation.
_PLAIN_EXPONENTS = range(-3, 4)


def ratio_text(value: float | None) -> str:
    """A likelihood ratio as people read it: three significant digits times a power of ten when
    large or tiny (1.2e9 → "1.2 × 10⁹"), plainly otherwise (250, 0.5, 1,234). Decimal and
    grouping signs follow the page's language."""
    if value is None:
        return "—"
    if not math.isfinite(value) or value == 0:
        return str(value)
    locale = str(get_locale() or "en")
    mantissa, exponent = f"{value:.2e}".split("e")
    power = int(exponent)
    if power in _PLAIN_EXPONENTS:
        return format_decimal(float(f"{value:.4g}"), format="#,##0.######", locale=locale)
    digits = format_decimal(float(mantissa), format="0.##", locale=locale)
    return f"{digits}\u00a0×\u00a010{str(power).translate(_SUPERSCRIPT)}"
