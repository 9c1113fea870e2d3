"""corpus.tables: whole files refused with a reason, header matching, rows and lines."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from corpus.tables import (
    MAX_COLUMNS,
    FileRefused,
    Row,
    Table,
    header_key,
    read_table,
)
from tests.conftest import MAX_BYTES

COLUMNS = {
    "name": ["name", "Organisation Name"],
    "postcode": ["postcode", "RegAddress.PostCode"],
    "number": ["CompanyNumber"],
    "grant": ["Grant Offered (£)"],
}


def read(
    path: Path, required: tuple[str, ...] = ("name",), max_bytes: int = MAX_BYTES
) -> Table:
    return read_table(path, COLUMNS, required=list(required), max_bytes=max_bytes)


def write_csv(folder: Path, text: str, name: str = "members.csv") -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def refusal(
    path: Path, required: tuple[str, ...] = ("name",), max_bytes: int = MAX_BYTES
) -> str:
    with pytest.raises(FileRefused) as caught:
        read(path, required, max_bytes)
    return str(caught.value)


def save_workbook(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --- whole files refused --------------------------------------------------------


def test_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "absent.csv"
    message = refusal(path)
    assert "no such file" in message
    assert str(path) in message


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "not a file" in refusal(folder)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    assert "the file is empty" in refusal(write_csv(tmp_path, ""))


def test_file_over_max_bytes_is_refused_with_sizes(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "name\n" + "Acme Ltd\n" * 300_000)  # 2.7 MB
    message = refusal(path, max_bytes=1_000_000)
    assert "over the import limit of 1.0 MB" in message
    assert "2.7 MB" in message
    assert "imports.max_file_mb" in message


def test_file_of_exactly_max_bytes_is_accepted(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "name\nAcme Ltd\n")
    table = read(path, max_bytes=path.stat().st_size)
    assert [r.get("name") for r in table.rows] == ["Acme Ltd"]
    assert "over the import limit" in refusal(path, max_bytes=path.stat().st_size - 1)


def test_nul_bytes_are_refused_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes(b"name\nAcme\x00 Ltd\n")
    assert "binary content (NUL bytes)" in refusal(path)


def test_utf16_text_is_refused_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes("name\nAcme Ltd\n".encode("utf-16"))
    assert "NUL bytes" in refusal(path)


def test_xlsx_saved_with_csv_extension_is_refused(tmp_path: Path) -> None:
    path = save_workbook(tmp_path / "members.csv", [["name"], ["Acme Ltd"]])
    message = refusal(path)
    assert "zip or spreadsheet file, not CSV" in message
    assert "save it as CSV (UTF-8)" in message


def test_plain_zip_with_csv_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("members.csv", "name\nAcme Ltd\n")
    assert "zip or spreadsheet" in refusal(path)


def test_cp1252_bytes_are_refused_naming_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes(
        "name,postcode\nAcme Ltd,EH1 1YZ\nCafé Ltd,G1 1XQ\n".encode("cp1252")
    )
    message = refusal(path)
    assert "not UTF-8 text" in message
    assert "byte 0xe9 on line 3" in message
    assert "CSV UTF-8" in message


def test_non_utf8_on_the_header_line_names_line_1(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes(b"na\xefme\nAcme\n")
    assert "on line 1" in refusal(path)


def test_non_utf8_after_a_bom_names_the_right_byte_and_line(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes(b"\xef\xbb\xbfname\nAcme Ltd\n\xe9tude Ltd\n")
    message = refusal(path)
    assert "byte 0xe9 on line 3" in message


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "name,website\nAcme Ltd,acme.example\n")
    message = refusal(path, required=("name", "postcode"))
    assert "missing required column(s) postcode" in message
    assert "header line 1 has: name, website" in message


def test_missing_column_reports_the_header_line_after_blank_lines(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path, "\n\nwebsite\nacme.example\n")
    message = refusal(path)
    assert "missing required column(s) name" in message
    assert "header line 3" in message


def test_only_blank_lines_means_no_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "\n\n ,  \n")
    assert "no header row" in refusal(path)


def test_a_header_of_100000_columns_is_refused(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(100_000))
    path = write_csv(tmp_path, header + "\nAcme\n")
    message = refusal(path)
    assert "100000 columns" in message
    assert f"at most {MAX_COLUMNS}" in message


def test_exactly_max_columns_is_accepted(tmp_path: Path) -> None:
    header = ",".join(["name"] + [f"extra{i}" for i in range(MAX_COLUMNS - 1)])
    path = write_csv(tmp_path, header + "\nAcme Ltd\n")
    table = read(path)
    assert table.columns == ["name"]
    assert len(table.ignored_columns) == MAX_COLUMNS - 1
    wider = write_csv(tmp_path, header + ",one more\nAcme\n", "wide.csv")
    assert f"{MAX_COLUMNS + 1} columns" in refusal(wider)


def test_a_field_over_the_1_mib_limit_is_malformed_csv(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "name,postcode\nAcme,EH1\n" + "x" * (2**20 + 1) + ",G1\n"
    )
    message = refusal(path)
    assert "malformed CSV near line 3" in message
    assert "field larger than field limit" in message


def test_a_field_of_exactly_1_mib_is_accepted(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "name\n" + "x" * 2**20 + "\n")
    [row] = read(path).rows
    assert len(row.get("name")) == 2**20


def test_an_unclosed_quote_is_refused_not_swallowing_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, 'name,postcode\n"Acme Ltd,EH1 1YZ\nBeta Ltd,G1 1XQ\nGamma,AB10\n'
    )
    with pytest.raises(FileRefused, match="malformed CSV"):
        read(path)


# --- encodings and headers ------------------------------------------------------


def test_utf8_with_bom_is_accepted_and_header_matches(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes("\ufeffname,postcode\nCafé Ltd,EH1 1YZ\n".encode())
    table = read(path)
    assert table.columns == ["name", "postcode"]
    assert table.rows[0].values == {"name": "Café Ltd", "postcode": "EH1 1YZ"}


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("RegAddress.PostCode", "regaddresspostcode"),
        (" CompanyNumber", "companynumber"),
        ("Grant Offered (£)", "grantoffered£"),
        ("ORGANISATION-NAME", "organisationname"),
        ("lad_code", "ladcode"),
        (None, ""),
    ],
)
def test_header_key_ignores_case_spacing_and_punctuation(
    spelling: object, key: str
) -> None:
    assert header_key(spelling) == key


def test_header_matching_ignores_case_spaces_and_punctuation(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        " CompanyNumber,ORGANISATION-NAME,reg address post code,grant offered £\n"
        '07228939,Haydale Limited,SA18 3BL,"150,000"\n',
    )
    table = read(path, required=("name", "number", "postcode", "grant"))
    assert table.columns == ["number", "name", "postcode", "grant"]
    assert table.rows[0].values == {
        "number": "07228939",
        "name": "Haydale Limited",
        "postcode": "SA18 3BL",
        "grant": "150,000",
    }
    assert table.ignored_columns == []


def test_unknown_and_repeated_columns_are_ignored_first_wins(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "name,Website,,Name\nFirst,w,x,Second\n")
    table = read(path)
    assert table.columns == ["name"]
    assert table.ignored_columns == ["Website", "Name"]
    assert table.rows[0].get("name") == "First"


# --- rows and line numbers -------------------------------------------------------


def test_rows_with_extra_non_empty_fields_are_bad_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "name,postcode\nAcme,EH1\nBeta,G1,surplus\nGamma,AB10,,\nDelta\n",
    )
    table = read(path)
    assert table.bad_rows == [(3, "3 fields but the header has 2 columns")]
    assert [(r.line, r.get("name"), r.get("postcode")) for r in table.rows] == [
        (2, "Acme", "EH1"),
        (4, "Gamma", "AB10"),  # trailing empty fields are harmless
        (5, "Delta", ""),  # short rows are padded
    ]


def test_line_numbers_are_physical_with_blank_lines_and_multiline_fields(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path,
        "name,postcode\n"  # 1
        "\n"  # 2 blank
        "Acme,EH1\n"  # 3
        " , \n"  # 4 only spaces: skipped
        '"Beta\n'  # 5 a quoted field over two lines
        'Two",G1\n'  # 6
        "Gamma,AB10\n"  # 7
        "Delta,x,y\n",  # 8 bad
    )
    table = read(path)
    assert [(r.line, r.get("name")) for r in table.rows] == [
        (3, "Acme"),
        (5, "Beta\nTwo"),
        (7, "Gamma"),
    ]
    assert [line for line, _ in table.bad_rows] == [8]


def test_crlf_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "name,postcode\r\n\r\nAcme,EH1\r\nBeta,G1\r\n")
    table = read(path)
    assert [(r.line, r.get("postcode")) for r in table.rows] == [(3, "EH1"), (4, "G1")]


def test_row_get_strips_and_defaults_to_empty() -> None:
    row = Row(7, {"name": "  Acme Ltd \t"})
    assert row.get("name") == "Acme Ltd"
    assert row.get("postcode") == ""
    assert row.values["name"] == "  Acme Ltd \t"


def test_real_gtr_file_reads_all_rows(data_dir: Path) -> None:
    table = read_table(
        data_dir / "gtr_organisations.csv",
        {"name": ["name"], "lad_code": ["lad_code"], "sectors": ["sectors"]},
        required=["name"],
        max_bytes=MAX_BYTES,
    )
    assert len(table.rows) == 54
    assert table.bad_rows == []
    assert table.ignored_columns == ["region", "country", "lat", "lon"]
    assert table.rows[0].line == 2
    assert table.rows[-1].line == 55
    bristol = next(r for r in table.rows if r.get("name") == "University of Bristol")
    assert bristol.get("lad_code") == "E06000023"


# --- XLSX ------------------------------------------------------------------------


def test_xlsx_workbook_is_read_with_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = save_workbook(
        tmp_path / "members.xlsx",
        [
            ["Name", "Postcode", "CompanyNumber", "Notes"],
            ["Haydale Limited", "SA18 3BL", 7228939, "x"],
            [None, None, None, None],
            ["Acme Ltd", None, None, None],
            ["Beta Ltd", "G1 1XQ", None, None, "surplus"],
        ],
    )
    table = read(path)
    assert table.columns == ["name", "postcode", "number"]
    assert table.ignored_columns == ["Notes"]
    assert [(r.line, dict(r.values)) for r in table.rows] == [
        (2, {"name": "Haydale Limited", "postcode": "SA18 3BL", "number": "7228939"}),
        (4, {"name": "Acme Ltd", "postcode": "", "number": ""}),
        # read-only sheets pad every row (the header too) to the sheet's width, so
        # a value under no header is dropped rather than making a bad row
        (5, {"name": "Beta Ltd", "postcode": "G1 1XQ", "number": ""}),
    ]
    assert table.bad_rows == []


def test_xlsx_header_below_blank_rows_keeps_row_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B3"] = "name"
    sheet["B4"] = "Acme Ltd"
    sheet["B7"] = "Beta Ltd"
    path = tmp_path / "Members.XLSX"
    book.save(path)
    table = read(path)
    assert [(r.line, r.get("name")) for r in table.rows] == [
        (4, "Acme Ltd"),
        (7, "Beta Ltd"),
    ]


def test_xlsx_missing_required_column_is_refused(tmp_path: Path) -> None:
    path = save_workbook(tmp_path / "m.xlsx", [["website"], ["acme.example"]])
    assert "missing required column(s) name" in refusal(path)


def test_corrupt_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    path.write_bytes(bytes(range(256)) * 40)
    assert "not a valid XLSX workbook" in refusal(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "not a workbook")
    assert "not a readable XLSX workbook" in refusal(path)


def test_xlsx_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", bytes(61_000_000))
    assert path.stat().st_size < 1_000_000
    message = refusal(path)
    assert "zip bomb" in message
    assert "61 MB" in message


# --- found by fuzzing (tests/fuzz) -------------------------------------------------


def test_control_characters_in_headers_are_shown_escaped(tmp_path: Path) -> None:
    """A terminal escape in a header reached the refusal message (and the CLI) raw."""
    path = tmp_path / "members.csv"
    path.write_bytes(b"\x1b[2J,\x07\nAcme\n")
    assert "(header line 1 has: \\x1b[2J, \\x07)" in refusal(path)
    path.write_bytes(b"name,\x1b[2Jx\nAcme,1\n")
    assert read(path).ignored_columns == ["\\x1b[2Jx"]


def test_a_path_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    """OSError (here: a file name too long for the file system) is a refusal."""
    path = tmp_path / ("x" * 300 + ".csv")
    assert refusal(path) == f"{path}: cannot be read (File name too long)"


def test_utf16_without_bom_is_named_as_utf16(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_bytes("name,postcode\nAcme Ltd,EH1 1YZ\n".encode("utf-16-le"))
    message = refusal(path)
    assert "UTF-16/32 text" in message
    assert "save it as 'CSV UTF-8'" in message


def workbook_bytes(tmp_path: Path) -> bytes:
    return save_workbook(tmp_path / "book.xlsx", [["name"], ["Acme Ltd"]]).read_bytes()


def test_xlsx_needing_a_newer_zip_version_is_refused(tmp_path: Path) -> None:
    """zipfile raised NotImplementedError ('zip file version 6.4') out of the reader."""
    data = bytearray(workbook_bytes(tmp_path))
    at = data.find(b"PK\x01\x02")  # first central directory entry
    data[at + 6 : at + 8] = (64).to_bytes(2, "little")  # version needed to extract
    path = tmp_path / "members.xlsx"
    path.write_bytes(bytes(data))
    assert refusal(path) == f"{path}: not a valid XLSX workbook"


def test_xlsx_without_worksheets_is_refused(tmp_path: Path) -> None:
    """book.worksheets[0] raised IndexError for a workbook listing no sheets."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(tmp_path)))
    path = tmp_path / "members.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                start, end = part.index(b"<sheets>"), part.index(b"</sheets>")
                part = part[:start] + b"<sheets/>" + part[end + len(b"</sheets>") :]
            archive.writestr(info, part)
    assert refusal(path) == f"{path}: the workbook has no worksheet"


def test_long_library_errors_are_cut_short(tmp_path: Path) -> None:
    """A zip error quoting 1,600 characters of the file's bytes reached the message."""
    data = bytearray(workbook_bytes(tmp_path))
    at = data.find(b"xl/workbook.xml") - 30  # its local header, with the name after
    data[at + 26 : at + 28] = (2000).to_bytes(2, "little")  # a 2,000-byte name
    path = tmp_path / "members.xlsx"
    path.write_bytes(bytes(data))
    message = refusal(path)
    assert message.startswith(f"{path}: not a readable XLSX workbook (")
    assert len(message) < len(str(path)) + 250
