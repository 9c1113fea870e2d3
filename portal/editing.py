"""Turning an organisation form into checked changes: the same parsing and
geocoding as a members-CSV row, so a form accepts exactly what an import would."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from corpus.members import member_from_row
from corpus.tables import Row
from corpus.values import ValueProblem
from directory.store import StoreError
from portal.settings import Settings
from portal.workspace import geocoder

# What a form edits, as members-CSV columns (lists are ;-separated), plus the
# private fields the CSV template does not carry.
FORM_FIELDS = (
    "name", "kind", "company_number", "description", "website", "postcode",
    "sectors", "sic_codes", "employees", "turnover", "tags",
)  # fmt: skip
PRIVATE_FORM_FIELDS = ("contact_email", "notes")
LIST_FIELDS = ("sectors", "sic_codes", "tags")
LOCATION_FIELDS = ("postcode", "lat", "lon", "location_precision", "lad_code",
                   "region", "country")  # fmt: skip
MAX_FIELD_CHARS = {"description": 5000, "notes": 5000}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def form_values(organisation: Mapping[str, Any]) -> dict[str, str]:
    """An organisation's editable fields as the strings a form shows."""
    values = {}
    for name in (*FORM_FIELDS, *PRIVATE_FORM_FIELDS):
        value = organisation.get(name)
        if name in LIST_FIELDS:
            values[name] = "; ".join(value or [])
        elif value is None:
            values[name] = ""
        elif isinstance(value, float) and value.is_integer():
            values[name] = str(int(value))
        else:
            values[name] = str(value)
    return values


def organisation_changes(
    settings: Settings, current: Mapping[str, Any] | None, values: Mapping[str, str]
) -> dict[str, Any]:
    """The checked field changes a form asks for (all fields for a new record);
    StoreError with the reason when a value is not acceptable."""
    for name, text in values.items():
        if "\x00" in text:
            raise StoreError(f"{name}: contains a NUL character")
        limit = MAX_FIELD_CHARS.get(name, 500)
        if len(text) > limit:
            raise StoreError(f"{name}: at most {limit} characters")
    try:
        record = member_from_row(
            Row(line=0, values={k: values.get(k, "") for k in FORM_FIELDS}),
            geocoder(settings),
            "portal form",
        )
    except ValueProblem as exc:
        raise StoreError(str(exc)) from None
    proposed: dict[str, Any] = {
        name: getattr(record, name)
        for name in (*FORM_FIELDS, *LOCATION_FIELDS)
        if name in record.__dataclass_fields__
    }
    proposed["kind"] = record.kind or (current or {}).get("kind") or "other"
    email = values.get("contact_email", "").strip()
    if email and not _EMAIL.match(email):
        raise StoreError(f"contact_email: {email!r} is not an email address")
    if "contact_email" in values:
        proposed["contact_email"] = email or None
    if "notes" in values:
        proposed["notes"] = values["notes"].strip() or None
    if current is None:
        return proposed
    if not values.get("postcode") and current.get("lat") is not None:
        # no postcode on the form: keep a location that came from elsewhere
        for name in LOCATION_FIELDS:
            proposed.pop(name, None)
    return {k: v for k, v in proposed.items() if current.get(k) != v}


def describe_changes(
    before: Mapping[str, Any], changes: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Rows of field, was, now for showing a change to a person."""
    return [
        {"field": name, "was": before.get(name), "now": value}
        for name, value in changes.items()
    ]
