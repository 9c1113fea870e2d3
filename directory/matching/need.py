"""Read a need in free text: where (a postcode or a place name), and what kind of
partner ("a university partner for hydrogen storage trials near Aberdeen")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

FULL_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.I)
# a bare district (AB10) only after a word of place: "CO2" alone is not Colchester
DISTRICT_AFTER = re.compile(
    r"\b(?:near|around|within|close to)\s+([A-Z]{1,2}[0-9][A-Z0-9]?)\b", re.I
)
COUNTRIES = ("England", "Scotland", "Wales", "Northern Ireland")
KIND_WORDS = {
    "university": ("university", "universities", "academic", "academics"),
    "business": (
        "business", "businesses", "company", "companies", "firm", "firms", "sme",
        "smes", "startup", "start-up", "industry partner", "industrial partner",
    ),
    "research organisation": (
        "research organisation", "research organization", "research institute",
        "research centre", "research center", "catapult",
    ),
    "public body": ("council", "councils", "public body", "government", "agency"),
    "charity": ("charity", "charities", "third sector", "voluntary"),
}  # fmt: skip


@dataclass(frozen=True)
class Need:
    text: str
    kind: str | None = None
    place: str | None = None  # what was recognised, as the user will see it
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    country: str | None = None

    def understood(self) -> dict[str, str]:
        found = {"kind": self.kind, "near": self.place, "country": self.country}
        return {k: v for k, v in found.items() if v}


def _place_keys(name: str) -> set[str]:
    """How people write a council's name: 'City of Edinburgh' -> 'edinburgh' too."""
    key = name.lower().replace("&", "and")
    keys = {key}
    for pattern in (
        r"^city of ",
        r", city of$",
        r" city$",
        r"^county of ",
        r", county of$",
    ):
        keys.add(re.sub(pattern, "", key))
    keys |= {k.split(",")[0].strip() for k in set(keys)}
    return {k for k in keys if len(k) >= 4}


@lru_cache(maxsize=4)
def _place_pattern(names: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    lookup: dict[str, str] = {}
    for name in names:
        for key in _place_keys(name):
            lookup.setdefault(key, name)
    alternatives = sorted(lookup, key=len, reverse=True)  # longest name wins
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, alternatives)) + r")\b", re.I)
    return pattern, lookup


def recognise_kind(text: str) -> str | None:
    lowered = text.lower()
    for kind, words in KIND_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
            return kind
    return None


def recognise_place(text: str, places: pd.DataFrame) -> tuple[str, float, float] | None:
    """A local authority named in the text: (name, lat, lon). ``places`` has name,
    lat and lon columns."""
    pattern, lookup = _place_pattern(tuple(places["name"].astype(str)))
    match = pattern.search(text)
    if match is None:
        return None
    name = lookup[match.group(1).lower()]
    row = places.loc[places["name"] == name].iloc[0]
    return name, float(row["lat"]), float(row["lon"])


def postcode_in(text: str) -> str | None:
    """A full postcode anywhere, or a district after 'near', 'in', 'around' ..."""
    if match := FULL_POSTCODE.search(text):
        return f"{match.group(1)} {match.group(2)}".upper()
    if match := DISTRICT_AFTER.search(text):
        return match.group(1).upper()
    return None


def country_in(text: str) -> str | None:
    for country in COUNTRIES:
        if re.search(rf"\b{country}\b", text, re.I):
            return country
    return None


def read_need(
    text: str,
    places: pd.DataFrame,
    locate: Callable[[str], tuple[float, float] | None],
    near: str | None = None,
) -> Need:
    """What the need asks for. ``near`` (a postcode or place) overrides the text's
    place; ``locate`` turns a postcode into (lat, lon) or None when unknown."""
    where = near or postcode_in(text)
    if where and (located := locate(where)) is not None:
        return Need(
            text, recognise_kind(text), where.upper(), where.upper(), *located,
            country=country_in(text),
        )  # fmt: skip
    if near and (found := recognise_place(near, places)) is None:
        raise ValueError(f"{near!r} is neither a known UK postcode nor a place name")
    found = recognise_place(near or text, places)
    if found is not None:
        name, lat, lon = found
        return Need(text, recognise_kind(text), name, None, lat, lon, country_in(text))
    return Need(text, recognise_kind(text), country=country_in(text))
