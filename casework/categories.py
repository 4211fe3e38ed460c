"""Field categories: the vocabulary that access, sharing, shaping and the audit trail share.

Each domain says once, next to its fields (`__categories__` on the model), which category each
field belongs to; everything else reads that declaration.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    identity = "identity"
    circumstances = "circumstances"
    physical_description = "physical_description"
    family_contacts = "family_contacts"
    dna_references = "dna_references"
    photos = "photos"
    # Facts about a relative's consent and the notifications given to them: recorded in the
    # audit trail; shared, if ever, only as part of family contacts.
    consent = "consent"
    notifications = "notifications"


#: The categories a share or a grant can name (CONTRACT.md: share `categories`).
SHAREABLE: tuple[Category, ...] = (
    Category.identity,
    Category.circumstances,
    Category.physical_description,
    Category.family_contacts,
    Category.dna_references,
    Category.photos,
)

#: Every category, in the one order used when categories are listed (audit, responses).
ALL: tuple[Category, ...] = tuple(Category)


def ordered(categories: object) -> list[str]:
    """The given categories as plain strings, in the one order; unknown names are refused."""
    given = {Category(c) for c in categories}  # type: ignore[attr-defined]
    return [c.value for c in ALL if c in given]
