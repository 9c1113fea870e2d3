"""Parsing the values of one field, with errors worded for the person who wrote the file."""

from __future__ import annotations

import re
from datetime import date, datetime

from corpus.records import KINDS


class ValueProblem(ValueError):
    """A field's value is unusable; the message names the field and the value."""


MAX_NAME_CHARS = 300  # no organisation's name is longer; Companies House allows 160
MAX_POSTCODE_CHARS = 16
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def controls_as_spaces(text: str) -> str:
    """Typed text with its control characters (NUL, terminal escapes) as spaces,
    fit to search with and to echo back."""
    return _CONTROL_CHARACTERS.sub(" ", text)


def shown(text: str) -> str:
    """A value quoted in a message: escaped, and cut short when long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def short_text(text: str, field: str, limit: int) -> str:
    """A name, code or postcode: refused when too long to be one (and to quote)."""
    if len(text) > limit:
        raise ValueProblem(
            f"{field} {shown(text)} is {len(text):,} characters long; "
            f"at most {limit} expected"
        )
    return text


def split_list(text: str, separators: str = ";") -> list[str]:
    """Split on the separators, trimmed, empty parts dropped, duplicates removed."""
    parts = re.split("[" + re.escape(separators) + "]", text) if text else []
    seen: dict[str, None] = {}
    for part in parts:
        part = " ".join(part.split())
        if part:
            seen.setdefault(part, None)
    return list(seen)


def parse_number(text: str, field: str, *, whole: bool = False) -> float | None:
    """'1,200', '£3.5', '12' -> number; '' -> None; negative or non-numeric -> problem."""
    cleaned = text.replace(",", "").replace("£", "").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ValueProblem(f"{field} {shown(text)} is not {kind}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueProblem(f"{field} {shown(text)} is not a number")
    if value < 0:
        raise ValueProblem(f"{field} {shown(text)} is negative")
    if whole and not value.is_integer():
        raise ValueProblem(f"{field} {shown(text)} is not a whole number")
    return value


def parse_whole(text: str, field: str) -> int | None:
    value = parse_number(text, field, whole=True)
    return None if value is None else int(value)


def parse_coordinate(text: str, field: str, limit: float) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueProblem(f"{field} {shown(text)} is not a number") from None
    if not -limit <= value <= limit:
        raise ValueProblem(f"{field} {shown(text)} is outside -{limit}..{limit}")
    return value


def parse_flag(text: str, field: str, default: bool | None) -> bool | None:
    lowered = text.strip().lower()
    if not lowered:
        return default
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise ValueProblem(f"{field} {shown(text)} is not true/false")


def parse_kind(text: str) -> str | None:
    lowered = " ".join(text.lower().replace("organization", "organisation").split())
    if not lowered:
        return None
    if lowered not in KINDS:
        raise ValueProblem(f"kind {shown(text)} is not one of: {', '.join(KINDS)}")
    return lowered


def parse_company_number(text: str) -> str | None:
    """Companies House numbers are 8 characters; spreadsheets drop leading zeros."""
    compact = re.sub(r"\s", "", text).upper()
    if not compact:
        return None
    if not re.fullmatch(r"[A-Z]{0,2}[0-9]{1,8}", compact) or len(compact) > 8:
        raise ValueProblem(f"company number {shown(text)} is not a company number")
    return compact.zfill(8) if compact.isdigit() else compact


def parse_sic_codes(text: str) -> list[str]:
    codes = split_list(text, ";,")
    for code in codes:
        if not re.fullmatch(r"\d{4,5}", code):
            raise ValueProblem(f"SIC code {shown(code)} is not a 4 or 5 digit code")
    return codes


def parse_date(text: str, field: str) -> str | None:
    """ISO date from '2019-04-01', '01/04/2019' or a spreadsheet datetime's text."""
    cleaned = text.strip()
    if not cleaned:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y"):
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueProblem(f"{field} {shown(text)} is not a date (use YYYY-MM-DD)")


def parse_year(text: str, field: str = "year") -> int | None:
    value = parse_whole(text, field)
    if value is not None and not 1900 <= value <= date.today().year + 10:
        raise ValueProblem(f"{field} {shown(text)} is not a plausible year")
    return value
