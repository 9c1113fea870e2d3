"""The ``cluster-portal`` command: each command parses, calls one service, reports.

Domain errors become a one-line message on stderr and a non-zero exit: 2 for a
refused file or bad usage, 1 for anything else. With ``--json`` only JSON goes to
stdout; progress bars go to stderr, and only on a terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click

from directory.importing import ImportReport
from portal import knowledge, services
from portal.cli_backup import backup, restore
from portal.cli_match import match
from portal.cli_support import (
    EXIT_REFUSED,
    ProgressBar,
    emit_json,
    reporting_errors,
    settings_of,
)
from portal.cli_users import user
from portal.settings import Settings
from retrieval.passages import Source
from retrieval.search import SearchFilters


def print_report(report: ImportReport, limit: int) -> None:
    click.echo(f"Imported {report.source}: {report.rows_read} rows read.")
    for table, counts in report.counts.items():
        parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        click.echo(f"  {table}: {parts}")
    for note in report.notes:
        click.echo(f"  note: {note}")
    if report.skipped:
        click.echo(f"  {len(report.skipped)} rows skipped:")
        for problem in report.skipped[:limit]:
            click.echo(f"    line {problem.line}: {problem.reason}")
        if len(report.skipped) > limit:
            click.echo(
                f"    ... and {len(report.skipped) - limit} more (all in --json)"
            )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CLUSTER_PORTAL_WORKSPACE",
    help="Workspace folder (default ./workspace; env CLUSTER_PORTAL_WORKSPACE).",
)
@click.version_option(package_name="cluster-portal")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """Cluster Portal: an innovation-cluster member directory, clusters, Q&A, matching."""


@cli.command()
@click.option("--reset", is_flag=True, help="Delete the workspace first and rebuild.")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Do nothing when the workspace already has organisations.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
@reporting_errors
def demo(ctx: click.Context, reset: bool, if_missing: bool, as_json: bool) -> None:
    """Build the demo workspace from the bundled GtR network and documents."""
    settings = settings_of(ctx)
    if if_missing and not reset and services.workspace_is_built(settings):
        click.echo(f"Workspace {settings.workspace} is already built.", err=True)
        return

    def step(message: str) -> None:
        if not as_json:
            click.echo(message, err=True)

    result = services.build_demo(settings, reset, ProgressBar(), step)
    if as_json:
        emit_json(result)
        return
    counts = result["stats"]
    click.echo(
        f"Demo workspace ready in {settings.workspace}: {counts['organisations']} "
        f"organisations, {counts['collaborations']} collaborations, "
        f"{counts['documents']} documents, {counts['clusters']} clusters."
    )


@cli.group(name="import")
def import_group() -> None:
    """Import organisations, collaborations, Companies House or Innovate UK data."""


def _import_command(kind: str, help_text: str) -> None:
    @import_group.command(name=kind, help=help_text)
    @click.argument("file", type=click.Path(path_type=Path))
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @click.option(
        "--actor",
        default="cli",
        show_default=True,
        help="Who is importing, for the audit log.",
    )
    @click.pass_context
    @reporting_errors
    def command(ctx: click.Context, file: Path, as_json: bool, actor: str) -> None:
        settings = settings_of(ctx)
        report = services.import_file(settings, kind, file, actor, ProgressBar())
        if as_json:
            emit_json(report.to_dict())
        else:
            print_report(report, settings.imports.max_problems_shown)


@import_group.command(name="documents")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--actor", default="cli", show_default=True, help="Name in the audit log."
)
@click.pass_context
@reporting_errors
def import_documents(
    ctx: click.Context, paths: tuple[Path, ...], as_json: bool, actor: str
) -> None:
    """Index documents (txt, md, html, pdf, docx; files or folders). Unchanged
    documents are skipped, changed ones re-indexed; bad files are reported."""
    report = knowledge.import_documents(
        settings_of(ctx), list(paths), actor, ProgressBar()
    )
    if as_json:
        emit_json(report.to_dict())
        return
    click.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.refused)} refused; "
        f"{report.chunks} passages indexed."
    )
    for refused in report.refused:
        click.echo(f"  refused: {refused['reason']}", err=True)
    if report.refused and not (report.added or report.updated or report.unchanged):
        sys.exit(EXIT_REFUSED)


@cli.group(name="remove")
def remove_group() -> None:
    """Remove a record."""


@remove_group.command(name="document")
@click.argument("document_id")
@click.option(
    "--actor", default="cli", show_default=True, help="Name in the audit log."
)
@click.pass_context
@reporting_errors
def remove_document(ctx: click.Context, document_id: str, actor: str) -> None:
    """Remove a document: it leaves search at once."""
    removed = knowledge.remove_document(settings_of(ctx), document_id, actor)
    click.echo(f"Removed “{removed['title']}” ({removed['chunks']} passages).")


@cli.command()
@click.argument("query")
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--document", help="Only this document (its id).")
@click.option("--publisher", help="Only documents from this publisher.")
@click.option("--kind", help="Only documents of this kind (strategy, report, ...).")
@click.option("--year", type=int, help="Only documents of this year.")
@click.option(
    "--profiles", is_flag=True, help="Search cluster and organisation profiles too."
)
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
@click.pass_context
@reporting_errors
def search(
    ctx: click.Context,
    query: str,
    k: int,
    document: str | None,
    publisher: str | None,
    kind: str | None,
    year: int | None,
    profiles: bool,
    as_json: bool,
) -> None:
    """Hybrid (semantic + keyword) search of the documents."""
    filters = SearchFilters(document, publisher, kind, year)
    sources: tuple[Source, ...] = (
        ("document", "cluster", "organisation") if profiles else ("document",)
    )
    found = knowledge.search(settings_of(ctx), query, k, sources, filters)
    if as_json:
        emit_json([p.retrieved() for p in found])
        return
    if not found:
        click.echo("Nothing found.")
    for n, passage in enumerate(found, start=1):
        where = passage.location()
        click.echo(f"[{n}] {passage.title}" + (f" — {where}" if where else ""))
        click.echo("    " + passage.text[:300].replace("\n", " ") + "\n")


@cli.command()
@click.argument("question", required=False)
@click.option(
    "--batch",
    type=click.File("r", encoding="utf-8"),
    help='JSONL file of {"question": ...} objects; one JSON answer per line out.',
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
@reporting_errors
def ask(ctx: click.Context, question: str | None, batch: Any, as_json: bool) -> None:
    """Ask the documents (and cluster profiles) a question; answers cite passages."""
    settings = settings_of(ctx)
    if batch is not None:
        if question:
            raise click.UsageError("give a QUESTION or --batch FILE, not both")
        for line in _batch_answers(settings, batch):
            click.echo(json.dumps(line, ensure_ascii=False))
        return
    if not question:
        raise click.UsageError("give a QUESTION (or --batch FILE)")
    answer = knowledge.ask(settings, question)
    if as_json:
        emit_json(answer.to_dict())
        return
    click.echo(answer.answer)
    for citation in answer.citations:
        where = citation.passage.location()
        click.echo(
            f"  [{citation.n}] {citation.passage.title}"
            + (f" — {where}" if where else "")
        )


def _batch_answers(settings: Settings, lines: Any) -> Any:
    """One JSON object per input line, in order; bad lines get an ``error``."""
    parsed: list[tuple[str | None, str | None]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
            text = value.get("question") if isinstance(value, dict) else None
        except json.JSONDecodeError:
            text = None
        if not isinstance(text, str):
            parsed.append(
                (None, f"line {number}: expected a JSON object with a question")
            )
        else:
            parsed.append((text, None))
    answers = knowledge.ask_batch(settings, [q or "" for q, e in parsed if e is None])
    for text, error in parsed:
        if error is not None:
            yield {"question": None, "error": error}
            continue
        result = next(answers)
        if isinstance(result, Exception):
            yield {"question": text, "error": str(result)}
        else:
            yield result.to_dict()


_import_command("organisations", "Import a members CSV (our template; see README).")
_import_command("collaborations", "Import a collaborations CSV: org_a, org_b, ...")
_import_command("companies-house", "Import Companies House Basic Company Data CSV.")
_import_command("innovate-uk", "Import an Innovate UK funded-projects CSV or XLSX.")


@cli.command()
@click.option("--search", "text", default="", help="Full-text search words.")
@click.option("--kind", help="Only this kind (business, university, ...).")
@click.option("--region", help="Only this region (local authority name).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="Print organisations as JSON.")
@click.pass_context
@reporting_errors
def organisations(
    ctx: click.Context,
    text: str,
    kind: str | None,
    region: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List or search organisations."""
    found = services.search_organisations(settings_of(ctx), text, kind, region, limit)
    if as_json:
        emit_json(found)
        return
    if not found:
        click.echo("No organisations match.", err=True)
    for org in found:
        place = org.get("region") or "location unknown"
        click.echo(f"{org['id']:<40} {org['name']} ({org['kind']}, {place})")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
@reporting_errors
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of organisations, collaborations, documents and clusters."""
    counts = services.stats(settings_of(ctx))
    if as_json:
        emit_json(counts)
        return
    for key, value in counts.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
        click.echo(f"{key.replace('_', ' ')}: {value}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option(
    "--actor", default="cli", show_default=True, help="Name in the audit log."
)
@click.pass_context
@reporting_errors
def build(ctx: click.Context, as_json: bool, actor: str) -> None:
    """Find the clusters in the directory (spatial and network), type and profile
    them, and replace the stored ones, keeping the ids of unchanged clusters."""

    def step(message: str) -> None:
        if not as_json:
            click.echo(f"{message} …", err=True)

    outcome = services.build_clusters(settings_of(ctx), actor, step)
    if as_json:
        emit_json(outcome)
        return
    by_type = ", ".join(f"{n} {t}" for t, n in sorted(outcome["by_type"].items()))
    click.echo(
        f"{outcome['clusters']} clusters ({by_type or 'none'}) from "
        f"{outcome['rdi_active']} RD&I-active organisations; "
        f"{outcome['kept']} kept their id, {outcome['added']} new, "
        f"{outcome['removed']} gone."
    )


@cli.command(name="clusters")
@click.option(
    "--type",
    "cluster_type",
    type=click.Choice(list(services.CLUSTER_TYPES)),
    help="Only clusters of this type.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
@reporting_errors
def clusters_command(
    ctx: click.Context, cluster_type: str | None, as_json: bool
) -> None:
    """List the clusters found by the last build, largest first."""
    rows = services.clusters(settings_of(ctx), cluster_type)
    if as_json:
        emit_json([services.cluster_summary(row) for row in rows])
        return
    if not rows:
        click.echo("No clusters. Run `cluster-portal build` first.", err=True)
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['type']:<17}  {row['size']:>5}  {row['name']}")


@cli.group(name="export")
def export_group() -> None:
    """Export the directory."""


@export_group.command(name="organisations")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@reporting_errors
def export_organisations(ctx: click.Context, file: Path) -> None:
    """Write all organisations as a members CSV (re-importable)."""
    count = services.export_organisations(settings_of(ctx), file)
    click.echo(f"Exported {count} organisations to {file}.")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8501, show_default=True, type=int)
@click.pass_context
@reporting_errors
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the Streamlit portal on the workspace."""
    settings = settings_of(ctx)
    app = Path(str(resources.files("portal") / "app.py"))
    env = {**os.environ, "CLUSTER_PORTAL_WORKSPACE": str(settings.workspace.resolve())}
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    click.echo(f"Serving the portal on http://{host}:{port} (Ctrl+C to stop)", err=True)
    try:
        sys.exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        sys.exit(0)


cli.add_command(match)
cli.add_command(user)
cli.add_command(backup)
cli.add_command(restore)


def main() -> None:
    """Entry point: any unexpected error becomes one line, not a traceback."""
    try:
        cli(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # last resort: the user sees a message, not a trace
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
