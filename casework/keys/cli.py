"""`casework keys …`: key rotation (and retiring old KEKs), status, and the shredding helper that
domain commands (`keys shred CASE_REF`, `keys shred-relative`) use."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.trail import PlainActor, append
from casework.commands import CliContext, Group, fail, pass_ctx
from casework.crypto import (
    FileKeyProvider,
    Keyring,
    add_kek_version,
    remove_kek_version,
    retire_older_keks,
)
from casework.keys.models import DataKey
from casework.keys.service import (
    ERASED_INFO,
    count_to_rotate,
    keys_by_version,
    keys_to_bind,
    rotate_data_keys,
    rotation_due,
    shred_data_key,
)

#: Printed whenever a KEK that wrapped a shredded key is still in the key file.
RETIRE_ADVICE = (
    "A key-encryption key that wrapped a shredded data key is still in the key file: a copy "
    "of that wrapped key left in a backup, an old WAL segment or a dead row could still be "
    "opened with it. Run `casework keys rotate --retire-old` to destroy it."
)


@click.group(cls=Group)
def keys() -> None:
    """Key-encryption keys, data keys and crypto-shredding."""


@keys.command("status")
@pass_ctx
def status(ctx: CliContext) -> None:
    """Show the KEK versions in the key file, how many data keys each wraps, and what is due."""
    keyring = FileKeyProvider(ctx.settings.keyring_file).load()
    with ctx.session() as s:
        counts = keys_by_version(s)
        legacy = keys_to_bind(s)
        due = rotation_due(s, keyring)
    click.echo(f"current KEK version: {keyring.current_kek_version}")
    for version in sorted(keyring.keks):
        click.echo(f"  KEK {version}: {counts.get(version, 0)} data key(s)")
    click.echo(f"  shredded: {counts.get(None, 0)} data key(s)")
    if legacy:
        click.echo(
            f"{legacy} data key(s) are not yet bound to their organisation; "
            "run `casework keys rotate` (or `keys rotate --resume`)."
        )
    if due:
        click.echo(RETIRE_ADVICE)


def _rewrap_all(ctx: CliContext, keyring: Keyring, batch_size: int) -> tuple[int, int]:
    """Re-wrap every live key not under the current KEK or binding; (done, still left)."""
    db = ctx.app.extensions["casework.db"]
    version = keyring.current_kek_version
    with db.session() as s:
        total = count_to_rotate(s, version)
    done = left = 0
    with click.progressbar(
        length=max(total, 1), label="Re-wrapping data keys", file=sys.stderr, show_pos=True
    ) as bar:
        # Keys created by a worker that had not yet seen the new KEK are caught by a new pass.
        for _ in range(10):
            n = rotate_data_keys(db.new_session, keyring, batch_size, progress=bar.update)
            done += n
            with db.session() as s:
                left = count_to_rotate(s, version)
            if left == 0 or n == 0:
                break
    return done, left


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--resume", is_flag=True, help="Do not add a KEK; finish re-wrapping under the current one."
)
@click.option(
    "--retire-old",
    is_flag=True,
    help="Once every live data key is re-wrapped, destroy every older KEK in the key file.",
)
@click.option(
    "--settle",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0, 600),
    help="With --retire-old: seconds to wait for running workers to load the new KEK.",
)
@pass_ctx
def rotate(ctx: CliContext, batch_size: int, resume: bool, retire_old: bool, settle: float) -> None:
    """Add a KEK version and re-wrap every data key under it (bound to its subject, kind and
    organisation), in batches, while serving. With --retire-old, then destroy the older KEKs,
    so copies of shredded keys wrapped under them (backups, WAL, dead rows) cannot be opened."""
    path = ctx.settings.keyring_file
    if resume:
        version = FileKeyProvider(path).load().current_kek_version
        click.echo(f"Resuming re-wrap under KEK version {version}.")
    else:
        version = add_kek_version(path)
        click.echo(f"Added KEK version {version}; it wraps every new data key from now on.")
    keyring = FileKeyProvider(path).load()
    done, left = _rewrap_all(ctx, keyring, batch_size)
    click.echo(f"Re-wrapped {done} data key(s) under KEK version {version}.")
    if left:
        fail(f"{left} data key(s) still under older versions; run `keys rotate --resume`.")
    older = sorted(v for v in keyring.keks if v != version)
    if retire_old:
        _retire(ctx, keyring, batch_size, settle)
    elif older:
        click.echo(
            "No data key uses KEK version(s) "
            + ", ".join(map(str, older))
            + " any more; destroy them with `casework keys rotate --retire-old --resume` "
            "or `casework keys retire VERSION`."
        )


def _retire(ctx: CliContext, keyring: Keyring, batch_size: int, settle: float) -> None:
    """Destroy every KEK older than the current one, once no live data key needs it."""
    path = ctx.settings.keyring_file
    version = keyring.current_kek_version
    if settle:
        # Running workers reload the key file within seconds of a change; a data key one of
        # them wrapped under the old KEK meanwhile is caught by the pass below.
        time.sleep(settle)
    _, left = _rewrap_all(ctx, keyring, batch_size)
    if left:
        fail(f"{left} data key(s) still under older versions; nothing retired.")
    removed = retire_older_keks(path, version)
    # A key committed by a straggler between the pass and the retirement: re-wrapped with the
    # keyring read before the retirement, which still holds its KEK.
    _, left = _rewrap_all(ctx, keyring, batch_size)
    with ctx.session() as s:
        append(
            s,
            PlainActor(),
            "keys.retire",
            object_type="keyring",
            details={"retired_versions": removed, "current_version": version},
        )
    if removed:
        click.echo(
            "Destroyed KEK version(s) "
            + ", ".join(map(str, removed))
            + f"; only version {version} is left. Copies of shredded data keys wrapped "
            "under them can no longer be opened."
        )
    else:
        click.echo(f"Only KEK version {version} was in the key file; nothing to destroy.")
    if left:
        fail(f"{left} data key(s) were written under a destroyed KEK meanwhile.")


@keys.command("retire")
@click.argument("version", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def retire(ctx: CliContext, version: int, yes: bool) -> None:
    """Remove an old KEK from the key file once no data key uses it."""
    with ctx.session() as s:
        in_use = s.scalar(select(DataKey.id).where(DataKey.kek_version == version).limit(1))
    if in_use is not None:
        fail(f"KEK version {version} still wraps data keys; run `casework keys rotate` first.")
    if not yes:
        click.confirm(f"Remove KEK version {version} from the key file?", abort=True)
    remove_kek_version(ctx.settings.keyring_file, version)
    click.echo(f"KEK version {version} removed.")


# --- shredding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shred:
    """One data subject to shred: its data key, how the operator is told about it (never a
    personal value), its tombstone (owned by `organisation_id`, so that organisation's auditor
    sees it) and the bookkeeping its domain does in the same transaction
    (`after(session, actor, index_entries_removed)`)."""

    key_id: uuid.UUID
    description: str
    organisation_id: uuid.UUID | None
    object_type: str
    object_id: str
    case_reference: str | None = None
    after: Callable[[Session, PlainActor, int], None] | None = None
    details: dict[str, Any] | None = None


def confirm_and_shred(ctx: CliContext, subjects: list[Shred], *, yes: bool) -> None:
    """Shared by every `keys shred …` command: one confirmation listing every subject, then one
    transaction destroying their keys and index values with a tombstone each; then the freed
    pages are erased and the operator is told when a KEK retirement is due."""
    first, others = subjects[0], subjects[1:]
    if not yes:
        lines = [f"Destroy the data key of {first.description}"]
        if others:
            lines[0] += f" and of the {len(others)} data subject(s) shredded with it:"
            lines += [f"  - {o.description}" for o in others]
        else:
            lines[0] += "?"
        lines.append(
            "Their personal fields become unreadable for good. This cannot be undone. Continue?"
        )
        click.confirm("\n".join(lines), abort=True)
    removed_total = 0
    with ctx.session() as s:
        for subject in [*others, first]:
            live = s.get(DataKey, subject.key_id, with_for_update=True)
            if live is None or live.is_shredded:
                if subject is first:
                    fail(f"{first.description} was already shredded.")
                continue
            removed = shred_data_key(s, live)
            removed_total += removed
            owner = PlainActor(organisation_id=subject.organisation_id)
            if subject.after is not None:
                subject.after(s, owner, removed)
            append(
                s,
                owner,
                "keys.shred",
                object_type=subject.object_type,
                object_id=subject.object_id,
                case_reference=subject.case_reference,
                details={
                    "index_entries_removed": removed,
                    "subject_type": live.subject_type,
                    **(subject.details or {}),
                },
            )
        session = s
    what = f"{first.description}" + (f" and {len(others)} more" if others else "")
    click.echo(f"Shredded the data key of {what}; {removed_total} index value(s) cleared.")
    erased = session.info.get(ERASED_INFO)
    if erased:
        click.echo(f"Freed pages: {erased}.")
    keyring = FileKeyProvider(ctx.settings.keyring_file).load()
    with ctx.session() as s:
        due = rotation_due(s, keyring)
    if due:
        click.echo(RETIRE_ADVICE)
