"""`casework backup --out FILE` and `casework restore FILE`."""

from __future__ import annotations

import click

from casework import migrate
from casework.commands import CliContext, fail, pass_ctx
from casework.ops.backup import BackupError, Outcome, backup, restore, shown_url


def _err(message: str) -> None:
    click.echo(message, err=True)


def _counts(outcome: Outcome) -> str:
    shown = {t: n for t, n in outcome.counts.items() if n}
    return ", ".join(f"{t} {n}" for t, n in shown.items()) or "no records"


@click.command("backup")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The archive to write (a new file; written as FILE.partial, then renamed).",
)
@pass_ctx
def backup_command(ctx: CliContext, out: str) -> None:
    """Write an encrypted, integrity-checked archive of the database while the service runs.
    The key file is NOT in it: keep a copy of the key file apart; without it the archive
    cannot be restored."""
    try:
        outcome = backup(ctx.settings, out, progress=_err)
    except BackupError as exc:
        fail(f"backup failed, no archive written: {exc}")
        return
    click.echo(f"Backup written to {outcome.path} ({outcome.kind}, {outcome.size} bytes)")
    click.echo(f"records: {_counts(outcome)}")
    click.echo(f"schema revision: {outcome.revision or 'none'}")
    click.echo(f"archive sha256: {outcome.sha256}")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def restore_command(ctx: CliContext, archive: str, yes: bool) -> None:
    """Restore an archive made by `casework backup` into the configured database, which must be
    empty. The whole archive is verified before anything is written; the audit chain is
    verified after."""
    settings = ctx.settings

    def confirm(header, trailer) -> bool:
        click.echo(
            f"Archive verified: {header.database}, made {header.created_at}, "
            f"{sum((trailer.get('counts') or {}).values())} records."
        )
        if yes:
            return True
        return click.confirm(f"Restore it into {shown_url(settings.database_url)}?")

    try:
        outcome = restore(settings, archive, confirm=confirm, progress=_err)
    except BackupError as exc:
        fail(str(exc))
        return
    click.echo(f"Restored into {shown_url(settings.database_url)}")
    click.echo(f"records: {_counts(outcome)}")
    heads = migrate.current_heads(settings.database_url)
    upgrade = "" if outcome.revision in heads else " (run `casework db upgrade` next)"
    click.echo(f"schema revision: {outcome.revision or 'none'}{upgrade}")
    for warning in outcome.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(outcome.audit)
    if not outcome.audit_ok or outcome.warnings:
        raise SystemExit(1)
