"""``cluster-portal match``: suggested collaborators for an organisation, a need in
free text, or a file of organisation names (one JSON line out per name)."""

from __future__ import annotations

import json
from typing import Any

import click

from directory.matching import Filters
from portal import matching
from portal.cli_support import emit_json, reporting_errors, settings_of


def _print(result: dict[str, Any]) -> None:
    if understood := result.get("understood"):
        parts = ", ".join(f"{k}: {v}" for k, v in understood.items())
        click.echo(f"Understood: {parts}")
    if not result["suggestions"]:
        click.echo("No suggestions match these filters.")
    for n, suggestion in enumerate(result["suggestions"], start=1):
        click.echo(
            f"{n:>2}. {suggestion['name']} ({suggestion['kind']}, "
            f"{suggestion['region'] or 'place unknown'}) score {suggestion['score']:.2f}"
        )
        for reason in suggestion["reasons"]:
            click.echo(
                f"      {reason['signal']:<15} {reason['contribution']:+.2f}  "
                f"{reason['detail']}"
            )


@click.command()
@click.argument("organisation", required=False)
@click.option("--need", help="Describe the partner you need, in words.")
@click.option("--near", help="With --need: a postcode or place to search near.")
@click.option(
    "--batch",
    type=click.File("r", encoding="utf-8"),
    help="File of organisation names or ids, one per line; one JSON line out each.",
)
@click.option("--k", type=click.IntRange(1, 200), help="How many suggestions.")
@click.option("--kind", help="Only this kind (business, university, ...).")
@click.option("--region", help="Only this local authority or country.")
@click.option("--sector", help="Only organisations working in this sector.")
@click.option("--max-km", type=click.FloatRange(min=0), help="Only this close.")
@click.option(
    "--include-partners", is_flag=True, help="Also suggest existing partners."
)
@click.option("--model", "show_model", is_flag=True, help="Show the learned weights.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@reporting_errors
def match(
    ctx: click.Context,
    organisation: str | None,
    need: str | None,
    near: str | None,
    batch: Any,
    k: int | None,
    kind: str | None,
    region: str | None,
    sector: str | None,
    max_km: float | None,
    include_partners: bool,
    show_model: bool,
    as_json: bool,
) -> None:
    """Suggest collaborators for ORGANISATION (a name or id), for a --need, or for
    each name in a --batch file, each suggestion with its reasons."""
    settings = settings_of(ctx)
    given = [x for x in (organisation, need, batch, show_model or None) if x]
    if len(given) != 1:
        raise click.UsageError("give one of ORGANISATION, --need, --batch or --model")
    if near and not need:
        raise click.UsageError("--near goes with --need")
    filters = Filters(kind=kind, region=region, sector=sector, max_km=max_km)
    if show_model:
        emit_json(matching.model_summary(settings))
        return
    if batch is not None:
        names = [line.strip() for line in batch if line.strip()]
        for result in matching.match_batch(settings, names, k, filters):
            click.echo(json.dumps(result, ensure_ascii=False))
        return
    if need:
        result = matching.match_need(settings, need, near, k, filters)
    else:
        result = matching.match_organisation(
            settings, str(organisation), k, filters, include_partners
        )
    if as_json:
        emit_json(result)
    else:
        _print(result)
