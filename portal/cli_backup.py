"""`cluster-portal backup FILE` and `cluster-portal restore FILE`: the directory copied
out and back with SQLite's online backup API, while the portal may be running."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from portal import backup as backups
from portal.cli_support import (
    EXIT_REFUSED,
    ProgressBar,
    emit_json,
    reporting_errors,
    settings_of,
)

SHOWN_TABLES = (
    "organisations", "collaborations", "projects", "documents", "passages",
    "clusters", "accounts", "audit_log",
)  # fmt: skip


def _reporter(as_json: bool) -> backups.Step:
    def step(message: str) -> None:
        if not as_json:
            click.echo(message, err=True)

    return step


def _summary(report: backups.BackupReport) -> str:
    counts = ", ".join(
        f"{report.counts[name]:,} {name.replace('_', ' ')}"
        for name in SHOWN_TABLES
        if name in report.counts
    )
    return f"{report.size_bytes / 1_048_576:.1f} MB; {counts}"


def _refused(exc: backups.BackupRefused, consequence: str) -> NoReturn:
    click.echo(f"refused: {exc}\n{consequence}", err=True)
    sys.exit(EXIT_REFUSED)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@reporting_errors
def backup(ctx: click.Context, file: Path, force: bool, as_json: bool) -> None:
    """Copy the directory to FILE (SQLite online backup: the portal may keep
    running), check the copy, and report its size and rows per table."""
    try:
        report = backups.backup(settings_of(ctx), file, force, _reporter(as_json))
    except backups.BackupRefused as exc:
        _refused(exc, "No backup was written.")
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(f"Backed up to {report.file}: {_summary(report)}.")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--actor", default="cli", show_default=True, help="Name in the audit log."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@reporting_errors
def restore(ctx: click.Context, file: Path, actor: str, as_json: bool) -> None:
    """Replace the directory with the backup FILE once it passes the checks, then
    bring the search index up to date with it. The restore is audited."""
    try:
        report = backups.restore(
            settings_of(ctx), file, actor, _reporter(as_json), ProgressBar()
        )
    except backups.BackupRefused as exc:
        _refused(exc, "The workspace was not changed.")
    if as_json:
        emit_json(report.to_dict())
        return
    click.echo(f"Restored from {report.file}: {_summary(report)}.")
    if report.migrated:
        click.echo(f"  schema brought up to date: {', '.join(report.migrated)}")
    changed = sum(report.index_changes.values())
    click.echo(f"  search index: {changed:,} passages embedded or dropped to match.")
