"""JSON API of the case registry under /api/v1/cases (thin: parse, call a service, dump)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for

from casework.access import Access, dump
from casework.access.current import current_access
from casework.api import api_blueprint, expected_version, page_of, shaped, shaped_page
from casework.auth.context import acting
from casework.auth.policy import require
from casework.cases import operations, queries
from casework.cases.models import Case
from casework.cases.policy import CHANGE_CASE_STATUS, LINK_DUPLICATES, READ_CASES, WRITE_CASES
from casework.cases.resources import CASE
from casework.cases.schemas import (
    CaseCreateSchema,
    CaseListSchema,
    CaseQuerySchema,
    CaseSchema,
    CaseSearchSchema,
    CaseSummarySchema,
    CaseUpdateSchema,
    CaseWriteSchema,
    LinkDuplicateSchema,
    StatusChangeSchema,
    TimelineEventSchema,
    TimelineSchema,
    filters_from,
)
from casework.categories import Category
from casework.crypto import query_parts
from casework.errors import NotFound
from casework.schemas import PageArgs
from casework.web import db_session

#: What a list row shows (CaseSummarySchema): who the person is and where last seen.
LIST_CATEGORIES = (Category.identity, Category.circumstances)

blp = api_blueprint(
    "cases_api", __name__, description="Missing-person cases: registry, lifecycle, timeline"
)


class WithDuplicates:
    """A case plus the possible duplicates found when it was written (for CaseWriteSchema)."""

    def __init__(self, case: Case, possible_duplicates: list[Any]):
        self._case = case
        self.possible_duplicates = possible_duplicates

    def __getattr__(self, name: str) -> Any:
        return getattr(self._case, name)


def _headers(case: Case) -> dict[str, str]:
    return {"ETag": f'"{case.version}"'}


def _case_or_404(reference: str, *, for_update: bool = False) -> Case:
    return queries.case_or_404(db_session(), acting(), reference, for_update=for_update)


def _visible_or_404(access: Access, reference: str) -> Case:
    return queries.visible_case_or_404(access, reference)


def _search(args: dict[str, Any], view: str):
    access = current_access()
    page, per_page = args["page"], args["per_page"]
    found = queries.search_cases(access, filters_from(args), page, per_page)
    shown = access.read_page(CASE, found.items, view=view, only=LIST_CATEGORIES, page=page)
    extra = {"total_is_estimate": True} if found.total_is_estimate else {}
    if not found.matches:
        return shaped_page(CaseSummarySchema(), shown, page, per_page, found.total, **extra)
    # A name search: each row says how well it matched and which query parts it matched
    # (the words the caller sent, normalised), never the index keys.
    words = query_parts(args.get("q") or "").parts
    items = []
    for row in shown:
        item = dump(CaseSummarySchema(), row)
        result = found.matches.get(row.record.id)
        if result is not None:
            item["match"] = {"score": result.score, "parts": [words[i] for i in result.matched]}
        items.append(item)
    body = page_of(items, page, per_page, found.total)
    body.update(extra)
    return jsonify(body)


@blp.route("/cases", methods=["GET"])
@require(READ_CASES)
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CaseListSchema)
def list_cases(args: dict[str, Any]):
    """List the cases the caller may see, by filters. `q` (a name or a reference) is
    deprecated here: a name in a URL ends up in logs; use POST /cases/search."""
    return _search(args, "search" if args.get("q") else "list")


@blp.route("/cases/search", methods=["POST"])
@require(READ_CASES)
@blp.arguments(CaseSearchSchema)
@blp.response(200, CaseListSchema)
def search_cases(args: dict[str, Any]):
    """Search by name (any spelling or script) or reference, and by filters: the personal
    values travel in the body, never in the URL."""
    return _search(args, "search")


@blp.route("/cases", methods=["POST"])
@require(WRITE_CASES)
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseWriteSchema)
def create_case(data: dict[str, Any]):
    """Register a case; answers the whole record and the organisation's possible duplicates."""
    session = db_session()
    case = operations.create_case(session, acting(), data)
    duplicates = queries.possible_duplicates(session, case)
    headers = _headers(case)
    headers["Location"] = url_for("cases_api.get_case", reference=case.reference)
    return WithDuplicates(case, duplicates), headers


@blp.route("/cases/<reference>", methods=["GET"])
@require(READ_CASES)
@blp.response(200, CaseSchema)
def get_case(reference: str):
    """One case (the read is audited): the caller's organisation's, or one granted to it, with
    only the granted categories; anything else is a 404."""
    access = current_access()
    case = _visible_or_404(access, reference)
    return shaped(CaseSchema(), access.read(CASE, case, view="case"), headers=_headers(case))


@blp.route("/cases/<reference>", methods=["PATCH"])
@require(WRITE_CASES)
@blp.arguments(CaseUpdateSchema)
@blp.response(200, CaseWriteSchema)
def update_case(data: dict[str, Any], reference: str):
    """Change fields; needs the current `version` (or If-Match), a stale one gets 409."""
    version = expected_version(data.pop("version", None), required=True)
    session = db_session()
    case = _case_or_404(reference, for_update=True)
    operations.update_case(session, acting(), case, data, version)
    return WithDuplicates(case, queries.possible_duplicates(session, case)), _headers(case)


@blp.route("/cases/<reference>/status", methods=["POST"])
@require(CHANGE_CASE_STATUS)
@blp.arguments(StatusChangeSchema)
@blp.response(200, CaseSchema)
def change_status(data: dict[str, Any], reference: str):
    """Move the case to another status; 409 names the statuses allowed from here. Closing
    with reason `duplicate` needs `duplicate_of` (422 without it) and links the two cases;
    `closed` → `active_search` reopens the case (a focal point only): its closure reason and
    duplicate link are cleared, and its timeline says so."""
    version = expected_version(data.get("version"), required=False)
    case = _case_or_404(reference, for_update=True)
    operations.change_status_as_asked(db_session(), acting(), case, data, version)
    return case, _headers(case)


@blp.route("/cases/<reference>/link-duplicate", methods=["POST"])
@require(LINK_DUPLICATES)
@blp.arguments(LinkDuplicateSchema)
@blp.response(200, CaseSchema)
def link_duplicate(data: dict[str, Any], reference: str):
    """Close `duplicate_reference` as a duplicate of this case, keeping its history visible."""
    version = expected_version(data.get("version"), required=False)
    session = db_session()
    # A whole reference, or its end (000025, 25) when one case of the organisation has it.
    duplicate_ref = queries.own_reference(
        session, acting(), data["duplicate_reference"], field="duplicate_reference"
    ) or queries.normalise_reference(data["duplicate_reference"])
    found = queries.cases_for_update(session, acting(), [reference, duplicate_ref])
    survivor = found.get(queries.normalise_reference(reference))
    if survivor is None:
        raise NotFound("No such case.")
    duplicate = found.get(duplicate_ref)
    if duplicate is None:
        raise NotFound("No such case.", fields={"duplicate_reference": ["No such case."]})
    operations.link_duplicate(session, acting(), survivor, duplicate, data["note"], version)
    return survivor, _headers(survivor)


@blp.route("/cases/<reference>/timeline", methods=["GET"])
@require(READ_CASES)
@blp.arguments(PageArgs, location="query")
@blp.response(200, TimelineSchema)
def timeline(args: dict[str, Any], reference: str):
    """The case's history, oldest first, with that of cases linked into it as duplicates."""
    access = current_access()
    case = _visible_or_404(access, reference)
    page, per_page = args["page"], args["per_page"]
    shown = access.read(CASE, case, view="timeline", only=[Category.circumstances])
    if not shown.is_owned and not shown.categories:
        raise NotFound("No such case.")
    events, total = queries.timeline(access.session, case, page, per_page)
    schema = TimelineEventSchema(exclude=() if shown.categories else ("note",))
    return jsonify(page_of(schema.dump(events, many=True), page, per_page, total))
