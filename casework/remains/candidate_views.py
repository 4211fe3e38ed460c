"""Pages of candidate matching: the remains that may be a case's person, the cases whose person
remains may be (ranked, every factor shown), and a case and remains side by side.

Each page reads through the access gateway (purpose `identification`): one audited read of the
record asked about and one of the page of candidates; the comparison, one read of each record.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from casework.access.current import current_access
from casework.auth.policy import require
from casework.cases.forms import SEX_LABELS, STATUS_LABELS
from casework.remains import matching
from casework.remains.candidate_api import PURPOSE, READ_CANDIDATES
from casework.vocabulary import country_name

bp = Blueprint("candidates", __name__)

#: Candidates per page.
PER_PAGE = 25
_MAX_PAGE = 1_000_000

FACTOR_LABELS = {
    "sex": _l("Sex"),
    "age": _l("Age"),
    "stature": _l("Stature"),
    "date": _l("Dates"),
    "geography": _l("Geography"),
    "terms": _l("Shared terms"),
}
BAND_LABELS = {"likely": _l("Likely"), "possible": _l("Possible")}
EXCLUSION_LABELS = {
    matching.EXCLUDED_SEX: _l("Excluded: the sexes differ."),
    matching.EXCLUDED_DATE: _l("Excluded: the remains were found before the person was last seen."),
}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "factor_labels": FACTOR_LABELS,
        "band_labels": BAND_LABELS,
        "exclusion_labels": EXCLUSION_LABELS,
        "weights": matching.WEIGHTS,
        "sex_labels": SEX_LABELS,
        "status_labels": STATUS_LABELS,
        "country_name": country_name,
        "age_ranges": matching.AGE_BAND_RANGES,
    }


def _page_number() -> int:
    """The page asked for (?page=N); anything that is not a page number is the first."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), _MAX_PAGE)


def _pages(result: matching.CandidatePage) -> int:
    return max(1, -(-result.total // result.per_page))


@bp.route("/cases/<reference>/candidates")
@login_required
@require(READ_CANDIDATES)
def for_case(reference: str) -> Any:
    """Unidentified remains that may be the case's person, best first."""
    result = matching.candidates_for_case(
        current_access(PURPOSE), reference, _page_number(), PER_PAGE
    )
    return render_template("remains/candidates_case.html", result=result, pages=_pages(result))


@bp.route("/remains/<uuid:remains_id>/candidates")
@login_required
@require(READ_CANDIDATES)
def for_remains(remains_id: uuid.UUID) -> Any:
    """Missing-person cases whose person the remains may be, best first."""
    result = matching.candidates_for_remains(
        current_access(PURPOSE), remains_id, _page_number(), PER_PAGE
    )
    return render_template("remains/candidates_remains.html", result=result, pages=_pages(result))


@bp.route("/compare/<reference>/<uuid:remains_id>")
@login_required
@require(READ_CANDIDATES)
def compare(reference: str, remains_id: uuid.UUID) -> Any:
    """A case and remains side by side, with each factor of their match."""
    comparison = matching.compare(current_access(PURPOSE), reference, remains_id)
    return render_template("remains/compare.html", c=comparison)
