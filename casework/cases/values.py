"""Pure value rules of a case: approximate dates and age bands (countries and languages come
from casework.vocabulary).

No database and no Flask: schemas, services and pages all validate through these functions.
Error messages never quote the offending value (it may be personal data).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from casework.cases.models import AgeBand, DatePrecision

# Countries and languages are the platform's vocabulary; re-exported for the case rules.
from casework.vocabulary import (  # noqa: F401
    country_alpha3,
    country_choices,
    country_code,
    country_name,
    language_tag,
)

_APPROX_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
EARLIEST_YEAR = 1900


@dataclass(frozen=True, order=True)
class ApproxDate:
    """A date known to the year, the month or the day; the precision travels with it."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> DatePrecision:
        if self.day is not None:
            return DatePrecision.day
        if self.month is not None:
            return DatePrecision.month
        return DatePrecision.year

    @property
    def start(self) -> dt.date:
        """The earliest day the value can mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def end(self) -> dt.date:
        """The latest day the value can mean."""
        if self.day is not None:
            return self.start
        if self.month is None:
            return dt.date(self.year, 12, 31)
        following = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def month_start(self) -> dt.date:
        """First day of the (first possible) month: what is kept in clear for statistics."""
        return dt.date(self.year, self.month or 1, 1)

    def overlaps(self, other: ApproxDate, slack_days: int = 0) -> bool:
        slack = dt.timedelta(days=slack_days)
        return self.start - slack <= other.end and other.start - slack <= self.end

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @classmethod
    def exact(cls, day: dt.date) -> ApproxDate:
        return cls(day.year, day.month, day.day)


def parse_approx_date(text: str, today: dt.date | None = None) -> ApproxDate:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; raise ValueError for impossible or future dates."""
    match = _APPROX_DATE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError("Use YYYY, YYYY-MM or YYYY-MM-DD.")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if year < EARLIEST_YEAR:
        raise ValueError(f"The year must be {EARLIEST_YEAR} or later.")
    if month is not None and not 1 <= month <= 12:
        raise ValueError("There is no such month.")
    if day is not None:
        try:
            dt.date(year, month or 1, day)
        except ValueError:
            raise ValueError("There is no such day.") from None
    value = ApproxDate(year, month, day)
    if value.start > (today or dt.datetime.now(dt.UTC).date()):
        raise ValueError("The date may not be in the future.")
    return value


def approx_date_or_none(text: str | None) -> ApproxDate | None:
    """A stored value back as an ApproxDate (stored values were validated on the way in)."""
    if not text:
        return None
    match = _APPROX_DATE.match(text)
    if match is None:
        return None
    return ApproxDate(
        int(match.group(1)),
        int(match.group(2)) if match.group(2) else None,
        int(match.group(3)) if match.group(3) else None,
    )


_BANDS: tuple[tuple[int, AgeBand], ...] = (
    (0, AgeBand.age_0_4),
    (5, AgeBand.age_5_11),
    (12, AgeBand.age_12_17),
    (18, AgeBand.age_18_24),
    (25, AgeBand.age_25_34),
    (35, AgeBand.age_35_44),
    (45, AgeBand.age_45_59),
    (60, AgeBand.age_60_plus),
)


def band_of_age(years: int) -> AgeBand:
    band = _BANDS[0][1]
    for lower, candidate in _BANDS:
        if years >= lower:
            band = candidate
    return band


def _years_between(born: dt.date, at: dt.date) -> int:
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


def age_bands_possible(birth: ApproxDate, at: ApproxDate) -> list[AgeBand]:
    """Every band the age at `at` can fall in, given both dates' precision (youngest first)."""
    youngest = max(_years_between(birth.end, at.start), 0)
    oldest = max(_years_between(birth.start, at.end), 0)
    order = [band for _, band in _BANDS]
    first, last = order.index(band_of_age(youngest)), order.index(band_of_age(oldest))
    return order[first : last + 1]
