"""Identifications as the access gateway knows them: owned with the case, about identity."""

from __future__ import annotations

from sqlalchemy import select

from casework.access import Resource
from casework.categories import Category
from casework.identification.models import Identification

IDENTIFICATION = Resource(
    kind="identification",
    model=Identification,
    categories=frozenset({Category.identity}),
    owner=lambda: Identification.organisation_id,
    case_id=lambda: Identification.case_id,
    base=lambda: select(Identification),
    record_owner=lambda ident: ident.organisation_id,
    record_case_id=lambda ident: ident.case_id,
    object_id=lambda ident: str(ident.id),
    case_reference=lambda ident: ident.case_reference,
)
