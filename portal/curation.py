"""Facilitators' curation use cases for the portal: add, edit, delete and merge
organisations, duplicate suggestions, the audit log, and the directory export.

Every function takes the viewer and checks its permission itself.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

from corpus.names import infer_kind, normalise_name
from directory import curation, duplicates
from directory.store import StoreError
from portal import services
from portal.access import Viewer, require
from portal.editing import organisation_changes
from portal.settings import Settings
from portal.workspace import open_store

AUDIT_LIMIT = 500
AUDIT_COLUMNS = ("id", "at", "actor", "action", "record_type", "record_id",
                 "before", "after", "details")  # fmt: skip
PORTAL_SOURCE = "portal form"


def find_organisations(
    settings: Settings, viewer: Viewer, text: str = "", limit: int = 50
) -> list[dict[str, Any]]:
    """Organisations to pick for curation: full-text matches, else the first by name."""
    require(viewer, "edit_other")
    if len(text) > 500:
        raise StoreError("search text is too long (at most 500 characters)")
    with open_store(settings) as store:
        return store.search_organisations(text, limit=limit)


def organisation_for_editing(
    settings: Settings, viewer: Viewer, organisation_id: str
) -> dict[str, Any]:
    """The whole record, private fields and version included, as an editor loads it."""
    require(viewer, "edit_other")
    with open_store(settings) as store:
        organisation = store.organisation(organisation_id)
    if organisation is None:
        raise StoreError(f"no organisation with id {organisation_id!r}")
    return organisation


def add_organisation(
    settings: Settings, viewer: Viewer, values: dict[str, str]
) -> dict[str, Any]:
    """Create an organisation from form values, checked as a members-CSV row is;
    it counts as RD&I-active, as a member listed by the network does."""
    require(viewer, "edit_other")
    record = organisation_changes(settings, None, values)
    if not values.get("kind", "").strip():
        record["kind"] = infer_kind(record["name"])
    with open_store(settings) as store, store.transaction():
        record |= {
            "id": store.new_organisation_id(record["name"]),
            "normalised_name": normalise_name(record["name"]),
            "rdi_active": True,
            "rdi_evidence": [f"member of the network ({PORTAL_SOURCE})"],
            "sources": [PORTAL_SOURCE],
        }
        return store.insert_organisation(record, viewer.actor, {"source": "portal"})


def edit_organisation(
    settings: Settings,
    viewer: Viewer,
    loaded: dict[str, Any],
    values: dict[str, str],
) -> dict[str, Any]:
    """Save form values over the record as the editor loaded it (its version and
    values); ConflictError, naming what changed and who changed it, when it moved on."""
    require(viewer, "edit_other")
    organisation_id = str(loaded["id"])
    changes = organisation_changes(settings, loaded, values)
    with open_store(settings) as store:
        if not changes:
            current = store.organisation(organisation_id)
            if current is None or current["version"] != loaded["version"]:
                raise curation.conflict(store, organisation_id, loaded)
            return current
        return curation.save_organisation(
            store, organisation_id, changes, viewer.actor, loaded
        )


def organisation_links(
    settings: Settings, viewer: Viewer, organisation_id: str
) -> dict[str, int]:
    """How many collaborations, memberships, accounts and requests a delete touches."""
    require(viewer, "delete")
    with open_store(settings) as store:
        return curation.dependants(store, organisation_id)


def delete_organisation(
    settings: Settings, viewer: Viewer, organisation_id: str, expected_version: int
) -> dict[str, Any]:
    """Delete an organisation (still at the version the facilitator saw) and its links."""
    require(viewer, "delete")
    with open_store(settings) as store:
        return curation.delete_organisation(
            store, organisation_id, viewer.actor, expected_version
        )


def merge_organisations(
    settings: Settings, viewer: Viewer, keep_id: str, merge_id: str
) -> dict[str, Any]:
    """Fold merge_id into keep_id (see directory.curation.merge_organisations)."""
    require(viewer, "merge")
    with open_store(settings) as store:
        return curation.merge_organisations(store, keep_id, merge_id, viewer.actor)


def duplicate_suggestions(
    settings: Settings, viewer: Viewer, limit: int = 50
) -> list[dict[str, Any]]:
    """Pairs of organisations that may be one, best first, with their reasons."""
    require(viewer, "merge")
    with open_store(settings) as store:
        return duplicates.duplicate_candidates(store, limit)


def directory_revision(settings: Settings) -> int:
    """The newest audit entry's id: changes whenever the directory does (a cache key)."""
    with open_store(settings) as store:
        return curation.audit_revision(store)


def audit_filter_options(settings: Settings, viewer: Viewer) -> dict[str, list[str]]:
    """The actors, actions and record types the audit log holds."""
    require(viewer, "audit_log")
    with open_store(settings) as store:
        return curation.audit_facets(store)


def audit_log(
    settings: Settings,
    viewer: Viewer,
    actor: str | None = None,
    action: str | None = None,
    record_type: str | None = None,
    text: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = AUDIT_LIMIT,
) -> tuple[list[dict[str, Any]], bool]:
    """Audit entries newest first, filtered (until is inclusive: the whole day),
    at most limit of them, and whether more matched."""
    require(viewer, "audit_log")
    if text and len(text) > 200:
        raise StoreError("search text is too long (at most 200 characters)")
    if since and until and since > until:
        raise StoreError("the start date is after the end date")
    with open_store(settings) as store:
        rows = store.audit_entries(
            None,
            limit + 1,
            actor=actor or None,
            action=action or None,
            record_type=record_type or None,
            text=text.strip() if text else None,
            since=since.isoformat() if since else None,
            until=(until + timedelta(days=1)).isoformat() if until else None,
        )
    return rows[:limit], len(rows) > limit


def audit_csv(entries: list[dict[str, Any]]) -> bytes:
    """Audit entries as CSV bytes, before/after/details as JSON, formulas defused."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AUDIT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for entry in entries:
        writer.writerow({column: _cell(entry.get(column)) for column in AUDIT_COLUMNS})
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    """A value for a CSV cell: JSON for structures, text no spreadsheet runs."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(services.FORMULA_STARTS):
        return "'" + value
    return value


def export_directory(settings: Settings, viewer: Viewer) -> bytes:
    """The whole directory as members-CSV bytes with contact email and notes."""
    require(viewer, "export")
    out = io.StringIO()
    services.export_organisations(settings, out, include_private=True)
    return out.getvalue().encode("utf-8")
