"""Members' requests: edits to their organisation waiting for a facilitator, and
introductions to other organisations. Every change is audited in its transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from directory.store import ConflictError, DirectoryStore, StoreError, now

EDIT_STATUSES = ("pending", "approved", "rejected")
INTRODUCTION_STATUSES = ("open", "introduced", "declined")
# what marking an open introduction request records in the audit log
_INTRODUCTION_ACTIONS = {"introduced": "introduce", "declined": "decline"}
# columns an edit request may not touch: identity and bookkeeping
_PROTECTED_COLUMNS = {"id", "version", "created_at", "updated_at"}
MAX_NEED_CHARS = 500
MAX_MESSAGE_CHARS = 2000
MAX_NOTE_CHARS = 1000
LIST_LIMIT = 200


class StaleEditError(ConflictError):
    """The record changed after an edit was based on it; the message says what
    changed and who changed it."""

    def __init__(self, message: str, current: dict[str, Any], changed: list[str]):
        self.current, self.changed = current, changed
        StoreError.__init__(self, message)


def checked_text(name: str, text: str | None, limit: int) -> str | None:
    """Free text from a person, stripped; None when empty; StoreError when unusable."""
    if text is None:
        return None
    if "\x00" in text:
        raise StoreError(f"{name}: contains a NUL character")
    if len(text) > limit:
        raise StoreError(f"{name}: at most {limit} characters")
    return text.strip() or None


def changes_since(
    store: DirectoryStore, organisation_id: str, version: int
) -> list[dict[str, Any]]:
    """The field changes made to an organisation after version, newest first, from
    the audit log (each version step is one audited update): field, actor, at."""
    current = store.organisation(organisation_id)
    steps = (current["version"] if current else version) - version
    if steps <= 0:
        return []
    entries = store.query(
        "SELECT actor, at, after FROM audit_log WHERE record_type = 'organisation'"
        " AND record_id = ? AND action != 'create' AND after IS NOT NULL"
        " ORDER BY id DESC LIMIT ?",
        [organisation_id, steps],
    )
    return [
        {"field": field, "actor": entry["actor"], "at": entry["at"]}
        for entry in entries
        for field in json.loads(entry["after"])
    ]


def stale_error(
    store: DirectoryStore, current: Mapping[str, Any], version: int, advice: str
) -> StaleEditError:
    """The error for an edit based on an old version: which fields changed, by whom."""
    by_field: dict[str, list[str]] = {}
    for change in changes_since(store, current["id"], version):
        actors = by_field.setdefault(change["field"], [])
        if change["actor"] not in actors:
            actors.append(change["actor"])
    what = "; ".join(
        f"{field} (changed by {', '.join(actors)})"
        for field, actors in by_field.items()
    )
    message = (
        f"{current['name']} has changed since version {version} "
        f"(now version {current['version']}): {what or 'details unknown'}. {advice}"
    )
    return StaleEditError(message, dict(current), list(by_field))


# -- edit requests --------------------------------------------------------------


def _editable(store: DirectoryStore, changes: Mapping[str, Any]) -> dict[str, Any]:
    columns = set(store.db.table("organisations").columns_dict) - _PROTECTED_COLUMNS
    unknown = sorted(set(changes) - columns)
    if unknown:
        raise StoreError(f"an edit request cannot change {', '.join(unknown)}")
    if not changes:
        raise StoreError("nothing to change: the form matches the current record")
    return dict(changes)


def _insert(
    store: DirectoryStore, table: str, actor: str, values: Mapping[str, Any]
) -> int:
    """Insert a request (lists and dicts stored as JSON) and audit it; its id."""
    row = {**values, "created_at": now()}
    request_id = int(store.db.table(table).insert(row).last_pk or 0)
    store.audit(actor, "create", table.removesuffix("s"), str(request_id), None, row)
    return request_id


def submit_edit_request(
    store: DirectoryStore,
    organisation_id: str,
    requested_by: str,
    base_version: int,
    changes: Mapping[str, Any],
) -> dict[str, Any]:
    """Store checked changes for a facilitator to review; the same person's pending
    request for this organisation is replaced (it is closed as rejected)."""
    with store.transaction():
        current = store.organisation(organisation_id)
        if current is None:
            raise StoreError(f"no organisation with id {organisation_id!r}")
        if current["version"] != base_version:
            raise stale_error(
                store, current, base_version, "Reload it and make your change again."
            )
        values = {
            "organisation_id": organisation_id,
            "requested_by": requested_by,
            "base_version": base_version,
            "changes": _editable(store, changes),
        }
        replaced = edit_requests(store, "pending", organisation_id, requested_by)
        request_id = _insert(store, "edit_requests", requested_by, values)
        for old in replaced:
            note = f"replaced by request #{request_id}"
            _close_edit(store, old, "rejected", requested_by, note, action="replace")
    return _reviewed(store, request_id)


def _pending_edit(store: DirectoryStore, request_id: int) -> dict[str, Any]:
    request = edit_request(store, request_id)
    if request is None:
        raise StoreError(f"no edit request #{request_id}")
    if request["status"] != "pending":
        raise StoreError(
            f"edit request #{request_id} is already {request['status']}; "
            "only a pending request can be reviewed"
        )
    return request


def _close_edit(
    store: DirectoryStore,
    request: Mapping[str, Any],
    status: str,
    reviewer: str,
    note: str | None,
    action: str,
) -> None:
    store.db.execute(
        "UPDATE edit_requests SET status = ?, reviewed_by = ?, reviewed_at = ?,"
        " review_note = ? WHERE id = ? AND status = 'pending'",
        [status, reviewer, now(), note, request["id"]],
    )
    store.audit(
        reviewer, action, "edit_request", str(request["id"]), {"status": "pending"},
        {"status": status}, {"organisation_id": request["organisation_id"], "note": note},
    )  # fmt: skip


def apply_changes(
    store: DirectoryStore,
    organisation_id: str,
    base_version: int,
    changes: Mapping[str, Any],
    actor: str,
    details: Mapping[str, Any],
    advice: str,
) -> dict[str, Any]:
    """Update an organisation still at base_version; StaleEditError (what changed, by
    whom, then advice) when it moved on, StoreError when a change breaks a rule."""
    try:
        with store.transaction():
            return store.update_organisation(
                organisation_id, changes, actor, details=details,
                expected_version=base_version,
            )  # fmt: skip
    except ConflictError as exc:
        raise stale_error(store, exc.current, base_version, advice) from None
    except sqlite3.IntegrityError as exc:
        raise StoreError(f"cannot save {organisation_id}: {exc}") from None


def approve_edit_request(
    store: DirectoryStore, request_id: int, reviewer: str, note: str | None = None
) -> dict[str, Any]:
    """Apply a pending request's changes, refused (StaleEditError, saying what changed
    and who changed it) when the record changed since the member based it on it."""
    note = checked_text("note", note, MAX_NOTE_CHARS)
    with store.transaction():
        request = _pending_edit(store, request_id)
        asker = request["requested_by"]
        apply_changes(
            store, request["organisation_id"], request["base_version"],
            request["changes"], reviewer,
            {"edit_request": request_id, "requested_by": asker},
            f"Ask {asker} to make the request again, or reject it.",
        )  # fmt: skip
        _close_edit(store, request, "approved", reviewer, note, action="approve")
    return _reviewed(store, request_id)


def reject_edit_request(
    store: DirectoryStore, request_id: int, reviewer: str, note: str | None = None
) -> dict[str, Any]:
    """Close a pending request without changing the organisation."""
    note = checked_text("note", note, MAX_NOTE_CHARS)
    with store.transaction():
        request = _pending_edit(store, request_id)
        _close_edit(store, request, "rejected", reviewer, note, action="reject")
    return _reviewed(store, request_id)


def _reviewed(store: DirectoryStore, request_id: int) -> dict[str, Any]:
    """An edit request known to exist."""
    request = edit_request(store, request_id)
    assert request is not None
    return request


def edit_request(store: DirectoryStore, request_id: int) -> dict[str, Any] | None:
    rows = _edit_rows(store, "WHERE r.id = ?", [request_id], 1)
    return rows[0] if rows else None


def edit_requests(
    store: DirectoryStore,
    status: str | None = None,
    organisation_id: str | None = None,
    requested_by: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[dict[str, Any]]:
    """Edit requests, newest first, with the organisation's name and current version."""
    if status is not None and status not in EDIT_STATUSES:
        raise StoreError(
            f"unknown status {status!r}; one of {', '.join(EDIT_STATUSES)}"
        )
    where, params = _filters(
        {
            "r.status": status,
            "r.organisation_id": organisation_id,
            "r.requested_by": requested_by,
        }
    )
    return _edit_rows(store, where, params, limit)


def _filters(values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    given = {column: value for column, value in values.items() if value is not None}
    where = " AND ".join(f"{column} = ?" for column in given)
    return (f"WHERE {where}" if where else ""), list(given.values())


def _edit_rows(
    store: DirectoryStore, where: str, params: list[Any], limit: int
) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT r.*, o.name AS organisation_name, o.version AS current_version"
        f" FROM edit_requests r JOIN organisations o ON o.id = r.organisation_id"
        f" {where} ORDER BY r.id DESC LIMIT ?",
        [*params, limit],
    )
    for row in rows:
        row["changes"] = json.loads(row["changes"])
    return rows


# -- introduction requests ---------------------------------------------------------


def _organisation_name(store: DirectoryStore, organisation_id: str) -> str:
    found = store.query(
        "SELECT name FROM organisations WHERE id = ?", [organisation_id]
    )
    if not found:
        raise StoreError(f"no organisation with id {organisation_id!r}")
    return str(found[0]["name"])


def create_introduction_request(
    store: DirectoryStore,
    requested_by: str,
    to_organisation: str,
    from_organisation: str | None,
    need: str | None,
    message: str | None,
) -> dict[str, Any]:
    """Ask facilitators to introduce from_organisation (or the requester) to
    to_organisation; the same open request twice is refused."""
    to_name = _organisation_name(store, to_organisation)
    if from_organisation is not None:
        _organisation_name(store, from_organisation)
    if from_organisation == to_organisation:
        raise StoreError("an organisation cannot be introduced to itself")
    need = checked_text("need", need, MAX_NEED_CHARS)
    message = checked_text("message", message, MAX_MESSAGE_CHARS)
    with store.transaction():
        open_ = store.query(
            "SELECT id FROM introduction_requests WHERE status = 'open'"
            " AND requested_by = ? AND to_organisation = ? AND from_organisation IS ?",
            [requested_by, to_organisation, from_organisation],
        )
        if open_:
            raise StoreError(
                f"you have already asked for an introduction to {to_name} "
                f"(request #{open_[0]['id']}, still open); a facilitator will be "
                "in touch"
            )
        values = {
            "from_organisation": from_organisation,
            "to_organisation": to_organisation,
            "requested_by": requested_by,
            "need": need,
            "message": message,
        }
        request_id = _insert(store, "introduction_requests", requested_by, values)
    return _introduction(store, request_id)


def _introduction(store: DirectoryStore, request_id: int) -> dict[str, Any]:
    rows = _introduction_rows(store, "WHERE r.id = ?", [request_id], 1)
    if not rows:
        raise StoreError(f"no introduction request #{request_id}")
    return rows[0]


def introduction_requests(
    store: DirectoryStore,
    status: str | None = None,
    requested_by: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[dict[str, Any]]:
    """Introduction requests, open ones first, then newest first, with both names."""
    if status is not None and status not in INTRODUCTION_STATUSES:
        raise StoreError(
            f"unknown status {status!r}; one of {', '.join(INTRODUCTION_STATUSES)}"
        )
    where, params = _filters({"r.status": status, "r.requested_by": requested_by})
    return _introduction_rows(store, where, params, limit)


def _introduction_rows(
    store: DirectoryStore, where: str, params: list[Any], limit: int
) -> list[dict[str, Any]]:
    return store.query(
        "SELECT r.*, f.name AS from_name, t.name AS to_name"
        " FROM introduction_requests r"
        " LEFT JOIN organisations f ON f.id = r.from_organisation"
        " JOIN organisations t ON t.id = r.to_organisation"
        f" {where} ORDER BY r.status = 'open' DESC, r.id DESC LIMIT ?",
        [*params, limit],
    )


def set_introduction_status(
    store: DirectoryStore, request_id: int, status: str, handled_by: str
) -> dict[str, Any]:
    """Mark an open introduction request introduced or declined."""
    if status not in _INTRODUCTION_ACTIONS:
        raise StoreError(
            f"an introduction request is marked introduced or declined, not {status!r}"
        )
    with store.transaction():
        request = _introduction(store, request_id)
        if request["status"] != "open":
            raise StoreError(
                f"introduction request #{request_id} is already {request['status']}; "
                "only an open request can be marked"
            )
        store.db.execute(
            "UPDATE introduction_requests SET status = ?, handled_by = ?,"
            " handled_at = ? WHERE id = ? AND status = 'open'",
            [status, handled_by, now(), request_id],
        )
        action = _INTRODUCTION_ACTIONS[status]
        store.audit(handled_by, action, "introduction_request", str(request_id),
                    {"status": "open"}, {"status": status})  # fmt: skip
    return _introduction(store, request_id)


def request_counts(store: DirectoryStore) -> dict[str, int]:
    """How many edit requests wait for review and introduction requests are open."""
    return {
        "pending_edits": store.query(
            "SELECT count(*) n FROM edit_requests WHERE status = 'pending'"
        )[0]["n"],
        "open_introductions": store.query(
            "SELECT count(*) n FROM introduction_requests WHERE status = 'open'"
        )[0]["n"],
    }
