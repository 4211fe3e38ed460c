"""Possible-duplicate scoring between two decrypted cases: pure, so it is tested without a database.

Names must agree part by part (through the same matcher as the name search: any script,
spelling, article or particle, see casework.crypto.names); sex, date of birth and nationality
must not contradict; matching last-seen data adds to the score. Reasons name the fields that
agree, never their values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from casework.cases.models import Case, joined_names
from casework.cases.values import ApproxDate, approx_date_or_none
from casework.crypto import name_ranker, query_parts

#: Tolerance on dates of birth: families often remember the year only roughly.
DOB_SLACK_DAYS = 366
#: Last-seen dates closer than this count as agreeing.
LAST_SEEN_SLACK_DAYS = 183
MAX_RESULTS = 10


@dataclass(frozen=True)
class CaseFacts:
    reference: str
    names: str  # given + family names (what a new registration is matched on)
    all_names: str  # + aliases (what an existing case can be matched by)
    sex: str | None = None
    date_of_birth: ApproxDate | None = None
    nationality: str | None = None
    last_seen_country: str | None = None
    last_seen_date: ApproxDate | None = None

    @classmethod
    def of(cls, case: Case) -> CaseFacts:
        # Each encrypted field is read (decrypted) once: up to DUPLICATE_CANDIDATE_CAP cases
        # pass through here per registration or update.
        given = case.given_names or ""
        family = case.family_names or ""
        return cls(
            reference=case.reference or "",
            names=f"{given} {family}".strip(),
            all_names=joined_names(given, family, case.aliases),
            sex=getattr(case.sex, "value", case.sex),
            date_of_birth=approx_date_or_none(case.date_of_birth),
            nationality=case.nationality,
            last_seen_country=case.last_seen_country,
            last_seen_date=approx_date_or_none(case.last_seen_date),
        )


@dataclass(frozen=True)
class DuplicateMatch:
    reference: str
    score: float
    reasons: list[str] = field(default_factory=list)


def compare(new: CaseFacts, other: CaseFacts) -> DuplicateMatch | None:
    """How likely `other` is the same person as `new`; None when it cannot be."""
    parts = query_parts(new.names).parts
    if not parts or not other.all_names:
        return None
    # The same matcher as the name search: any script, spelling, article or particle.
    matched = len(name_ranker(new.names)(other.all_names).matched)
    # One matching part of a multi-part name is a common first name, not a duplicate.
    if matched < min(2, len(parts)):
        return None
    known = {"unknown", None}
    if new.sex not in known and other.sex not in known and new.sex != other.sex:
        return None
    reasons = ["name"]
    score = 0.6 * matched / len(parts)
    if new.date_of_birth and other.date_of_birth:
        if not new.date_of_birth.overlaps(other.date_of_birth, DOB_SLACK_DAYS):
            return None
        reasons.append("date_of_birth")
        score += 0.1
    if new.nationality and other.nationality:
        if new.nationality != other.nationality:
            return None
        reasons.append("nationality")
        score += 0.1
    if new.last_seen_country and new.last_seen_country == other.last_seen_country:
        reasons.append("last_seen_country")
        score += 0.1
    if (
        new.last_seen_date
        and other.last_seen_date
        and new.last_seen_date.overlaps(other.last_seen_date, LAST_SEEN_SLACK_DAYS)
    ):
        reasons.append("last_seen_date")
        score += 0.1
    return DuplicateMatch(other.reference, round(min(score, 1.0), 2), reasons)


def rank(new: CaseFacts, others: list[CaseFacts]) -> list[DuplicateMatch]:
    found = [m for o in others if o.reference != new.reference and (m := compare(new, o))]
    found.sort(key=lambda m: (-m.score, m.reference))
    return found[:MAX_RESULTS]
