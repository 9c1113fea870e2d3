"""corpus.values: parsing one field's value, with messages naming field and value."""

from __future__ import annotations

from datetime import date

import pytest

from corpus.records import KINDS
from corpus.values import (
    ValueProblem,
    parse_company_number,
    parse_coordinate,
    parse_date,
    parse_flag,
    parse_kind,
    parse_number,
    parse_sic_codes,
    parse_whole,
    parse_year,
    short_text,
    split_list,
)

# --- numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,200", 1200.0),
        ("£3.5", 3.5),
        ("12", 12.0),
        (" 0 ", 0.0),
        ("£1,234,567.89", 1234567.89),
        ("1e3", 1000.0),
        ("", None),
        ("   ", None),
        (",", None),
    ],
)
def test_parse_number_accepts(text: str, value: float | None) -> None:
    assert parse_number(text, "turnover") == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "turnover 'abc' is not a number"),
        ("-1", "turnover '-1' is negative"),
        ("£-3.5", "turnover '£-3.5' is negative"),
        ("nan", "turnover 'nan' is not a number"),
        ("inf", "turnover 'inf' is not a number"),
        ("-inf", "turnover '-inf' is not a number"),
        ("1e999", "turnover '1e999' is not a number"),
        ("12 000", "turnover '12 000' is not a number"),
    ],
)
def test_parse_number_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_number(text, "turnover")
    assert str(caught.value) == message


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_number("x" * 100, "turnover")
    assert str(caught.value) == f"turnover '{'x' * 37}...' is not a number"


def test_value_problem_is_a_value_error() -> None:
    assert issubclass(ValueProblem, ValueError)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,200", 1200), ("12", 12), ("12.0", 12), ("", None), ("0", 0)],
)
def test_parse_whole_accepts(text: str, value: int | None) -> None:
    result = parse_whole(text, "employees")
    assert result == value
    assert result is None or type(result) is int


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5", "employees '1.5' is not a whole number"),
        ("abc", "employees 'abc' is not a whole number"),
        ("-1", "employees '-1' is negative"),
        ("nan", "employees 'nan' is not a number"),
    ],
)
def test_parse_whole_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_whole(text, "employees")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("55.95", 55.95),
        ("-90", -90.0),
        ("90", 90.0),
        ("0", 0.0),
        ("", None),
        (" ", None),
    ],
)
def test_parse_coordinate_accepts(text: str, value: float | None) -> None:
    assert parse_coordinate(text, "lat", 90) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("91", "lat '91' is outside -90..90"),
        ("-90.5", "lat '-90.5' is outside -90..90"),
        ("north", "lat 'north' is not a number"),
        ("nan", "lat 'nan' is outside -90..90"),
    ],
)
def test_parse_coordinate_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_coordinate(text, "lat", 90)
    assert str(caught.value) == message


# --- flags and kinds ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["true", "TRUE", "Yes", "y", "1", " yes "])
def test_parse_flag_true(text: str) -> None:
    assert parse_flag(text, "rdi_active", None) is True


@pytest.mark.parametrize("text", ["false", "False", "NO", "n", "0"])
def test_parse_flag_false(text: str) -> None:
    assert parse_flag(text, "rdi_active", True) is False


@pytest.mark.parametrize("default", [True, False, None])
def test_parse_flag_blank_gives_default(default: bool | None) -> None:
    assert parse_flag("", "rdi_active", default) is default
    assert parse_flag("  ", "rdi_active", default) is default


@pytest.mark.parametrize("text", ["maybe", "2", "ja", "t"])
def test_parse_flag_refuses(text: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_flag(text, "rdi_active", True)
    assert str(caught.value) == f"rdi_active {text!r} is not true/false"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("business", "business"),
        ("Business", "business"),
        ("UNIVERSITY", "university"),
        ("Research Organization", "research organisation"),
        ("research  organisation", "research organisation"),
        (" Public Body ", "public body"),
        ("charity", "charity"),
        ("Other", "other"),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_kind(text: str, kind: str | None) -> None:
    assert parse_kind(text) == kind


def test_parse_kind_unknown_lists_the_kinds() -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_kind("startup")
    message = str(caught.value)
    assert message.startswith("kind 'startup' is not one of: ")
    for kind in KINDS:
        assert kind in message
    assert message.endswith(", ".join(KINDS))


# --- company numbers and SIC codes ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("7228939", "07228939"),
        ("07228939", "07228939"),
        ("1", "00000001"),
        (" 0722 8939 ", "07228939"),
        ("SC123456", "SC123456"),
        ("sc123456", "SC123456"),
        ("NI 012345", "NI012345"),
        ("OC301234", "OC301234"),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_company_number(text: str, number: str | None) -> None:
    assert parse_company_number(text) == number


@pytest.mark.parametrize(
    "text", ["123456789", "ABC12345", "SC1234567", "07-228939", "N/A", "SC", "12AB"]
)
def test_parse_company_number_refuses_junk(text: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_company_number(text)
    assert str(caught.value) == f"company number {text!r} is not a company number"


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("62012", ["62012"]),
        ("62012;72190", ["62012", "72190"]),
        ("62012, 72190 ;62012", ["62012", "72190"]),
        ("7219", ["7219"]),
        ("", []),
        (" ; , ", []),
    ],
)
def test_parse_sic_codes(text: str, codes: list[str]) -> None:
    assert parse_sic_codes(text) == codes


@pytest.mark.parametrize(
    ("text", "bad"),
    [("620", "620"), ("62012 - software", "62012 - software"), ("62012;abc", "abc")],
)
def test_parse_sic_codes_refuses(text: str, bad: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_sic_codes(text)
    assert str(caught.value) == f"SIC code {bad!r} is not a 4 or 5 digit code"


# --- dates and years ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2019-04-01", "2019-04-01"),
        (" 2019-04-01 ", "2019-04-01"),
        ("2019-04-01 00:00:00", "2019-04-01"),
        ("01/04/2019", "2019-04-01"),
        ("01/06/2020", "2020-06-01"),
        ("31/05/22", "2022-05-31"),
        ("01-04-2019", "2019-04-01"),
        ("29/02/2020", "2020-02-29"),
        ("", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text, "Project Start Date") == iso


@pytest.mark.parametrize(
    "text", ["2019/04/01", "31/02/2020", "04/31/2019", "April 2019", "2019", "tomorrow"]
)
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_date(text, "Project Start Date")
    assert str(caught.value) == (
        f"Project Start Date {text!r} is not a date (use YYYY-MM-DD)"
    )


def test_parse_year_bounds() -> None:
    limit = date.today().year + 10
    assert parse_year("1900") == 1900
    assert parse_year("2020") == 2020
    assert parse_year("2,020") == 2020
    assert parse_year(str(limit)) == limit
    assert parse_year("") is None
    for text in ("1899", str(limit + 1), "0"):
        with pytest.raises(ValueProblem) as caught:
            parse_year(text)
        assert str(caught.value) == f"year {text!r} is not a plausible year"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("twenty", "year 'twenty' is not a whole number"),
        ("2020.5", "year '2020.5' is not a whole number"),
        ("-2020", "year '-2020' is negative"),
    ],
)
def test_parse_year_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_year(text)
    assert str(caught.value) == message


def test_parse_year_names_the_field() -> None:
    with pytest.raises(ValueProblem, match=r"^Competition Year '1066'"):
        parse_year("1066", "Competition Year")


# --- lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "separators", "parts"),
    [
        ("a;b;a", ";", ["a", "b"]),
        (" Life  Sciences ; Physics;;", ";", ["Life Sciences", "Physics"]),
        ("a,b;c", ";", ["a,b", "c"]),
        ("a,b;c", ";,", ["a", "b", "c"]),
        ("Physics;physics", ";", ["Physics", "physics"]),
        ("", ";", []),
        (" ; ", ";", []),
        ("a]b", "]", ["a", "b"]),
    ],
)
def test_split_list(text: str, separators: str, parts: list[str]) -> None:
    assert split_list(text, separators) == parts


def test_short_text_refuses_a_paragraph_where_a_name_goes() -> None:
    assert short_text("Acme Ltd", "name", 300) == "Acme Ltd"
    with pytest.raises(ValueProblem) as caught:
        short_text("\x1b" * 5000, "name", 300)
    escaped = "\\x1b" * 37  # control characters are shown escaped
    assert str(caught.value) == (
        f"name '{escaped}...' is 5,000 characters long; at most 300 expected"
    )
