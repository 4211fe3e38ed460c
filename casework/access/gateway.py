"""The access gateway: the one way to read personal data.

Given the actor and the purpose, `Access` scopes every query to the records the actor may see
(the owning organisation's, and those a grant provider grants to another organisation), says
per record which field categories the actor may see, and records one audit event per read: one
per record shown, or one per page of a list or search (naming the references returned and the
categories shown, never values or search terms). Responses are shaped from those categories:
what is not allowed is absent, not masked.

No Flask here: pages, the API and the CLI call it with plain values.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_
from sqlalchemy.orm import Session

from casework import registry
from casework.audit.reads import append_read
from casework.audit.trail import AuditActor, PlainActor
from casework.auth.policy import Actor
from casework.categories import SHAREABLE, Category, ordered
from casework.keys import RecordUnreadable, report_unreadable

C = Category

#: What each role of the owning organisation may see of its own records. Roles not listed
#: (administrators, auditors, partners) see no personal data of their own organisation.
OWN_CATEGORIES: dict[str, frozenset[Category]] = {
    "focal_point": frozenset(
        {
            C.identity,
            C.circumstances,
            C.physical_description,
            C.family_contacts,
            C.dna_references,
            C.photos,
            C.consent,
            C.notifications,
        }
    ),
    "family_liaison": frozenset(
        {
            C.identity,
            C.circumstances,
            C.physical_description,
            C.family_contacts,
            C.photos,
            C.consent,
            C.notifications,
        }
    ),
    "forensic": frozenset(
        {C.identity, C.circumstances, C.physical_description, C.dna_references, C.photos}
    ),
}
#: Roles of another organisation that a grant may reach (never administrators or auditors).
GRANTEE_ROLES = frozenset({"focal_point", "family_liaison", "forensic", "partner"})


class GrantProvider(Protocol):
    """What other organisations were granted (registered by the exchange domain)."""

    def granted_case_ids(
        self, session: Session, actor: Actor, purpose: str | None, categories: frozenset[str]
    ) -> Select[Any] | None:
        """A SELECT of the ids of the cases granted to the actor's organisation with at least
        one of `categories` (a resource's), or None for none."""

    def granted_categories(
        self, session: Session, actor: Actor, purpose: str | None, case_ids: Sequence[uuid.UUID]
    ) -> Mapping[uuid.UUID, Iterable[str]]:
        """Per case id, the categories granted to the actor's organisation."""


R = TypeVar("R")


@dataclass(frozen=True)
class Resource:
    """A kind of record that holds personal data, as the gateway needs to know it."""

    kind: str  # "case", "relative": audit object type and action prefix
    model: type
    categories: frozenset[Category]  # the categories its personal fields belong to
    owner: Callable[[], Any]  # the organisation column (joined in by `base`)
    case_id: Callable[[], Any]  # the column holding the case id (what grants name)
    base: Callable[[], Select[Any]]  # SELECT of the model with the joins `owner` needs
    record_owner: Callable[[Any], uuid.UUID]
    record_case_id: Callable[[Any], uuid.UUID]
    object_id: Callable[[Any], str]
    case_reference: Callable[[Any], str | None]

    @property
    def field_categories(self) -> dict[str, str]:
        """API field → category, from the one declaration on the model."""
        return dict(getattr(self.model, "__categories__", {}))


class Unreadable(str):
    """What a row of a list shows for a field that cannot be decrypted (`RecordUnreadable`):
    the page still lists every other record. `translate` is set by the app (no Flask here)."""

    translate: Callable[[str], str] = staticmethod(lambda text: text)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(Unreadable.translate("[unreadable]")))


UNREADABLE = Unreadable("[unreadable]")


class Shown(Generic[R]):
    """A record and the categories the actor may see of it.

    Attribute access passes through to the record, except for a field of a category that is
    not allowed: that reads as absent (AttributeError), so templates and schemas leave it out.
    A row of a list (`report` given) shows a field that cannot be decrypted as `UNREADABLE`
    and reports it; a single record's read raises `RecordUnreadable` (a deliberate 500).
    """

    __slots__ = ("record", "categories", "is_owned", "_fields", "_report")

    def __init__(
        self,
        record: R,
        categories: frozenset[str],
        is_owned: bool,
        fields: dict[str, str],
        report: Callable[[RecordUnreadable], None] | None = None,
    ):
        self.record = record
        self.categories = categories
        self.is_owned = is_owned
        self._fields = fields
        self._report = report

    def shows(self, category: str) -> bool:
        return category in self.categories

    def allows(self, field_name: str) -> bool:
        category = self._fields.get(field_name)
        return category is None or category in self.categories

    def __getattr__(self, name: str) -> Any:
        if not self.allows(name):
            raise AttributeError(name)
        if self._report is None:
            return getattr(self.record, name)
        try:
            return getattr(self.record, name)
        except RecordUnreadable as exc:
            self._report(exc)
            return UNREADABLE


class Access:
    """One actor's reads, for one purpose, within one unit of work (request or command)."""

    def __init__(self, session: Session, actor: Actor, purpose: str | None = None):
        self.session = session
        self.actor = actor
        self.purpose = purpose
        self._granted: dict[uuid.UUID, frozenset[str]] = {}
        self._unreadable: set[tuple[str, str, str]] = set()

    # --- who may see what -----------------------------------------------------------------

    @property
    def is_system(self) -> bool:
        return self.actor.role == "system"

    def own_categories(self, resource: Resource) -> frozenset[str]:
        if self.is_system:
            return frozenset(c.value for c in resource.categories)
        allowed = OWN_CATEGORIES.get(self.actor.role, frozenset())
        return frozenset(c.value for c in resource.categories & allowed)

    def _providers(self) -> list[GrantProvider]:
        if self.is_system or self.actor.organisation_id is None:
            return []
        if self.actor.role not in GRANTEE_ROLES:
            return []
        return registry.providers(registry.GRANT_PROVIDER)

    def _visible(self, resource: Resource, reaching: Resource | None) -> ColumnElement[bool]:
        # `reaching`: the records are a way to records of another kind (a case, to reach its
        # relatives), so what counts is what the actor may see of that kind.
        wanted = reaching or resource
        branches: list[ColumnElement[bool]] = []
        if self.own_categories(wanted):
            branches.append(resource.owner() == self.actor.organisation_id)
        kinds = frozenset(c.value for c in wanted.categories)
        for provider in self._providers():
            granted = provider.granted_case_ids(self.session, self.actor, self.purpose, kinds)
            if granted is not None:
                foreign = resource.owner() != self.actor.organisation_id
                branches.append(foreign & resource.case_id().in_(granted))
        if not branches:
            return false()
        return or_(*branches) if len(branches) > 1 else branches[0]

    # --- scoping queries -------------------------------------------------------------------

    def select(self, resource: Resource, *, reaching: Resource | None = None) -> Select[Any]:
        """SELECT of the resource's records the actor may see (own and granted); with
        `reaching`, those through which the actor may see records of that other kind."""
        return self.scope(resource.base(), resource, reaching=reaching)

    def scope(
        self, stmt: Select[Any], resource: Resource, *, reaching: Resource | None = None
    ) -> Select[Any]:
        """Restrict a statement (that has `resource.base()`'s joins) to what the actor may see."""
        if self.is_system:
            return stmt
        return stmt.where(self._visible(resource, reaching))

    def owned(self, stmt: Select[Any], resource: Resource) -> Select[Any]:
        """Restrict to the actor's own organisation's records: for writes and their checks."""
        if self.is_system:
            return stmt
        return stmt.where(resource.owner() == self.actor.organisation_id)

    def owned_select(self, resource: Resource) -> Select[Any]:
        return self.owned(resource.base(), resource)

    def by_id(
        self, resource: Resource, record_id: Any, *, owned: bool = False, for_update: bool = False
    ) -> Any | None:
        """The record with this id if the actor may see it (with `owned`: if the actor's
        organisation owns it, for a write), else None; an id that is not a UUID is None too.
        With `for_update` the row stays locked until the transaction ends (PostgreSQL).
        A row only: showing it goes through `read`, which records the read."""
        wanted = as_uuid(record_id)
        if wanted is None:
            return None
        stmt = self.owned_select(resource) if owned else self.select(resource)
        stmt = stmt.where(resource.model.id == wanted)
        if for_update:
            # FOR NO KEY UPDATE (PostgreSQL): writers of the row still queue, but a transaction
            # writing a row that points at it (its foreign-key check) does not wait, which would
            # deadlock with one that holds what this transaction waits for (a confirmation
            # holds the case and writes the match report that points at a DNA reference).
            # And the row is read as it is once locked, not as an earlier read of this
            # transaction left it in the session (a writer that waited may have changed it).
            stmt = stmt.with_for_update(of=resource.model, key_share=True).execution_options(
                populate_existing=True
            )
        return self.session.scalar(stmt)

    # --- categories per record -------------------------------------------------------------

    def categories_of(self, resource: Resource, records: Sequence[Any]) -> list[frozenset[str]]:
        """Per record, the categories the actor may see (empty: not visible at all)."""
        own = self.own_categories(resource)
        foreign = [resource.record_case_id(r) for r in records if not self.owns(resource, r)]
        self._load_grants(foreign)
        kinds = frozenset(c.value for c in resource.categories)
        result = []
        for record in records:
            if self.owns(resource, record):
                result.append(own)
            else:
                granted = self._granted.get(resource.record_case_id(record), frozenset())
                result.append(granted & kinds)
        return result

    def _load_grants(self, case_ids: list[uuid.UUID]) -> None:
        wanted = [i for i in dict.fromkeys(case_ids) if i not in self._granted]
        if not wanted:
            return
        found: dict[uuid.UUID, set[str]] = {i: set() for i in wanted}
        for provider in self._providers():
            granted = provider.granted_categories(self.session, self.actor, self.purpose, wanted)
            for case_id, categories in granted.items():
                if case_id in found:
                    found[case_id] |= {Category(c).value for c in categories}
        shareable = {c.value for c in SHAREABLE}
        for case_id, categories in found.items():
            self._granted[case_id] = frozenset(categories & shareable)

    def owns(self, resource: Resource, record: Any) -> bool:
        """Does the actor's organisation own the record (may it change it)?"""
        return self.is_system or resource.record_owner(record) == self.actor.organisation_id

    def shown(self, resource: Resource, record: Any) -> Shown[Any]:
        """The record with the categories the actor may see, without recording a read."""
        (categories,) = self.categories_of(resource, [record])
        return Shown(record, categories, self.owns(resource, record), resource.field_categories)

    # --- reads (each records one audit event) ----------------------------------------------

    def _on_behalf_of(self, owner: uuid.UUID | None) -> AuditActor:
        """Who the read is recorded for: the actor; the instance itself (the command line) reads
        on behalf of the organisation that owns the record, so that organisation's auditor
        sees it."""
        if self.actor.organisation_id is not None or owner is None:
            return self.actor
        return PlainActor(
            user_id=self.actor.user_id,
            organisation_id=owner,
            role=self.actor.role,
            request_id=self.actor.request_id,
        )

    def read(
        self,
        resource: Resource,
        record: Any,
        *,
        view: str,
        only: Iterable[str] | None = None,
        related: Sequence[str] = (),
    ) -> Shown[Any]:
        """Show one record: one audit event naming it and the categories shown.

        `only` narrows the categories to what the view displays (e.g. a timeline);
        `related` names other records shown with it (e.g. possible duplicates).
        """
        shown = self.shown(resource, record)
        if only is not None:
            shown = Shown(record, shown.categories & frozenset(only), shown.is_owned, shown._fields)
        details: dict[str, Any] = {"view": view}
        if related:
            details["related"] = list(related)
        append_read(
            self.session,
            self._on_behalf_of(resource.record_owner(record)),
            f"{resource.kind}.read",
            object_type=resource.kind,
            object_id=resource.object_id(record),
            case_reference=resource.case_reference(record),
            purpose=self.purpose,
            categories=ordered(shown.categories),
            details=details,
        )
        return shown

    def read_page(
        self,
        resource: Resource,
        records: Sequence[Any],
        *,
        view: str,
        only: Iterable[str] | None = None,
        page: int = 1,
    ) -> list[Shown[Any]]:
        """Show one page of a list or search: one audit event naming every record returned and
        the categories shown (never the search terms). Records the actor may not see are
        dropped (a query scoped by `scope` returns none)."""
        narrowed = frozenset(only) if only is not None else None
        shown: list[Shown[Any]] = []
        for record, categories in zip(records, self.categories_of(resource, records), strict=True):
            if not categories:
                continue
            if narrowed is not None:
                categories = categories & narrowed
            owned = self.owns(resource, record)
            shown.append(
                Shown(record, categories, owned, resource.field_categories, self.report_unreadable)
            )
        union: set[str] = set().union(*(s.categories for s in shown)) if shown else set()
        references = [resource.object_id(s.record) for s in shown]
        cases = {resource.case_reference(s.record) for s in shown}
        owners = {resource.record_owner(s.record) for s in shown}
        append_read(
            self.session,
            self._on_behalf_of(owners.pop() if len(owners) == 1 else None),
            f"{resource.kind}.list",
            object_type=resource.kind,
            object_id=None,
            case_reference=cases.pop() if len(cases) == 1 else None,
            purpose=self.purpose,
            categories=ordered(union),
            details={"view": view, "page": page, "count": len(shown), "references": references},
        )
        return shown

    def report_unreadable(self, exc: RecordUnreadable) -> None:
        """Log and audit (once per request) a field of a listed record that does not decrypt."""
        where = (exc.table, exc.record_id, exc.field)
        if where in self._unreadable:
            return
        self._unreadable.add(where)
        report_unreadable(self.session, None if self.is_system else self.actor, exc)


def as_uuid(value: Any) -> uuid.UUID | None:
    """A UUID, or None for anything that is not one (a look-up answers 404, never 500)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def same_owner(stmt: Select[Any], resource: Resource, record: Any) -> Select[Any]:
    """Restrict to records of the organisation that owns `record` (its possible duplicates):
    what the owner compares internally, before anything is shown to anyone."""
    return stmt.where(resource.owner() == resource.record_owner(record))


def dump(schema: Any, shown: Shown[Any]) -> dict[str, Any]:
    """A marshmallow dump of the record with only the fields of allowed categories."""
    names = [name for name in schema.fields if shown.allows(name)]
    try:
        return type(schema)(only=names).dump(shown.record)
    except RecordUnreadable as exc:
        if shown._report is None:
            raise  # a single record's read: a deliberate 500 record_unreadable
        shown._report(exc)
    # A row of a list with a field that does not decrypt: every field that does, and a flag.
    row: dict[str, Any] = {"unreadable": True}
    for name in names:
        try:
            row.update(type(schema)(only=[name]).dump(shown.record))
        except RecordUnreadable as exc:
            shown._report(exc)
    return row


def records(shown: Iterable[Shown[R]]) -> list[R]:
    return [s.record for s in shown]
