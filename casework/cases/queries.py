"""Reads of the case registry, every one scoped by the access gateway (`Access`).

Name search goes through the blind index, then decrypts a capped set of candidates and
re-checks them; every other list decrypts only the rows of the page it returns.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, load_only

from casework.access import Access, Resource
from casework.access.gateway import same_owner
from casework.auth.models import Organisation
from casework.auth.policy import Actor
from casework.cases import duplicates
from casework.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    CaseVulnerability,
    DatePrecision,
    Vulnerability,
)
from casework.cases.resources import CASE
from casework.cases.values import ApproxDate
from casework.crypto import NameScore, name_ranker
from casework.errors import InvalidInput, or_404
from casework.keys import RecordUnreadable, indexer
from casework.keys.service import newest_owners, owners_matching_enough, strongest_first

NAME_FIELD = "cases.name"
#: Most index candidates a name search considers; more means "refine the search".
NAME_CANDIDATE_CAP = 1000
#: Up to this many candidates, all are re-checked and the name search's total is exact.
EXACT_TOTAL_LIMIT = 200
#: Candidates decrypted and re-checked per statement.
RECHECK_CHUNK = 50
#: Most cases compared when looking for possible duplicates of one case.
DUPLICATE_CANDIDATE_CAP = 200
#: Most cases a search for the end of a reference considers (one per prefix and year).
REFERENCE_END_CAP = 1000
#: How deep chains of linked duplicates are followed for the timeline.
MAX_DUPLICATE_DEPTH = 5
_REFERENCE = re.compile(r"^[A-Z]{3}-\d{4}-\d{6,9}$")
#: The end of a reference: its number (000012, 12), optionally with its year (2026-000012).
_REFERENCE_END = re.compile(r"^(?:\d{4}-)?(\d{1,9})$")
AMBIGUOUS_REFERENCE_END = (
    "More than one case of your organisation has a reference ending so (other years or "
    "prefixes): give the whole reference."
)


def normalise_reference(text: str) -> str:
    return (text or "").strip().upper()


def is_reference(text: str) -> bool:
    return bool(_REFERENCE.match(normalise_reference(text)))


def reference_end(text: str) -> tuple[int, str] | None:
    """(sequence number, text) when `text` is the end of a reference (000012, 2026-000012)."""
    ref = normalise_reference(text)
    found = _REFERENCE_END.match(ref)
    return (int(found.group(1)), ref) if found else None


def _ending(number: int, tail: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A reference that ends with `tail` (see `reference_end`): its number found through the
    reference-number index, and the text checked on the few rows that index gives."""
    return Case.reference_number == number, Case.reference.endswith(tail, autoescape=True)


@dataclass(frozen=True)
class CaseFilters:
    """Search criteria; none of them is personal except `q` (a name or a reference)."""

    q: str | None = None
    status: CaseStatus | None = None
    nationality: str | None = None
    last_seen_country: str | None = None
    last_seen_from: ApproxDate | None = None
    last_seen_to: ApproxDate | None = None
    vulnerability: Vulnerability | None = None


@dataclass
class CasePage:
    items: list[Case]
    total: int
    truncated: bool = False  # the name search hit NAME_CANDIDATE_CAP
    total_is_estimate: bool = False  # a name search re-checked only what the page needed
    # A name search's scores, by case id: how well and which query parts each row matched.
    matches: dict[uuid.UUID, NameScore] = field(default_factory=dict)


def _order() -> list[Any]:
    # created_at alone ties within one request; the id makes the order total and stable.
    return [Case.created_at.desc(), Case.id.desc()]


def _conditions(filters: CaseFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.status is not None:
        where.append(Case.status == filters.status)
    if filters.nationality:
        where.append(Case.nationality == filters.nationality)
    if filters.last_seen_country:
        where.append(Case.last_seen_country == filters.last_seen_country)
    if filters.last_seen_from is not None:
        low = filters.last_seen_from.month_start
        # A year-only date spans January to December: it overlaps when its year reaches `low`.
        where.append(
            or_(
                Case.last_seen_month >= low,
                and_(
                    Case.last_seen_precision == DatePrecision.year,
                    Case.last_seen_month >= dt.date(low.year, 1, 1),
                ),
            )
        )
    if filters.last_seen_to is not None:
        end = filters.last_seen_to.end
        where.append(Case.last_seen_month <= dt.date(end.year, end.month, 1))
    if filters.vulnerability is not None:
        flagged = select(CaseVulnerability.case_id).where(
            CaseVulnerability.vulnerability == filters.vulnerability
        )
        where.append(Case.id.in_(flagged))
    return where


def _owned(session: Session, actor: Actor) -> Select[tuple[Case]]:
    return Access(session, actor).owned_select(CASE)


def visible_case(
    access: Access, reference: str, *, reaching: Resource | None = None
) -> Case | None:
    """The case with this reference if the actor may see it (own or granted), else None;
    with `reaching`, if the actor may see records of that kind through it (its relatives)."""
    ref = normalise_reference(reference)
    if not is_reference(ref):
        return None
    stmt = access.select(CASE, reaching=reaching).where(Case.reference == ref)
    return access.session.scalar(stmt)


def case_by_reference(
    session: Session, actor: Actor, reference: str, *, for_update: bool = False
) -> Case | None:
    """The actor's organisation's case with this reference, for a write (None: not theirs)."""
    ref = normalise_reference(reference)
    if not is_reference(ref):
        return None
    stmt = _owned(session, actor).where(Case.reference == ref)
    if for_update:
        # Row lock on PostgreSQL, so the version and status checked are the ones written over;
        # SQLite already serialises writers (BEGIN IMMEDIATE).
        stmt = stmt.with_for_update(of=Case)
    return session.scalar(stmt)


def own_reference(session: Session, actor: Actor, text: str, *, field: str) -> str | None:
    """The whole reference of the actor's organisation's case that `text` names: a whole
    reference, or its end as a search takes it (000025, 25, 2026-000025), when exactly one case
    of the organisation ends so. None when none does (or `text` is neither); more than one
    (references of other years or prefixes) is refused as ambiguous, naming `field`."""
    if is_reference(text):
        return normalise_reference(text)
    end = reference_end(text)
    if end is None:
        return None
    number, tail = end
    stmt = (
        _owned(session, actor)
        .with_only_columns(Case.reference)
        .where(*_ending(number, tail))
        .limit(2)
    )
    found = list(session.scalars(stmt))
    if len(found) > 1:
        raise InvalidInput(
            "More than one case of your organisation has a reference ending so.",
            {field: [AMBIGUOUS_REFERENCE_END]},
        )
    return found[0] if found else None


def cases_for_update(session: Session, actor: Actor, references: Sequence[str]) -> dict[str, Case]:
    """Several cases locked in one statement, in id order (two linkers cannot deadlock)."""
    refs = [normalise_reference(r) for r in references if is_reference(r)]
    if not refs:
        return {}
    stmt = (
        _owned(session, actor)
        .where(Case.reference.in_(refs))
        .order_by(Case.id)
        .with_for_update(of=Case)
    )
    return {c.reference: c for c in session.scalars(stmt)}


def duplicates_for_update(session: Session, case: Case) -> list[Case]:
    """The cases linked into `case` as duplicates, locked, in id order."""
    stmt = (
        select(Case)
        .where(Case.duplicate_of_id == case.id)
        .order_by(Case.id)
        .with_for_update(of=Case)
    )
    return list(session.scalars(stmt))


def organisation_ids(session: Session, ids: Sequence[str]) -> set[str]:
    """Which of these organisation ids exist."""
    wanted = []
    for value in ids:
        try:
            wanted.append(uuid.UUID(value))
        except ValueError:
            continue
    if not wanted:
        return set()
    found = session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted)))
    return {str(i) for i in found}


def organisation_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    wanted = [uuid.UUID(i) for i in ids if i]
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
    )
    return {str(i): name for i, name in rows}


def search_cases(access: Access, filters: CaseFilters, page: int, per_page: int) -> CasePage:
    """One page of the cases the actor may see, newest first, matching every filter given.

    Rows only: the caller shows them through `access.read_page`, which records the read."""
    session = access.session
    where = _conditions(filters)
    q = (filters.q or "").strip()
    if q and is_reference(q):
        where.append(Case.reference == normalise_reference(q))
    elif q and (end := reference_end(q)) is not None:
        where.append(Case.id.in_(_ids_ending(session, *end)))
    elif q:
        return _name_search(access, q, where, page, per_page)
    total = session.scalar(access.scope(select(func.count(Case.id)), CASE).where(*where)) or 0
    stmt = (
        access.select(CASE)
        .where(*where)
        .order_by(*_order())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return CasePage(list(session.scalars(stmt)), total)


def _ids_ending(session: Session, number: int, text: str) -> list[uuid.UUID]:
    """Ids of the cases whose reference ends with `text` (its number `number`), any owner: the
    number's index alone answers this (one case per prefix and year), and the caller's scoped
    statement then looks the few ids up by primary key. (In one statement, SQLite prefers the
    organisation's created_at index for the ORDER BY and walks all the organisation's cases.)"""
    stmt = select(Case.id).where(*_ending(number, text)).limit(REFERENCE_END_CAP)
    return list(session.scalars(stmt))


def parts_needed(parts: int) -> int:
    """How many query parts a name must match: all of one or two; all but one of three or
    more (a middle name or a second family name the other writer left out)."""
    return parts if parts <= 2 else parts - 1


def _name_search(
    access: Access,
    q: str,
    where: list[ColumnElement[bool]],
    page: int,
    per_page: int,
) -> CasePage:
    """Ranked name search: index candidates, decrypted and scored, best first.

    Candidates match enough query parts through any of their forms (spelling,
    transliteration, skeleton, phonetic or fuzzy key; see casework.crypto.names). Each is
    decrypted and re-checked with the similarity measure; the confirmed ones are ranked by how
    many query parts they match, then by similarity, then newest first.

    Up to EXACT_TOTAL_LIMIT candidates are all re-checked, so the ranking and total are exact.
    Beyond that (a common name at national scale) the index orders the candidates by how many
    query tokens they share, and they are re-checked in that order until the page and one more
    row are confirmed; the total is then an upper bound (`total_is_estimate`).
    """
    session = access.session
    token_sets = indexer(session).query_name_tokens(NAME_FIELD, q)
    if not token_sets:
        # A query without a searchable part matches nothing, not everything.
        return CasePage([], 0)
    need = parts_needed(len(token_sets))
    # Walk the index newest first (case ids are time-ordered) within the organisation and
    # filters; no scan of the cases table, and at most the cap plus one ids come back. The
    # strong forms first: when they alone fill the cap (a common name at national scale) the
    # fuzzy keys, whose matches would rank below them anyway, are not walked.
    allowed = access.scope(select(Case.id), CASE).where(*where)
    strong = indexer(session).query_name_tokens(NAME_FIELD, q, fuzzy=False)
    candidate_ids = owners_matching_enough(
        session, NAME_FIELD, strong, allowed, NAME_CANDIDATE_CAP + 1, need
    )
    if len(candidate_ids) <= NAME_CANDIDATE_CAP:
        candidate_ids = owners_matching_enough(
            session, NAME_FIELD, token_sets, allowed, NAME_CANDIDATE_CAP + 1, need
        )
    truncated = len(candidate_ids) > NAME_CANDIDATE_CAP
    candidate_ids = candidate_ids[:NAME_CANDIDATE_CAP]
    start = (page - 1) * per_page
    exact = len(candidate_ids) <= EXACT_TOTAL_LIMIT
    if not exact:
        candidate_ids = strongest_first(session, NAME_FIELD, token_sets, candidate_ids)
    wanted = None if exact else start + per_page + 1
    confirmed: dict[uuid.UUID, NameScore] = {}
    checked = 0
    score = name_ranker(q)
    for offset in range(0, len(candidate_ids), RECHECK_CHUNK):
        chunk = candidate_ids[offset : offset + RECHECK_CHUNK]
        rows = {
            c.id: c
            for c in session.scalars(select(Case).options(_NAMES_ONLY).where(Case.id.in_(chunk)))
        }
        for case_id in chunk:
            checked += 1
            case = rows.get(case_id)
            if case is None:
                continue
            result = score(case.all_names)
            if len(result.matched) >= need:
                confirmed[case_id] = result
        if wanted is not None and len(confirmed) >= wanted:
            break
    ranked = sorted(
        confirmed, key=lambda i: (len(confirmed[i].matched), confirmed[i].score, i), reverse=True
    )
    page_ids = ranked[start : start + per_page]
    if checked == len(candidate_ids):
        total, estimate = len(confirmed), False
    else:
        total, estimate = len(confirmed) + len(candidate_ids) - checked, True
    items = _cases_in_order(session, page_ids)
    return CasePage(items, total, truncated, estimate, matches={i: confirmed[i] for i in page_ids})


# What the re-check of a name candidate needs: its names and its data key, nothing else.
_NAMES_ONLY = load_only(Case.id, Case.given_names_enc, Case.family_names_enc, Case.aliases_enc)


def _cases_in_order(session: Session, ids: list[uuid.UUID]) -> list[Case]:
    """Whole rows for one page, in the given order (one statement)."""
    if not ids:
        return []
    # populate_existing: the re-check loaded these rows with only their name columns.
    stmt = select(Case).where(Case.id.in_(ids)).execution_options(populate_existing=True)
    rows = {c.id: c for c in session.scalars(stmt)}
    return [rows[i] for i in ids if i in rows]


def possible_duplicates(session: Session, case: Case) -> list[duplicates.DuplicateMatch]:
    """Other live cases of the case's organisation that may be the same person."""
    facts = duplicates.CaseFacts.of(case)
    token_sets = indexer(session).query_name_tokens(NAME_FIELD, facts.names)
    if not token_sets:
        return []
    # Any part may match here; `duplicates.compare` then demands enough parts and no
    # contradiction, on decrypted values.
    allowed = same_owner(select(Case.id), CASE, case).where(
        Case.id != case.id, Case.duplicate_of_id.is_(None)
    )
    newest = newest_owners(
        session, NAME_FIELD, [set().union(*token_sets)], allowed, DUPLICATE_CANDIDATE_CAP
    )
    stmt = select(Case).where(Case.id.in_(newest)).order_by(Case.id.desc())
    others = []
    for candidate in session.scalars(stmt):
        try:
            others.append(duplicates.CaseFacts.of(candidate))
        except RecordUnreadable:
            continue  # a case that does not decrypt is not compared (its own read reports it)
    return duplicates.rank(facts, others)


def linked_case_ids(session: Session, case: Case) -> list[uuid.UUID]:
    """The case and every case linked into it as a duplicate (following chains a few deep)."""
    ids = [case.id]
    frontier = [case.id]
    for _ in range(MAX_DUPLICATE_DEPTH):
        found = list(session.scalars(select(Case.id).where(Case.duplicate_of_id.in_(frontier))))
        found = [i for i in found if i not in ids]
        if not found:
            break
        ids += found
        frontier = found
    return ids


def timeline(session: Session, case: Case, page: int, per_page: int) -> tuple[list[CaseEvent], int]:
    """The case's history, oldest first, including the history of its linked duplicates."""
    ids = linked_case_ids(session, case)
    where = CaseEvent.case_id.in_(ids)
    total = session.scalar(select(func.count(CaseEvent.id)).where(where)) or 0
    stmt = (
        select(CaseEvent)
        .where(where)
        .order_by(CaseEvent.occurred_at, CaseEvent.version, CaseEvent.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(session.scalars(stmt)), total


def case_by_reference_any_org(session: Session, reference: str) -> Case | None:
    """For the command line only (a system actor acts for the instance, not an organisation)."""
    return case_by_reference(session, Actor.system(), reference)


def denial_subject(
    session: Session, actor: Actor, view_args: dict[str, Any]
) -> tuple[str, str, str] | None:
    """For the audit of a refused request: the case it named, if the actor's organisation
    holds it (a reference that does not exist, or another's, says nothing worth keeping)."""
    reference = view_args.get("reference")
    if not isinstance(reference, str):
        return None
    case = case_by_reference(session, actor, reference)
    return ("case", case.reference, case.reference) if case is not None else None


# --- look-ups that answer 404 (pages, API and commands share them) -----------------------


def case_or_404(
    session: Session, actor: Actor, reference: str, *, for_update: bool = False
) -> Case:
    """The actor's organisation's case, for a write; another's, or a granted one, is a 404."""
    found = case_by_reference(session, actor, reference, for_update=for_update)
    return or_404(found, "No such case.")


def visible_case_or_404(
    access: Access, reference: str, *, reaching: Resource | None = None
) -> Case:
    """A case the actor may read (own or granted), else a 404 (see `visible_case`)."""
    return or_404(visible_case(access, reference, reaching=reaching), "No such case.")
