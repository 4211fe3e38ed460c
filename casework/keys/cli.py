"""`casework keys …`: key rotation, status, retiring old KEKs, and the shredding helper that
domain commands (`keys shred CASE_REF`) use."""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy import select

from casework.commands import CliContext, Group, fail, pass_ctx
from casework.crypto import FileKeyProvider, add_kek_version, remove_kek_version
from casework.keys.models import DataKey
from casework.keys.service import (
    count_to_rotate,
    keys_by_version,
    rotate_data_keys,
    shred_data_key,
)


@click.group(cls=Group)
def keys() -> None:
    """Key-encryption keys, data keys and crypto-shredding."""


@keys.command("status")
@pass_ctx
def status(ctx: CliContext) -> None:
    """Show the KEK versions in the key file and how many data keys each wraps."""
    keyring = FileKeyProvider(ctx.settings.keyring_file).load()
    with ctx.session() as s:
        counts = keys_by_version(s)
    click.echo(f"current KEK version: {keyring.current_kek_version}")
    for version in sorted(keyring.keks):
        click.echo(f"  KEK {version}: {counts.get(version, 0)} data key(s)")
    click.echo(f"  shredded: {counts.get(None, 0)} data key(s)")


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--resume", is_flag=True, help="Do not add a KEK; finish re-wrapping under the current one."
)
@pass_ctx
def rotate(ctx: CliContext, batch_size: int, resume: bool) -> None:
    """Add a KEK version and re-wrap every data key under it, in batches, while serving."""
    path = ctx.settings.keyring_file
    if resume:
        version = FileKeyProvider(path).load().current_kek_version
        click.echo(f"Resuming re-wrap under KEK version {version}.")
    else:
        version = add_kek_version(path)
        click.echo(f"Added KEK version {version}; it wraps every new data key from now on.")
    keyring = FileKeyProvider(path).load()
    db = ctx.app.extensions["casework.db"]
    with db.session() as s:
        total = count_to_rotate(s, version)
    done = 0
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
    click.echo(f"Re-wrapped {done} data key(s) under KEK version {version}.")
    if left:
        fail(f"{left} data key(s) still under older versions; run `keys rotate --resume`.")
    older = sorted(v for v in keyring.keks if v != version)
    if older:
        click.echo(
            "No data key uses KEK version(s) "
            + ", ".join(map(str, older))
            + " any more; remove with `casework keys retire VERSION`."
        )


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


def confirm_and_shred(
    ctx: CliContext,
    key: DataKey,
    *,
    description: str,
    yes: bool,
    audit: dict[str, Any],
) -> None:
    """Shared by every `keys shred …` command: confirm, destroy, clear indexes, tombstone."""
    from casework.audit import SYSTEM, append

    if key.is_shredded:
        fail(f"{description} was already shredded.")
    if not yes:
        click.confirm(
            f"Destroy the data key of {description}? Its personal fields become unreadable "
            "for good. This cannot be undone.",
            abort=True,
        )
    with ctx.session() as s:
        live = s.get(DataKey, key.id)
        removed = shred_data_key(s, live)
        append(
            s,
            SYSTEM,
            "keys.shred",
            details={"index_entries_removed": removed, "subject_type": live.subject_type},
            **audit,
        )
    click.echo(f"Shredded the data key of {description}; {removed} index value(s) cleared.")
