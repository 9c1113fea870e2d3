"""corpus.geocoding: postcode forms, district and full-postcode lookups, LA centroids."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pandas as pd
import pytest

from corpus.geocoding import (
    Geocoder,
    GeocodingError,
    Place,
    compact_postcode,
    country_of,
    format_postcode,
    load_districts,
    load_local_authorities,
    load_postcode_table,
    locate_record,
)
from corpus.records import OrganisationRecord
from corpus.values import ValueProblem

# A few real postcodes with coordinates near (not at) their district centroids.
POSTCODES_CSV = (
    "postcode,lat,lon,lad_code\n"
    "EH1 1YZ,55.952061,-3.189616,S12000036\n"
    "SA18 3BL,51.791200,-3.991300,W06000010\n"
    "G1 1XQ,55.860900,-4.250500,\n"  # no local authority given
    "LS1 4AP,,,E08000035\n"  # no coordinates: unusable, dropped
    "eh1 1yz,1.0,1.0,S12000036\n"  # a repeat: the first one is kept
)


@pytest.fixture
def postcode_table(tmp_path: Path) -> Path:
    path = tmp_path / "postcodes.csv"
    path.write_text(POSTCODES_CSV, encoding="utf-8")
    return path


@pytest.fixture
def full_geocoder(postcode_table: Path) -> Geocoder:
    return Geocoder.load(postcode_table)


# --- postcode text -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        (" eh1 1yz ", "EH11YZ"),
        ("SA18-3BL", "SA183BL"),
        ("ec1v\t2nx", "EC1V2NX"),
        ("", ""),
    ],
)
def test_compact_postcode(text: str, compact: str) -> None:
    assert compact_postcode(text) == compact


@pytest.mark.parametrize(
    ("text", "formatted"),
    [
        ("eh11yz", "EH1 1YZ"),
        (" EH1 1YZ ", "EH1 1YZ"),
        ("ec1v2nx", "EC1V 2NX"),
        ("YO265LS", "YO26 5LS"),
        ("sw1a 1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("eh1", "EH1"),
        ("SA18", "SA18"),
        ("W1U", "W1U"),
        ("", None),
        ("NOT A POSTCODE", None),
        ("EH1 1YZZ", None),
        ("12345", None),
        ("EH", None),
    ],
)
def test_format_postcode(text: str, formatted: str | None) -> None:
    assert format_postcode(text) == formatted


@pytest.mark.parametrize(
    ("code", "country"),
    [
        ("S12000036", "Scotland"),
        ("E09000033", "England"),
        ("W06000010", "Wales"),
        ("N09000003", "Northern Ireland"),
        ("X1", None),
        (None, None),
        ("", None),
    ],
)
def test_country_of(code: str | None, country: str | None) -> None:
    assert country_of(code) == country


# --- shipped tables ----------------------------------------------------------------


def test_shipped_tables_are_loaded_and_indexed() -> None:
    districts = load_districts()
    authorities = load_local_authorities()
    assert districts.index.is_unique
    assert authorities.index.is_unique
    assert {"lat", "lon", "lad_code"} <= set(districts.columns)
    assert {"name", "lat", "lon"} <= set(authorities.columns)
    assert len(districts) > 2800
    assert len(authorities) > 350
    assert districts.loc["EH1", "lad_code"] == "S12000036"
    assert authorities.loc["S12000036", "name"] == "City of Edinburgh"
    assert districts["lad_code"].notna().all()


def test_every_district_local_authority_is_known(geocoder: Geocoder) -> None:
    codes = set(geocoder.districts["lad_code"])
    assert codes <= set(geocoder.local_authorities.index)


def test_harrogate_postcode_gets_a_region(geocoder: Geocoder) -> None:
    place = geocoder.locate_postcode("HG1 1AA")
    assert place is not None
    assert place.lad_code == "E06000065"
    assert place.region is not None


# --- district-level lookups (the default geocoder) ------------------------------------


def test_locate_postcode_at_district_precision(geocoder: Geocoder) -> None:
    assert geocoder.postcodes is None
    place = geocoder.locate_postcode("EH1 1YZ")
    assert place is not None
    assert place.precision == "district"
    assert place.lad_code == "S12000036"
    assert place.region == "City of Edinburgh"
    assert place.country == "Scotland"
    assert place.lat == pytest.approx(55.95085)
    assert place.lon == pytest.approx(-3.19294)
    assert geocoder.locate_postcode("eh11yz") == place
    assert geocoder.locate_postcode("EH1") == place


@pytest.mark.parametrize(
    ("postcode", "lad_code", "region", "country"),
    [
        ("SA18 3BL", "W06000010", "Carmarthenshire", "Wales"),
        ("G1 1XQ", "S12000049", "Glasgow City", "Scotland"),
        ("LS1 4AP", "E08000035", "Leeds", "England"),
        ("AB10 1AB", "S12000033", "Aberdeen City", "Scotland"),
        ("YO26 5LS", "E06000014", "York", "England"),
    ],
)
def test_district_lookups_name_the_local_authority(
    geocoder: Geocoder, postcode: str, lad_code: str, region: str, country: str
) -> None:
    place = geocoder.locate_postcode(postcode)
    assert place is not None
    assert (place.precision, place.lad_code, place.region, place.country) == (
        "district",
        lad_code,
        region,
        country,
    )


@pytest.mark.parametrize(
    "postcode", ["ZZ99 9ZZ", "QQ1 1QQ", "not a postcode", "", "EH1 1YZZ", "   "]
)
def test_unknown_or_malformed_postcodes_are_none(
    geocoder: Geocoder, postcode: str
) -> None:
    assert geocoder.locate_postcode(postcode) is None


def test_locate_many_keeps_order_and_blanks(geocoder: Geocoder) -> None:
    inputs: list[str] = [
        "G1 1XQ",
        "",
        "eh1 1yz",
        None,  # type: ignore[list-item]
        "ZZ99 9ZZ",
        "SA18",
        "junk!",
        "G1 1XQ",
    ]
    found = geocoder.locate_many(inputs)
    assert isinstance(found, pd.DataFrame)
    assert list(found.index) == list(range(len(inputs)))
    assert list(found.columns) == ["lat", "lon", "lad_code", "precision"]
    assert list(found["precision"]) == [
        "district",
        "none",
        "district",
        "none",
        "none",
        "district",
        "none",
        "district",
    ]
    assert list(found["lad_code"]) == [
        "S12000049",
        None,
        "S12000036",
        None,
        None,
        "W06000010",
        None,
        "S12000049",
    ]
    assert found["lat"].isna().tolist() == [
        False,
        True,
        False,
        True,
        True,
        False,
        True,
        False,
    ]
    lats = found["lat"].tolist()
    assert lats[0] == lats[7]


def test_locate_many_of_nothing_is_empty(geocoder: Geocoder) -> None:
    found = geocoder.locate_many([])
    assert found.empty
    assert list(found.columns) == ["lat", "lon", "lad_code", "precision"]


def test_locate_many_is_vectorised(
    geocoder: Geocoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    districts = list(geocoder.districts.index[:2000])

    def no_single_lookups(self: Geocoder, postcode: str) -> Place | None:
        raise AssertionError("locate_many must not look postcodes up one by one")

    monkeypatch.setattr(Geocoder, "locate_postcode", no_single_lookups)
    found = geocoder.locate_many(districts)
    assert len(found) == 2000
    assert (found["precision"] == "district").all()
    assert found["lat"].to_numpy() == pytest.approx(
        geocoder.districts.loc[districts, "lat"].to_numpy()
    )


# --- local authorities -------------------------------------------------------------


def test_locate_local_authority(geocoder: Geocoder) -> None:
    place = geocoder.locate_local_authority("S12000036")
    assert place == Place(
        55.911201,
        -3.27826,
        "local authority",
        "S12000036",
        "City of Edinburgh",
        "Scotland",
    )
    assert geocoder.locate_local_authority("S99999999") is None
    assert geocoder.region_of("W06000010") == "Carmarthenshire"
    assert geocoder.region_of("S99999999") is None
    assert geocoder.region_of(None) is None


def test_is_local_authority_centroid(geocoder: Geocoder) -> None:
    lat, lon = 55.911201, -3.27826  # City of Edinburgh's centroid
    assert geocoder.is_local_authority_centroid(lat, lon, "S12000036")
    assert geocoder.is_local_authority_centroid(lat + 0.0009, lon - 0.0014, "S12000036")
    assert not geocoder.is_local_authority_centroid(lat + 0.002, lon, "S12000036")
    assert not geocoder.is_local_authority_centroid(lat, lon + 0.002, "S12000036")
    # the Edinburgh point is not Glasgow's centroid, nor any unknown code's
    assert not geocoder.is_local_authority_centroid(lat, lon, "S12000049")
    assert not geocoder.is_local_authority_centroid(lat, lon, "S99999999")
    assert not geocoder.is_local_authority_centroid(lat, lon, None)


# --- full-postcode tables ----------------------------------------------------------


def test_load_postcode_table(postcode_table: Path) -> None:
    table = load_postcode_table(postcode_table)
    assert list(table.index) == ["EH11YZ", "SA183BL", "G11XQ"]
    assert list(table.columns) == ["lat", "lon", "lad_code"]
    assert table.at["EH11YZ", "lat"] == pytest.approx(55.952061)  # first repeat kept
    assert table.at["SA183BL", "lad_code"] == "W06000010"


def test_full_postcode_precision_with_district_fallback(
    full_geocoder: Geocoder,
) -> None:
    place = full_geocoder.locate_postcode("eh1 1yz")
    assert place == Place(
        55.952061, -3.189616, "postcode", "S12000036", "City of Edinburgh", "Scotland"
    )
    # in the district but not in the table: the district's centroid
    nearby = full_geocoder.locate_postcode("EH1 2NG")
    assert nearby is not None
    assert nearby.precision == "district"
    assert (nearby.lat, nearby.lon) == pytest.approx((55.95085, -3.19294))
    assert nearby.lad_code == "S12000036"
    # a row without coordinates is not used; its district is
    leeds = full_geocoder.locate_postcode("LS1 4AP")
    assert leeds is not None
    assert leeds.precision == "district"
    # a district alone is never looked up in the postcode table
    district = full_geocoder.locate_postcode("SA18")
    assert district is not None
    assert district.precision == "district"
    assert full_geocoder.locate_postcode("ZZ99 9ZZ") is None


def test_postcode_without_local_authority_in_table(full_geocoder: Geocoder) -> None:
    place = full_geocoder.locate_postcode("G1 1XQ")
    assert place is not None
    assert place.precision == "postcode"
    assert (place.lat, place.lon) == pytest.approx((55.8609, -4.2505))
    assert place.lad_code is None
    assert place.region is None
    assert place.country is None


def test_locate_many_mixes_postcode_and_district_hits(full_geocoder: Geocoder) -> None:
    found = full_geocoder.locate_many(["SA18 3BL", "SA18 9ZZ", "", "QQ1 1QQ", "EH11YZ"])
    assert list(found["precision"]) == [
        "postcode",
        "district",
        "none",
        "none",
        "postcode",
    ]
    assert found.at[0, "lat"] == pytest.approx(51.7912)
    assert found.at[1, "lad_code"] == "W06000010"
    assert found.at[0, "lat"] != pytest.approx(found.at[1, "lat"])


def test_gzipped_postcode_table(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(POSTCODES_CSV)
    geocoder = Geocoder.load(path)
    place = geocoder.locate_postcode("SA18 3BL")
    assert place is not None
    assert place.precision == "postcode"
    assert (place.lat, place.lon) == pytest.approx((51.7912, -3.9913))
    assert place.region == "Carmarthenshire"


def test_postcode_table_columns_any_case_and_order(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv"
    path.write_text(
        "LAD_Code, Lon ,Postcode,extra, LAT\nS12000036,-3.1896,EH1 1YZ,x,55.9520\n",
        encoding="utf-8",
    )
    place = Geocoder.load(path).locate_postcode("EH1 1YZ")
    assert place is not None
    assert (place.lat, place.lon, place.lad_code) == (55.952, -3.1896, "S12000036")


def test_postcode_table_without_lad_code_column(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv"
    path.write_text("postcode,lat,lon\nEH1 1YZ,55.952,-3.1896\n", encoding="utf-8")
    table = load_postcode_table(path)
    assert list(table.columns) == ["lat", "lon", "lad_code"]
    assert table.at["EH11YZ", "lad_code"] is None
    place = Geocoder(load_districts(), load_local_authorities(), table).locate_postcode(
        "EH1 1YZ"
    )
    assert place is not None
    assert place.precision == "postcode"
    assert place.lad_code is None


def test_postcode_table_missing_columns_are_named(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv"
    path.write_text(
        "postcode,latitude,longitude\nEH1 1YZ,55.9,-3.1\n", encoding="utf-8"
    )
    with pytest.raises(GeocodingError) as caught:
        load_postcode_table(path)
    message = str(caught.value)
    assert "lacks the column(s) lat, lon" in message
    assert "postcode" not in message.split("lacks")[1].split(";")[0]


def test_postcode_table_missing_postcode_column(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv"
    path.write_text("pcd,lat,lon\nEH1 1YZ,55.9,-3.1\n", encoding="utf-8")
    with pytest.raises(GeocodingError, match=r"lacks the column\(s\) postcode;"):
        Geocoder.load(path)


def test_missing_postcode_table_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GeocodingError, match="does not exist"):
        load_postcode_table(tmp_path / "absent.csv")
    with pytest.raises(GeocodingError, match="does not exist"):
        load_postcode_table(tmp_path)  # a folder


def test_unreadable_postcode_table_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "postcodes.csv"
    path.write_bytes(b"")
    with pytest.raises(GeocodingError, match="not a readable CSV"):
        load_postcode_table(path)


def test_district_places_are_finite(geocoder: Geocoder) -> None:
    found = geocoder.locate_many(list(geocoder.districts.index))
    assert (found["precision"] == "district").all()
    assert all(math.isfinite(v) for v in found["lat"])
    assert found["lat"].between(49, 61).all()
    assert found["lon"].between(-9, 2).all()


# --- batches and records -------------------------------------------------------------


def test_prime_looks_a_batch_up_once(
    geocoder: Geocoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = Geocoder(geocoder.districts, geocoder.local_authorities)
    calls: list[list[str]] = []
    original = Geocoder.locate_many

    def counting(self: Geocoder, postcodes: list[str]) -> pd.DataFrame:
        calls.append(list(postcodes))
        return original(self, postcodes)

    monkeypatch.setattr(Geocoder, "locate_many", counting)
    fresh.prime(["EH1 1YZ", "eh11yz", "ZZ99 9ZZ", "", "G1 1XQ"])
    assert len(calls) == 1
    assert sorted(calls[0]) == ["EH11YZ", "G11XQ", "ZZ999ZZ"]
    # later single lookups of primed postcodes need no more lookups
    edinburgh = fresh.locate_postcode("EH1 1YZ")
    assert edinburgh is not None
    assert edinburgh.lad_code == "S12000036"
    assert fresh.locate_postcode("ZZ99 9ZZ") is None
    assert fresh.locate_postcode("g1 1xq") is not None
    assert len(calls) == 1
    fresh.prime(["EH1 1YZ"])  # nothing new to look up
    assert len(calls) == 1
    assert fresh.locate_postcode("SA18 3BL") is not None
    assert calls[1:] == [["SA183BL"]]


def test_locate_record_fills_the_location(geocoder: Geocoder) -> None:
    record = OrganisationRecord(name="Haydale Limited")
    locate_record(record, "sa18 3bl", geocoder)
    assert record.postcode == "SA18 3BL"
    assert record.location_precision == "district"
    assert (record.lat, record.lon) == pytest.approx((51.79775, -3.96102))
    assert (record.lad_code, record.region, record.country) == (
        "W06000010",
        "Carmarthenshire",
        "Wales",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("NOT A CODE", "postcode 'NOT A CODE' is not a UK postcode"),
        ("ZZ99 9ZZ", "unknown postcode 'ZZ99 9ZZ'"),
        ("QQ1 1QQ", "unknown postcode 'QQ1 1QQ'"),
    ],
)
def test_locate_record_problems(geocoder: Geocoder, text: str, reason: str) -> None:
    record = OrganisationRecord(name="Acme Ltd")
    with pytest.raises(ValueProblem) as caught:
        locate_record(record, text, geocoder)
    assert str(caught.value) == reason
    assert record.location_precision == "none"
    assert record.postcode is None
