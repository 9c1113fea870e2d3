"""Reading tabular files (CSV, XLSX) safely: refuse unusable files whole, keep line numbers.

A file is refused (``FileRefused``) when it cannot be used at all: missing, empty,
too large, binary, not UTF-8, malformed CSV, a suspicious XLSX, or lacking a
required column. Rows that are merely bad are left to the importers, which skip
and report them with the line number kept here.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The csv module's default (128 KiB) is generous for one field of a directory row.
csv.field_size_limit(1 << 20)
MAX_COLUMNS = 1000
XLSX_MAX_EXPANSION = 100  # uncompressed / compressed size beyond this is a zip bomb
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,  # a compression method or zip version zipfile lacks
    EOFError,
    OSError,
    ValueError,
)


class FileRefused(Exception):
    """The whole file is unusable; the message says why, for a person to fix it."""


@dataclass(frozen=True)
class Row:
    """A data row: its line in the file and its values keyed by canonical column."""

    line: int
    values: Mapping[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass
class Table:
    columns: list[str]  # canonical names of the columns the file has
    rows: list[Row]
    ignored_columns: list[str]
    bad_rows: list[tuple[int, str]]


def header_key(name: object) -> str:
    """Header spelling that ignores case, spacing and punctuation: 'RegAddress.PostCode' ->
    'regaddresspostcode'."""
    return re.sub(r"[^a-z0-9£]", "", str(name or "").lower())


def printable(name: object) -> str:
    """Text fit for a message (a header name): trimmed, control characters escaped."""
    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c
        for c in str(name).strip()
    )


def _check_file(path: Path, max_bytes: int) -> bytes:
    try:
        if not path.exists():
            raise FileRefused(f"{path}: no such file")
        if not path.is_file():
            raise FileRefused(f"{path}: not a file")
        size = path.stat().st_size
        if size == 0:
            raise FileRefused(f"{path}: the file is empty")
        if size > max_bytes:
            raise FileRefused(
                f"{path}: {size / 1e6:.1f} MB is over the import limit of "
                f"{max_bytes / 1e6:.1f} MB (setting imports.max_file_mb)"
            )
        return path.read_bytes()
    except OSError as exc:  # unreadable, a name too long, a vanished file
        raise FileRefused(f"{path}: cannot be read ({exc.strerror})") from None


def _alternate_nuls(sample: bytes) -> bool:
    """Mostly NUL every other byte: UTF-16 text without a byte order mark."""
    half = len(sample) // 2
    return half > 0 and max(sample[0::2].count(0), sample[1::2].count(0)) > 0.8 * half


def _decode(path: Path, data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise FileRefused(
            f"{path}: this is a zip or spreadsheet file, not CSV; save it as CSV (UTF-8)"
        )
    if b"\x00" in data:
        if data.startswith(_UTF16_BOMS) or _alternate_nuls(data[:1000]):
            raise FileRefused(
                f"{path}: UTF-16/32 text (NUL bytes between the letters), not UTF-8; "
                "save it as 'CSV UTF-8' and import again"
            )
        raise FileRefused(
            f"{path}: binary content (NUL bytes); expected a CSV text file"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data[:start].count(b"\n") + 1
        raise FileRefused(
            f"{path}: not UTF-8 text (byte 0x{data[start]:02x} on line {line}); "
            "save it as 'CSV UTF-8' and import again"
        ) from None


def _csv_records(path: Path, text: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FileRefused(f"{path}: malformed CSV near line {start}: {exc}") from None
    return records


def _xlsx_records(path: Path, data: bytes) -> list[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except _ZIP_ERRORS:
        raise FileRefused(f"{path}: not a valid XLSX workbook") from None
    if expanded > XLSX_MAX_EXPANSION * max(len(data), 1) and expanded > 50_000_000:
        raise FileRefused(
            f"{path}: the workbook expands to {expanded / 1e6:.0f} MB; refusing a "
            "likely zip bomb"
        )
    import openpyxl  # only needed for spreadsheets

    # openpyxl raises many types for broken workbooks, and reads sheets lazily
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise FileRefused(
            f"{path}: not a readable XLSX workbook ({_reason(exc)})"
        ) from None
    try:
        if not book.worksheets:
            raise FileRefused(f"{path}: the workbook has no worksheet")
        return _sheet_records(book.worksheets[0])
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused(
            f"{path}: not a readable XLSX workbook ({_reason(exc)})"
        ) from None
    finally:
        book.close()


def _sheet_records(sheet: Any) -> list[tuple[int, list[str]]]:
    records = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        fields = ["" if v is None else str(v) for v in values]
        if any(f.strip() for f in fields):
            records.append((number, fields))
    return records


def _reason(exc: BaseException) -> str:
    """A library's error, cut short and escaped, for the end of a refusal."""
    text = printable(str(exc) or type(exc).__name__)
    return text if len(text) <= 200 else text[:197] + "..."


def read_table(
    path: Path,
    columns: Mapping[str, Sequence[str]],
    required: Sequence[str],
    max_bytes: int,
) -> Table:
    """Read a CSV or XLSX file into rows keyed by canonical column names.

    ``columns`` maps each canonical name to the header spellings accepted for it;
    ``required`` names the canonical columns the file must have.
    """
    data = _check_file(path, max_bytes)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        records = _xlsx_records(path, data)
    else:
        records = _csv_records(path, _decode(path, data))
    if not records:
        raise FileRefused(f"{path}: no header row")
    header_line, header = records[0]
    if len(header) > MAX_COLUMNS:
        raise FileRefused(f"{path}: {len(header)} columns; at most {MAX_COLUMNS}")
    spelling = {header_key(s): canon for canon, ss in columns.items() for s in ss}
    positions: dict[str, int] = {}
    ignored = []
    for index, name in enumerate(header):
        canon = spelling.get(header_key(name))
        if canon is None or canon in positions:
            if str(name).strip():
                ignored.append(printable(name))
            continue
        positions[canon] = index
    missing = [c for c in required if c not in positions]
    if missing:
        found = ", ".join(printable(h) for h in header if h.strip()) or "nothing"
        raise FileRefused(
            f"{path}: missing required column(s) {', '.join(missing)} "
            f"(header line {header_line} has: {found[:300]})"
        )
    rows: list[Row] = []
    bad: list[tuple[int, str]] = []
    for line, fields in records[1:]:
        if len(fields) > len(header) and any(f.strip() for f in fields[len(header) :]):
            bad.append(
                (line, f"{len(fields)} fields but the header has {len(header)} columns")
            )
            continue
        rows.append(
            Row(
                line,
                {c: fields[i] if i < len(fields) else "" for c, i in positions.items()},
            )
        )
    return Table(list(positions), rows, ignored, bad)
