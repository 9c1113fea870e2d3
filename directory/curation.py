"""Facilitators' curation of the directory: saving an edit without losing anyone
else's, deleting and merging organisations, and finding likely duplicates.

Each change runs in one transaction with its audit entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corpus.names import normalise_name
from directory.store import ConflictError, DirectoryStore, StoreError

LIST_FIELDS = ("sectors", "sic_codes", "tags", "sources", "rdi_evidence")
LOCATION_FIELDS = ("postcode", "lat", "lon", "location_precision", "lad_code",
                   "region", "country")  # fmt: skip
# What refers to an organisation, by the name a delete or merge reports: table, columns.
_REFERENCES = {
    "collaborations": ("collaborations", ("org_a", "org_b")),
    "participations": ("participations", ("organisation_id",)),
    "cluster_memberships": ("cluster_members", ("organisation_id",)),
    "accounts": ("accounts", ("organisation_id",)),
    "edit_requests": ("edit_requests", ("organisation_id",)),
    "introduction_requests": ("introduction_requests",
                              ("from_organisation", "to_organisation")),
}  # fmt: skip
# Bookkeeping, not content: never compared, filled or reported as changed.
_BOOKKEEPING = ("id", "normalised_name", "created_at", "updated_at", "version")


# -- editing -------------------------------------------------------------------------


def save_organisation(
    store: DirectoryStore,
    organisation_id: str,
    changes: Mapping[str, Any],
    actor: str,
    loaded: Mapping[str, Any],
) -> dict[str, Any]:
    """Apply an editor's changes if the record is still as they loaded it (its
    version); otherwise ConflictError naming what changed since and who changed it."""
    values = dict(changes)
    if "name" in values:
        values["normalised_name"] = normalise_name(str(values["name"]))
    with store.transaction():
        current = store.organisation(organisation_id)
        if current is not None and current["version"] == loaded["version"]:
            try:
                return store.update_organisation(
                    organisation_id, values, actor, expected_version=loaded["version"]
                )
            except ConflictError:
                pass  # changed between our read and our write: explained below
        raise conflict(store, organisation_id, loaded)


def conflict(
    store: DirectoryStore, organisation_id: str, loaded: Mapping[str, Any]
) -> StoreError:
    """The error for an edit of a record that changed after it was loaded: the
    fields whose values differ now and who changed them, or who deleted it."""
    current = store.organisation(organisation_id)
    if current is None:
        return _gone(store, organisation_id)
    changed = [
        name
        for name, value in loaded.items()
        if name not in _BOOKKEEPING and current.get(name) != value
    ]
    since = int(loaded.get("version") or 0)
    entries = store.audit_entries(
        organisation_id,
        limit=max(int(current["version"]) - since, 1),
        record_type="organisation",
    )
    changers = [e["actor"] for e in entries if e["action"] not in ("create", "delete")]
    return ConflictError(
        organisation_id, current, changed, list(dict.fromkeys(reversed(changers)))
    )


def _gone(store: DirectoryStore, organisation_id: str) -> StoreError:
    """The error for an edit of a deleted record, saying who deleted it."""
    deleted = store.audit_entries(
        organisation_id, limit=1, action="delete", record_type="organisation"
    )
    by = f" by {deleted[0]['actor']}" if deleted else ""
    merged = (deleted[0].get("details") or {}).get("merged_into") if deleted else None
    into = f" (merged into {merged})" if merged else ""
    return StoreError(f"{organisation_id} was deleted{by}{into} since you opened it")


# -- deleting ------------------------------------------------------------------------


def delete_organisation(
    store: DirectoryStore,
    organisation_id: str,
    actor: str,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Delete an organisation with everything that hangs on it; the audit keeps a
    snapshot of the record and says how many links went with it."""
    with store.transaction():
        before = store.organisation(organisation_id)
        if before is None:
            raise StoreError(f"no organisation with id {organisation_id!r}")
        if expected_version is not None and before["version"] != expected_version:
            raise conflict(store, organisation_id, {"version": expected_version})
        details = dependants(store, organisation_id)
        _drop(store, organisation_id)
        store.audit(actor, "delete", "organisation", organisation_id, before, None,
                    details)  # fmt: skip
    return {"organisation": before, **details}


def dependants(store: DirectoryStore, organisation_id: str) -> dict[str, int]:
    """How many rows of each kind refer to an organisation."""
    return {name: _count(store, name, organisation_id) for name in _REFERENCES}


def _count(store: DirectoryStore, name: str, organisation_id: str) -> int:
    table, columns = _REFERENCES[name]
    where = " OR ".join(f"{column} = :id" for column in columns)
    sql = f"SELECT count(*) AS n FROM {table} WHERE {where}"
    return int(store.query(sql, {"id": organisation_id})[0]["n"])


def _drop(store: DirectoryStore, organisation_id: str) -> None:
    """Delete the row (links cascade) and its searchable profile passages."""
    store.db.execute(
        "DELETE FROM passages WHERE source = 'organisation' AND document_id = ?",
        [organisation_id],
    )
    store.db.execute("DELETE FROM organisations WHERE id = ?", [organisation_id])


# -- merging -------------------------------------------------------------------------


def merge_organisations(
    store: DirectoryStore, keep_id: str, merge_id: str, actor: str
) -> dict[str, Any]:
    """Fold merge_id into keep_id: fill the kept record's gaps, unite its lists,
    move every link to it, then delete merge_id. Returns the kept record and counts."""
    if keep_id == merge_id:
        raise StoreError("an organisation cannot be merged with itself")
    with store.transaction():
        keep, merge = store.organisation(keep_id), store.organisation(merge_id)
        for record_id, record in ((keep_id, keep), (merge_id, merge)):
            if record is None:
                raise StoreError(f"no organisation with id {record_id!r}")
        assert keep is not None and merge is not None
        moved = {
            "collaborations": _move_collaborations(store, keep_id, merge_id),
            "participations": _move_participations(store, keep_id, merge_id),
            **_move_references(store, keep_id, merge_id),
        }
        store.db.execute(
            "DELETE FROM organisation_vectors WHERE organisation_id IN (?, ?)",
            [keep_id, merge_id],
        )
        _drop(store, merge_id)
        store.audit(actor, "delete", "organisation", merge_id, merge, None,
                    {"merged_into": keep_id})  # fmt: skip
        details = {"merged": merge_id, "merged_name": merge["name"], "moved": moved}
        changes = merged_values(keep, merge)
        if changes:
            kept = store.update_organisation(keep_id, changes, actor, "merge", details)
        else:
            store.audit(actor, "merge", "organisation", keep_id, {}, {}, details)
            kept = keep
    return {"organisation": kept, "changed": sorted(changes), "moved": moved}


def merged_values(keep: Mapping[str, Any], merge: Mapping[str, Any]) -> dict[str, Any]:
    """The kept record's changes when merge is folded in: lists united, empty fields
    filled (the location as a whole), a better kind, RD&I activity, both notes."""
    changes: dict[str, Any] = {}
    for name in LIST_FIELDS:
        united = list(dict.fromkeys([*(keep[name] or []), *(merge[name] or [])]))
        if united != keep[name]:
            changes[name] = united
    take_location = keep.get("lat") is None and merge.get("lat") is not None
    for name, value in merge.items():
        if name in (*_BOOKKEEPING, *LIST_FIELDS, "name", "kind", "notes"):
            continue
        empty = keep.get(name) in (None, "", "none")
        if name in LOCATION_FIELDS and keep.get("lat") is not None:
            continue
        if (take_location and name in LOCATION_FIELDS) or (empty and value):
            changes[name] = value
    if keep.get("kind") == "other" and merge.get("kind") != "other":
        changes["kind"] = merge["kind"]
    if merge.get("rdi_active") and not keep.get("rdi_active"):
        changes["rdi_active"] = True
    notes = [n for n in (keep.get("notes"), merge.get("notes")) if n]
    if len(dict.fromkeys(notes)) == 2:
        changes["notes"] = "\n\n".join(notes)
    elif notes and not keep.get("notes"):
        changes["notes"] = notes[0]
    return {k: v for k, v in changes.items() if keep.get(k) != v}


def _move_collaborations(
    store: DirectoryStore, keep_id: str, merge_id: str
) -> dict[str, int]:
    """Re-point merge_id's collaborations to keep_id, keeping org_a < org_b; a link
    between the two is dropped, one that now repeats a kept link adds its weight."""
    counts = {"moved": 0, "combined": 0, "dropped_self_links": 0}
    rows = store.query(
        "SELECT * FROM collaborations WHERE org_a = :id OR org_b = :id ORDER BY id",
        {"id": merge_id},
    )
    for row in rows:
        other = row["org_b"] if row["org_a"] == merge_id else row["org_a"]
        if other == keep_id:
            store.db.execute("DELETE FROM collaborations WHERE id = ?", [row["id"]])
            counts["dropped_self_links"] += 1
            continue
        org_a, org_b = sorted((keep_id, other))
        key = (row["project"], row["topic"], row["source"])
        existing = store.collaboration(org_a, org_b, *key)
        if existing is None:
            store.db.execute(
                "UPDATE collaborations SET org_a = ?, org_b = ? WHERE id = ?",
                [org_a, org_b, row["id"]],
            )
            counts["moved"] += 1
            continue
        years = [y for y in (existing["year"], row["year"]) if y is not None]
        store.db.execute(
            "UPDATE collaborations SET weight = weight + ?, year = ? WHERE id = ?",
            [row["weight"], max(years) if years else None, existing["id"]],
        )
        store.db.execute("DELETE FROM collaborations WHERE id = ?", [row["id"]])
        counts["combined"] += 1
    return counts


def _move_participations(
    store: DirectoryStore, keep_id: str, merge_id: str
) -> dict[str, int]:
    """Re-point project participations; a project both were in keeps the kept row
    (lead if either led, grants added)."""
    combined = store.db.execute(
        "UPDATE participations AS k SET is_lead = max(k.is_lead, m.is_lead),"
        " grant_offered = CASE WHEN coalesce(k.grant_offered, m.grant_offered)"
        " IS NULL THEN NULL ELSE ifnull(k.grant_offered, 0)"
        " + ifnull(m.grant_offered, 0) END"
        " FROM participations AS m WHERE k.organisation_id = ?"
        " AND m.organisation_id = ? AND m.project_id = k.project_id",
        [keep_id, merge_id],
    ).rowcount
    moved = store.db.execute(
        "UPDATE OR IGNORE participations SET organisation_id = ?"
        " WHERE organisation_id = ?",
        [keep_id, merge_id],
    ).rowcount
    return {"moved": int(moved), "combined": int(combined)}


def _move_references(
    store: DirectoryStore, keep_id: str, merge_id: str
) -> dict[str, int]:
    """Re-point cluster memberships (unless already a member there), accounts and
    requests; returns how many rows of each moved."""
    moved = {}
    for name in ("cluster_memberships", "accounts", "edit_requests",
                 "introduction_requests"):  # fmt: skip
        table, columns = _REFERENCES[name]
        sql = "UPDATE OR IGNORE {0} SET {1} = ? WHERE {1} = ?"
        moved[name] = sum(
            store.db.execute(sql.format(table, c), [keep_id, merge_id]).rowcount
            for c in columns
        )
    return moved


# -- duplicates ----------------------------------------------------------------------


def audit_facets(store: DirectoryStore) -> dict[str, list[str]]:
    """The distinct actors, actions and record types in the audit log (for filters)."""
    facets = {}
    for column in ("actor", "action", "record_type"):
        rows = store.query(f"SELECT DISTINCT {column} AS v FROM audit_log ORDER BY v")
        facets[column] = [str(r["v"]) for r in rows]
    return facets


def audit_revision(store: DirectoryStore) -> int:
    """The newest audit entry's id: it changes whenever the directory does."""
    return int(store.query("SELECT max(id) AS n FROM audit_log")[0]["n"] or 0)
