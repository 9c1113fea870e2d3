"""Who may do what: the four roles, the actions they may take, and the organisation
fields only some may see. Both faces check here; the portal also hides pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from directory.store import StoreError

ROLES = ("public", "member", "official", "facilitator")
PRIVATE_FIELDS = ("contact_email", "notes")

# action -> the roles allowed to take it
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "find_collaborators": frozenset({"member", "official", "facilitator"}),
    "request_introduction": frozenset({"member", "facilitator"}),
    "ask": frozenset({"member", "official", "facilitator"}),
    "view_documents": frozenset({"member", "official", "facilitator"}),
    "upload_documents": frozenset({"facilitator"}),
    "edit_own": frozenset({"member", "facilitator"}),
    "edit_other": frozenset({"facilitator"}),
    "import": frozenset({"facilitator"}),
    "delete": frozenset({"facilitator"}),
    "merge": frozenset({"facilitator"}),
    "export": frozenset({"facilitator"}),
    "audit_log": frozenset({"facilitator"}),
    "review_requests": frozenset({"facilitator"}),
    "user_admin": frozenset({"facilitator"}),
    "view_private": frozenset({"facilitator"}),
}


class AccessDenied(StoreError):
    """The signed-in role may not do this; the message says what it needs."""


@dataclass(frozen=True)
class Viewer:
    """Whoever is using the portal: an account, or the public when username is None."""

    role: str = "public"
    username: str | None = None
    organisation_id: str | None = None

    @property
    def actor(self) -> str:
        """The name the audit log records."""
        return self.username or "public"

    @property
    def signed_in(self) -> bool:
        return self.username is not None


PUBLIC = Viewer()
# Whoever runs the CLI on the server holds the workspace itself: everything.
OPERATOR = Viewer("facilitator", "cli")


def can(viewer: Viewer, action: str, organisation_id: str | None = None) -> bool:
    """Whether viewer may take action; a member edits and sees the private fields of
    their own organisation only (organisation_id)."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    if action in ("edit_own", "view_private") and viewer.role == "member":
        return organisation_id is not None and organisation_id == viewer.organisation_id
    return viewer.role in PERMISSIONS[action]


def require(viewer: Viewer, action: str, organisation_id: str | None = None) -> None:
    if not can(viewer, action, organisation_id):
        allowed = sorted(PERMISSIONS[action] - {"public"})
        who = "signed-out visitors" if not viewer.signed_in else f"{viewer.role}s"
        raise AccessDenied(
            f"{who} may not {action.replace('_', ' ')}"
            + (f"; it needs a {' or '.join(allowed)} account" if allowed else "")
        )


def visible(viewer: Viewer, organisation: Mapping[str, Any]) -> dict[str, Any]:
    """The organisation as this viewer may see it: private fields only for
    facilitators and the organisation's own members."""
    record = dict(organisation)
    if not can(viewer, "view_private", record.get("id")):
        for name in PRIVATE_FIELDS:
            record.pop(name, None)
    return record
