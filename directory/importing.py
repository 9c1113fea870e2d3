"""Applying a parsed file to the directory in one transaction: match, merge, audit.

An incoming organisation is matched to an existing record by id, then company
number, then exact name, then normalised name (case, punctuation, Ltd/Limited/
Plc ignored). Rows of one file that share a normalised name but not an exact one
stay separate records (they are often different sites of one company); a
facilitator can merge them later. All rows aimed at one record are folded
together first, so re-importing a file changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from corpus.names import infer_kind, normalise_name
from corpus.records import (
    CollaborationRecord,
    OrganisationRecord,
    ParsedFile,
    RowProblem,
    precision_rank,
)
from directory.store import CompanyNumberTaken, DirectoryStore

Progress = Callable[[str, int, int], None]
LOCATION_FIELDS = ("postcode", "lat", "lon", "location_precision", "lad_code")
SCALAR_FIELDS = (
    "company_number", "description", "website", "employees", "turnover",
    "region", "country",
)  # fmt: skip
LIST_FIELDS = ("sectors", "sic_codes", "tags", "rdi_evidence")
COLLABORATIONS_SOURCE = "collaborations CSV"


@dataclass
class ImportReport:
    """What an import did, per table, and the rows it skipped."""

    source: str
    rows_read: int
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, table: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(table, Counter())[outcome] += n

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "counts": {t: dict(c) for t, c in self.counts.items()},
            "skipped": [{"line": p.line, "reason": p.reason} for p in self.skipped],
            "notes": self.notes,
        }


@dataclass
class _Target:
    existing: dict[str, Any] | None
    matched_by: str
    records: list[OrganisationRecord] = field(default_factory=list)


class _Matcher:
    """Finds each incoming record's target, among stored and earlier new records."""

    def __init__(self, store: DirectoryStore) -> None:
        self.store = store
        self.targets: dict[str, _Target] = {}  # key: stored id or "new:<n>"
        self.pending: dict[tuple[str, str], str] = {}  # (criterion, value) -> new key

    def _stored(
        self, column: str, value: str, exclude_claimed: bool, name: str
    ) -> str | None:
        candidates = self.store.organisations_where(column, value)
        if exclude_claimed:
            candidates = [c for c in candidates if c["id"] not in self.targets]
        if not candidates:
            return None
        # among similar names, prefer the one spelled the same but for case
        same_case = [c for c in candidates if c["name"].casefold() == name.casefold()]
        candidates = same_case or candidates
        key = candidates[0]["id"]
        self.targets.setdefault(key, _Target(candidates[0], column))
        return str(key)

    def target_for(self, record: OrganisationRecord) -> str | None:
        normalised = normalise_name(record.name) if record.name else ""
        lookups = [
            ("id", record.id, False),
            ("company_number", record.company_number, False),
            ("name", record.name, False),
            ("normalised_name", normalised, True),
        ]
        for column, value, exclude_claimed in lookups:
            if not value:
                continue
            key = self._stored(column, value, exclude_claimed, record.name)
            if key is None and column != "normalised_name":
                key = self.pending.get((column, value))
            if key is not None:
                return key
        if record.enrich_only:
            return None
        key = f"new:{len(self.pending)}"
        self.targets[key] = _Target(None, "new")
        for column, value, _ in lookups[:3]:
            if value:
                self.pending.setdefault((column, value), key)
        return key


def _combine(base: dict[str, Any], record: OrganisationRecord, overwrite: bool) -> None:
    """Fold one record into base values: lists unite, RD&I evidence accumulates.

    With overwrite (the facilitator's own members file) given values replace;
    otherwise (external sources) they only fill gaps. A location replaces another
    when it is at least as precise (overwrite) or strictly more precise.
    """
    for name in SCALAR_FIELDS:
        value = getattr(record, name)
        if value is not None and (overwrite or base.get(name) is None):
            base[name] = value
    for name in LIST_FIELDS:
        merged = dict.fromkeys([*base.get(name, []), *getattr(record, name)])
        base[name] = list(merged)
    if record.kind and (overwrite or base.get("kind") in (None, "other")):
        base["kind"] = record.kind
    if record.rdi_active is not None:
        base["rdi_active"] = bool(base.get("rdi_active")) or record.rdi_active
    if record.lat is not None or record.postcode:
        incoming = precision_rank(record.location_precision)
        current = precision_rank(base.get("location_precision") or "none")
        if incoming > current or (overwrite and incoming >= current):
            for name in LOCATION_FIELDS:
                base[name] = getattr(record, name)


def _apply_organisations(
    store: DirectoryStore,
    parsed: ParsedFile,
    report: ImportReport,
    actor: str,
    overwrite: bool,
    progress: Progress | None,
) -> dict[int, str]:
    """Apply organisation records; returns the record id each source line went to."""
    matcher = _Matcher(store)
    line_targets: list[tuple[int | None, str]] = []
    for record in parsed.organisations:
        key = matcher.target_for(record)
        if key is None:
            report.skipped.append(
                RowProblem(
                    record.line or 0,
                    f"no name, and no organisation with company number "
                    f"{record.company_number} to update",
                )
            )
            continue
        matcher.targets[key].records.append(record)
        line_targets.append((record.line, key))
    ids: dict[str, str] = {}
    total = len(matcher.targets)
    for done, (key, target) in enumerate(matcher.targets.items(), start=1):
        if target.records:
            try:
                ids[key] = _apply_target(
                    store, target, parsed.source, report, actor, overwrite
                )
            except CompanyNumberTaken as exc:  # checked before anything is written
                _skip_taken_number(report, target, exc)
                if target.existing is not None:
                    ids[key] = str(target.existing["id"])
        if progress and (done % 200 == 0 or done == total):
            progress("organisations", done, total)
    return {
        line: ids[key] for line, key in line_targets if line is not None and key in ids
    }


def _skip_taken_number(
    report: ImportReport, target: _Target, exc: CompanyNumberTaken
) -> None:
    """Every row of a record whose company number another record has is skipped
    (none of its values written): two records cannot share one number."""
    what = (
        f"would give {target.existing['name']} ({target.existing['id']})"
        if target.existing is not None
        else "would create a record with"
    )
    for record in target.records:
        report.skipped.append(
            RowProblem(
                record.line or 0,
                f"{what} company number {exc.number}, which "
                f"{exc.holder['name']} ({exc.holder['id']}) already has; correct "
                "the number, or merge the two records in Curate directory",
            )
        )


def _apply_target(
    store: DirectoryStore,
    target: _Target,
    source: str,
    report: ImportReport,
    actor: str,
    overwrite: bool,
) -> str:
    lines = [r.line for r in target.records]
    first = target.records[0]
    if target.existing is None:
        values: dict[str, Any] = {"location_precision": "none", "sources": []}
        for record in target.records:
            _combine(values, record, overwrite=True)
        values["name"] = first.name
        values["normalised_name"] = normalise_name(first.name)
        values["kind"] = values.get("kind") or infer_kind(first.name)
        values["id"] = first.id or store.new_organisation_id(first.name)
        values["sources"] = [source]
        values["rdi_active"] = bool(values.get("rdi_active"))
        store.insert_organisation(values, actor, {"source": source, "lines": lines})
        report.count("organisations", "created")
        return str(values["id"])
    existing = target.existing
    values = {k: (list(v) if isinstance(v, list) else v) for k, v in existing.items()}
    for record in target.records:
        _combine(values, record, overwrite)
    values["sources"] = list(dict.fromkeys([*existing["sources"], source]))
    changes = {k: v for k, v in values.items() if existing.get(k) != v}
    organisation_id = str(existing["id"])
    if not changes:
        report.count("organisations", "unchanged")
        return organisation_id
    merged = source not in existing["sources"]  # a second source for one organisation
    store.update_organisation(
        organisation_id,
        changes,
        actor,
        action="merge" if merged else "update",
        details={"source": source, "lines": lines, "matched_by": target.matched_by},
    )
    report.count("organisations", "merged" if merged else "updated")
    return organisation_id


class _Resolver:
    """Turns the names or ids in a collaborations file into organisation ids."""

    def __init__(self, store: DirectoryStore) -> None:
        self.store = store
        self.cache: dict[str, str | RowProblem] = {}

    def resolve(self, reference: str, line: int) -> str | RowProblem:
        if reference not in self.cache:
            self.cache[reference] = self._lookup(reference)
        found = self.cache[reference]
        return (
            RowProblem(line, found.reason) if isinstance(found, RowProblem) else found
        )

    def _lookup(self, reference: str) -> str | RowProblem:
        for column, value in (
            ("id", reference),
            ("name", reference),
            ("normalised_name", normalise_name(reference)),
        ):
            found = self.store.organisations_where(column, value)
            if len(found) == 1:
                return str(found[0]["id"])
            if len(found) > 1:
                return RowProblem(
                    0,
                    f"{reference!r} matches {len(found)} organisations "
                    f"({', '.join(str(f['id']) for f in found[:3])}); use an id",
                )
        return RowProblem(0, f"unknown organisation {reference!r}")


def _apply_collaborations(
    store: DirectoryStore,
    records: list[tuple[str, str, CollaborationRecord]],
    source: str,
    report: ImportReport,
    actor: str,
    progress: Progress | None,
) -> None:
    """Sum weights of rows with the same pair/project/topic, then upsert each link."""
    links: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for org_a, org_b, record in records:
        a, b = sorted((org_a, org_b))
        key = (a, b, record.project or "", record.topic or "")
        link = links.setdefault(
            key,
            {
                "org_a": a,
                "org_b": b,
                "project": key[2],
                "topic": key[3],
                "weight": 0.0,
                "year": record.year,
                "source": source,
                "lines": [],
            },
        )
        link["weight"] += record.weight
        link["year"] = link["year"] or record.year
        link["lines"].append(record.line)
    repeated = sum(len(link["lines"]) - 1 for link in links.values())
    if repeated:
        report.notes.append(
            f"{repeated} rows repeated an earlier pair and topic; their weights were added"
        )
    total = len(links)
    for done, link in enumerate(links.values(), start=1):
        lines = link.pop("lines")
        outcome = store.upsert_collaboration(
            link, actor, {"source": source, "lines": lines}
        )
        report.count("collaborations", outcome)
        if progress and (done % 1000 == 0 or done == total):
            progress("collaborations", done, total)


def _resolve_collaborations(
    store: DirectoryStore, parsed: ParsedFile, report: ImportReport
) -> list[tuple[str, str, CollaborationRecord]]:
    resolver = _Resolver(store)
    resolved = []
    for record in parsed.collaborations:
        line = record.line or 0
        a = resolver.resolve(record.org_a, line)
        b = resolver.resolve(record.org_b, line)
        problem = next((x for x in (a, b) if isinstance(x, RowProblem)), None)
        if problem is not None:
            report.skipped.append(problem)
        elif a == b:
            report.skipped.append(
                RowProblem(
                    line,
                    f"self-collaboration: {record.org_a!r} and "
                    f"{record.org_b!r} are the same organisation",
                )
            )
        else:
            assert isinstance(a, str) and isinstance(b, str)
            resolved.append((a, b, record))
    return resolved


def apply_parsed_file(
    store: DirectoryStore,
    parsed: ParsedFile,
    actor: str,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Write everything a file brought, in one transaction; report what changed."""
    report = ImportReport(
        parsed.source,
        parsed.rows_read,
        skipped=list(parsed.problems),
        notes=list(parsed.notes),
    )
    with store.transaction():
        line_ids = _apply_organisations(
            store, parsed, report, actor, overwrite, progress
        )
        for project in parsed.projects:
            outcome = store.upsert_row("projects", vars(project), ("id",), actor)
            report.count("projects", outcome)
        by_project: dict[str, list[str]] = {}
        for participation in parsed.participations:
            organisation_id = line_ids.get(participation.line or -1)
            if organisation_id is None:
                continue
            values = {
                "project_id": participation.project_id,
                "organisation_id": organisation_id,
                "is_lead": int(participation.is_lead),
                "grant_offered": participation.grant_offered,
            }
            outcome = store.upsert_row(
                "participations", values, ("project_id", "organisation_id"), actor
            )
            report.count("participations", outcome)
            by_project.setdefault(participation.project_id, []).append(organisation_id)
        links = _resolve_collaborations(store, parsed, report)
        project_topics = {p.id: p.competition for p in parsed.projects}
        project_years = {
            p.id: int(p.start_date[:4]) if p.start_date else None
            for p in parsed.projects
        }
        for project_id, members in by_project.items():
            for a, b in combinations(sorted(set(members)), 2):
                record = CollaborationRecord(
                    a,
                    b,
                    1.0,
                    project_id,
                    project_topics.get(project_id),
                    project_years.get(project_id),
                )
                links.append((a, b, record))
        source = parsed.source if parsed.projects else COLLABORATIONS_SOURCE
        _apply_collaborations(store, links, source, report, actor, progress)
    report.skipped.sort(key=lambda p: p.line)
    return report
