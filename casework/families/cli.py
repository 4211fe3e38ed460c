"""`casework keys shred-relative RELATIVE_ID`: a relative's erasure from the command line; and the
relatives that `keys shred CASE_REF` shreds with their case (hook `case.shred_dependents`)."""

from __future__ import annotations

import uuid
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.commands import CliContext, fail, pass_ctx
from casework.keys.cli import Shred


def _relative_shred(relative: Any, *, with_case: bool) -> Shred:
    """A relative as a subject to shred: consents withdrawn and the erasure recorded in the same
    transaction, every event owned by the case's organisation."""
    from casework.auth.policy import Actor
    from casework.families import operations
    from casework.families.models import Relative

    rid, org = relative.id, relative.case.organisation_id
    reference = relative.case.reference

    def after(session: Session, owner: Any, removed: int) -> None:
        actor = Actor(user_id=None, organisation_id=owner.organisation_id, role="system", via="cli")
        shredded = session.get(Relative, rid)
        assert shredded is not None  # relatives are never deleted
        operations.after_cli_shred(session, actor, shredded, removed)

    label = f"relative {rid}" + (" (reporting person)" if relative.is_reporting_person else "")
    return Shred(
        key_id=relative.data_key_id,
        description=label if with_case else f"{label} of case {reference}",
        organisation_id=org,
        object_type="relative",
        object_id=str(rid),
        case_reference=reference,
        after=after,
        details={"with_case": True} if with_case else None,
    )


def shred_with_case(session: Session, case: Any) -> list[Shred]:
    """The relatives of `case` not yet erased: shredding the case shreds them too."""
    from casework.families.models import Relative

    relatives = session.scalars(
        select(Relative).where(Relative.case_id == case.id).order_by(Relative.id)
    ).all()
    return [_relative_shred(r, with_case=True) for r in relatives if not r.is_erased]


@click.command("shred-relative")
@click.argument("relative_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def shred_relative(ctx: CliContext, relative_id: str, yes: bool) -> None:
    """Destroy a relative's data key: contacts and notes become unreadable (irreversible)."""
    from casework.families.models import Relative
    from casework.keys.cli import confirm_and_shred

    try:
        rid = uuid.UUID(relative_id)
    except ValueError:
        fail("no relative with this id")
        return
    with ctx.session() as s:
        relative = s.get(Relative, rid)
        if relative is None:
            fail("no relative with this id")
            return
        if relative.is_erased:
            fail(f"relative {rid} was already shredded.")
        subject = _relative_shred(relative, with_case=False)
    confirm_and_shred(ctx, [subject], yes=yes)
