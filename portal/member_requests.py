"""Members' own organisation and requests, and the facilitators' review of them: the
use cases behind My organisation, Find collaborators' introductions and Requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from directory import member_requests as requests_store
from directory.store import DirectoryStore, StoreError
from portal.access import AccessDenied, Viewer, can, require
from portal.editing import (
    FORM_FIELDS,
    PRIVATE_FORM_FIELDS,
    describe_changes,
    form_values,
    organisation_changes,
)
from portal.settings import Settings
from portal.workspace import open_store


def edit_mode(settings: Settings, viewer: Viewer) -> str:
    """ "direct" when the viewer's saves apply at once, "request" when they wait for a
    facilitator (the network's setting; facilitators always save directly)."""
    if settings.auth.member_edits == "direct" or can(viewer, "edit_other"):
        return "direct"
    return "request"


def _own_id(viewer: Viewer, organisation_id: str | None = None) -> str:
    chosen = organisation_id or viewer.organisation_id
    require(viewer, "edit_own", chosen)
    if not chosen:
        raise StoreError("your account belongs to no organisation")
    return chosen


def _organisation(store: DirectoryStore, organisation_id: str) -> dict[str, Any]:
    organisation = store.organisation(organisation_id)
    if organisation is None:
        raise StoreError(f"no organisation with id {organisation_id!r}")
    return organisation


def own_organisation(settings: Settings, viewer: Viewer) -> dict[str, Any]:
    """The viewer's organisation with its private fields, the viewer's pending edit
    request for it (or None) and how a save applies."""
    organisation_id = _own_id(viewer)
    with open_store(settings) as store:
        organisation = _organisation(store, organisation_id)
        pending = requests_store.edit_requests(
            store, "pending", organisation_id, viewer.actor, limit=1
        )
    return {
        "organisation": organisation,
        "pending": pending[0] if pending else None,
        "mode": edit_mode(settings, viewer),
    }


def save_own_organisation(
    settings: Settings,
    viewer: Viewer,
    values: Mapping[str, str],
    loaded_version: int,
    organisation_id: str | None = None,
) -> dict[str, Any]:
    """Save the viewer's own organisation from its form, at once or as an edit request
    (edit_mode); returns outcome ("saved", "requested" or "unchanged") and changes."""
    organisation_id = _own_id(viewer, organisation_id)
    with open_store(settings) as store:
        current = _organisation(store, organisation_id)
        if current["version"] != loaded_version:
            raise requests_store.stale_error(
                store, current, loaded_version, "Reload it and make your change again."
            )
        # fields the caller leaves out keep their current values
        form = form_values(current) | {
            name: str(values[name])
            for name in (*FORM_FIELDS, *PRIVATE_FORM_FIELDS)
            if name in values
        }
        changes = organisation_changes(settings, current, form)
        result: dict[str, Any] = {
            "outcome": "unchanged",
            "changes": describe_changes(current, changes),
        }
        if not changes:
            return result
        if edit_mode(settings, viewer) == "request":
            result["request"] = requests_store.submit_edit_request(
                store, organisation_id, viewer.actor, loaded_version, changes
            )
            return {**result, "outcome": "requested"}
        result["organisation"] = requests_store.apply_changes(
            store, organisation_id, loaded_version, changes, viewer.actor,
            {"via": "my organisation"}, "Reload it and make your change again.",
        )  # fmt: skip
        return {**result, "outcome": "saved"}


def request_introduction(
    settings: Settings,
    viewer: Viewer,
    to_organisation: str,
    from_organisation: str | None = None,
    need: str | None = None,
    message: str = "",
) -> dict[str, Any]:
    """Record a request for facilitators to introduce the viewer's organisation (a
    member's is always their own) to to_organisation; the stored request."""
    require(viewer, "request_introduction")
    if viewer.role == "member":
        from_organisation = viewer.organisation_id
    with open_store(settings) as store:
        return requests_store.create_introduction_request(
            store,
            viewer.actor,
            to_organisation,
            from_organisation or viewer.organisation_id,
            need,
            message,
        )


def my_requests(settings: Settings, viewer: Viewer) -> dict[str, list[dict[str, Any]]]:
    """The viewer's own edit and introduction requests, newest first."""
    if not viewer.signed_in:
        raise AccessDenied("sign in to see your requests")
    with open_store(settings) as store:
        return {
            "edits": requests_store.edit_requests(store, requested_by=viewer.actor),
            "introductions": requests_store.introduction_requests(
                store, requested_by=viewer.actor
            ),
        }


def shown(value: Any) -> str:
    """A field value as text for a table (lists ;-separated, nothing as blank)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def review_counts(settings: Settings, viewer: Viewer) -> dict[str, int]:
    require(viewer, "review_requests")
    with open_store(settings) as store:
        return requests_store.request_counts(store)


def pending_edit_requests(settings: Settings, viewer: Viewer) -> list[dict[str, Any]]:
    """Pending edit requests, oldest first, each with rows of field, current and
    proposed value, and whether the record changed since (stale)."""
    require(viewer, "review_requests")
    with open_store(settings) as store:
        pending = requests_store.edit_requests(store, "pending")
        for request in pending:
            current = _organisation(store, request["organisation_id"])
            request["rows"] = [
                {
                    "field": name,
                    "current": shown(current.get(name)),
                    "proposed": shown(value),
                }
                for name, value in request["changes"].items()
            ]
            request["stale"] = current["version"] != request["base_version"]
    return pending[::-1]


def approve_edit(
    settings: Settings, viewer: Viewer, request_id: int, note: str = ""
) -> dict[str, Any]:
    """Apply a pending edit request; StaleEditError says what changed meanwhile."""
    require(viewer, "review_requests")
    with open_store(settings) as store:
        return requests_store.approve_edit_request(
            store, request_id, viewer.actor, note
        )


def reject_edit(
    settings: Settings, viewer: Viewer, request_id: int, note: str = ""
) -> dict[str, Any]:
    require(viewer, "review_requests")
    with open_store(settings) as store:
        return requests_store.reject_edit_request(store, request_id, viewer.actor, note)


def introduction_queue(
    settings: Settings, viewer: Viewer, status: str | None = None
) -> list[dict[str, Any]]:
    """Introduction requests for facilitators, open ones first."""
    require(viewer, "review_requests")
    with open_store(settings) as store:
        return requests_store.introduction_requests(store, status)


def mark_introduction(
    settings: Settings, viewer: Viewer, request_id: int, status: str
) -> dict[str, Any]:
    """Mark an open introduction request "introduced" or "declined"."""
    require(viewer, "review_requests")
    with open_store(settings) as store:
        return requests_store.set_introduction_status(
            store, request_id, status, viewer.actor
        )
