"""Offline geocoding of UK postcodes: full postcodes when a table is given, else districts.

The shipped default is the centroid of every postcode district (AB10, EH1, BT7 ...);
settings can point at a full-postcode table such as OS Code-Point Open, which is
loaded with pyarrow and looked up with vectorised joins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from corpus.records import OrganisationRecord
from corpus.values import ValueProblem

FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
COUNTRY_BY_CODE_PREFIX = {
    "E": "England",
    "S": "Scotland",
    "W": "Wales",
    "N": "Northern Ireland",
}


class GeocodingError(Exception):
    """A geocoding table is missing or not in a layout we can read."""


@dataclass(frozen=True)
class Place:
    """Where a postcode or area is, and how precisely we know it."""

    lat: float
    lon: float
    precision: str
    lad_code: str | None = None
    region: str | None = None
    country: str | None = None


def compact_postcode(text: str) -> str:
    """Upper case without spaces or punctuation: ' eh1 1yz ' -> 'EH11YZ'."""
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()


def format_postcode(text: str) -> str | None:
    """The postcode in its usual form ('EH1 1YZ', or a district 'EH1'); None if malformed."""
    compact = compact_postcode(text)
    if FULL_POSTCODE.match(compact):
        return f"{compact[:-3]} {compact[-3:]}"
    if DISTRICT.match(compact):
        return compact
    return None


def locate_record(record: OrganisationRecord, text: str, geocoder: Geocoder) -> None:
    """Place a record at a postcode (or district), or raise a problem naming it."""
    postcode = format_postcode(text)
    if postcode is None:
        raise ValueProblem(f"postcode {text!r} is not a UK postcode")
    place = geocoder.locate_postcode(postcode)
    if place is None:
        raise ValueProblem(f"unknown postcode {text!r}")
    record.postcode = postcode
    record.lat, record.lon = place.lat, place.lon
    record.location_precision = place.precision
    record.lad_code, record.region, record.country = (
        place.lad_code,
        place.region,
        place.country,
    )


def country_of(lad_code: str | None) -> str | None:
    return COUNTRY_BY_CODE_PREFIX.get(lad_code[0]) if lad_code else None


def _geodata(name: str) -> Path:
    return Path(str(resources.files("corpus") / "geodata" / name))


def load_local_authorities() -> pd.DataFrame:
    """Local authority districts (2021, plus the 2023 unitary councils the postcode
    districts already use): index code; columns name, lat, lon."""
    frames = [
        pd.read_csv(
            _geodata(name),
            sep="|",
            header=None,
            names=["code", "name", "lon", "lat"],
            dtype={"code": str, "name": str},
        )
        for name in ("lad_centroids_2021.psv", "lad_centroids_2023_additions.psv")
    ]
    return pd.concat(frames).drop_duplicates("code").set_index("code")


def load_districts() -> pd.DataFrame:
    """Postcode districts: index district; columns lat, lon, lad_code."""
    frame = pd.read_csv(
        _geodata("postcode_district_centroids_uk.csv"),
        usecols=["postcode_district", "lat", "lon", "main_lad_code"],
        dtype={"postcode_district": str, "main_lad_code": str},
    )
    frame = frame.rename(
        columns={"postcode_district": "key", "main_lad_code": "lad_code"}
    )
    return frame.set_index("key")


def load_postcode_table(path: Path) -> pd.DataFrame:
    """A full-postcode CSV (optionally gzipped): index compact postcode; lat, lon, lad_code."""
    if not path.is_file():
        raise GeocodingError(f"postcode table {path} does not exist")
    try:
        header = pd.read_csv(path, nrows=0).columns
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise GeocodingError(
            f"postcode table {path} is not a readable CSV: {exc}"
        ) from None
    columns = {c.strip().lower(): c for c in header}
    missing = [c for c in ("postcode", "lat", "lon") if c not in columns]
    if missing:
        raise GeocodingError(
            f"postcode table {path} lacks the column(s) {', '.join(missing)}; "
            "it needs postcode, lat, lon and optionally lad_code"
        )
    wanted = ["postcode", "lat", "lon"] + (
        ["lad_code"] if "lad_code" in columns else []
    )
    frame = pd.read_csv(
        path,
        usecols=[columns[c] for c in wanted],
        dtype={columns["postcode"]: str, columns.get("lad_code", "lad_code"): str},
        engine="pyarrow",
    )
    frame.columns = wanted
    frame["key"] = frame["postcode"].str.replace(" ", "", regex=False).str.upper()
    frame = frame.dropna(subset=["lat", "lon"]).drop(columns="postcode")
    frame = frame.drop_duplicates("key").set_index("key")
    if "lad_code" not in frame:
        frame["lad_code"] = None
    return frame


class Geocoder:
    """Looks up postcodes, districts and local authorities without the network."""

    def __init__(
        self,
        districts: pd.DataFrame,
        local_authorities: pd.DataFrame,
        postcodes: pd.DataFrame | None = None,
    ) -> None:
        self.districts = districts
        self.local_authorities = local_authorities
        self.postcodes = postcodes
        self._known: dict[str, Place | None] = {}  # filled in batches by prime()

    @classmethod
    def load(cls, postcode_table: Path | None = None) -> Geocoder:
        table = load_postcode_table(postcode_table) if postcode_table else None
        return cls(load_districts(), load_local_authorities(), table)

    def region_of(self, lad_code: str | None) -> str | None:
        """The local authority's name for a code, if we know the code."""
        if lad_code and lad_code in self.local_authorities.index:
            return str(self.local_authorities.at[lad_code, "name"])
        return None

    def _place(self, lat: object, lon: object, precision: object, lad: object) -> Place:
        lad_code = lad if isinstance(lad, str) and lad else None
        return Place(
            float(lat),  # type: ignore[arg-type]
            float(lon),  # type: ignore[arg-type]
            str(precision),
            lad_code,
            self.region_of(lad_code),
            country_of(lad_code),
        )

    def prime(self, postcodes: Iterable[str]) -> None:
        """Geocode a file's postcodes in one vectorised pass before row-by-row lookups."""
        wanted = list({compact_postcode(p) for p in postcodes if p} - set(self._known))
        if len(self._known) + len(wanted) > 2_000_000:
            self._known.clear()
        if not wanted:
            return
        found = self.locate_many(wanted)
        for key, row in zip(wanted, found.itertuples(index=False), strict=True):
            self._known[key] = (
                None
                if row.precision == "none"
                else self._place(row.lat, row.lon, row.precision, row.lad_code)
            )

    def locate_postcode(self, postcode: str) -> Place | None:
        """A full postcode or a district; None when it is malformed or unknown."""
        key = compact_postcode(postcode)
        if key not in self._known:
            self.prime([key])
        return self._known.get(key)

    def locate_many(self, postcodes: list[str]) -> pd.DataFrame:
        """Vectorised lookup: one row per input with lat, lon, lad_code, precision."""
        keys = pd.Series(postcodes, dtype="string").str.upper()
        keys = keys.str.replace(r"[^A-Z0-9]", "", regex=True).fillna("")
        result = pd.DataFrame(
            {
                "lat": float("nan"),
                "lon": float("nan"),
                "lad_code": pd.Series([None] * len(keys), dtype=object),
                "precision": "none",
            },
            index=range(len(keys)),
        )
        is_full = keys.str.fullmatch(FULL_POSTCODE.pattern).fillna(False).astype(bool)
        if self.postcodes is not None:
            hits = self.postcodes.reindex(keys.where(is_full, "").to_numpy())
            found = hits["lat"].notna().to_numpy()
            result.loc[found, ["lat", "lon"]] = hits.loc[
                found, ["lat", "lon"]
            ].to_numpy()
            result.loc[found, "lad_code"] = hits.loc[found, "lad_code"].to_numpy()
            result.loc[found, "precision"] = "postcode"
        district_keys = keys.where(~is_full, keys.str[:-3])
        pending = (result["precision"] == "none").to_numpy()
        hits = self.districts.reindex(district_keys.to_numpy())
        found = pending & hits["lat"].notna().to_numpy()
        result.loc[found, ["lat", "lon"]] = hits.loc[found, ["lat", "lon"]].to_numpy()
        result.loc[found, "lad_code"] = hits.loc[found, "lad_code"].to_numpy()
        result.loc[found, "precision"] = "district"
        return result

    def locate_local_authority(self, lad_code: str) -> Place | None:
        """The centroid of a local authority district, by its ONS code."""
        if lad_code not in self.local_authorities.index:
            return None
        row = self.local_authorities.loc[lad_code]
        return self._place(row["lat"], row["lon"], "local authority", lad_code)

    def is_local_authority_centroid(
        self, lat: float, lon: float, lad_code: str | None
    ) -> bool:
        """Whether a given point is just its local authority's centroid (within ~100 m)."""
        place = self.locate_local_authority(lad_code) if lad_code else None
        return (
            place is not None
            and abs(place.lat - lat) < 0.001
            and abs(place.lon - lon) < 0.0015
        )
