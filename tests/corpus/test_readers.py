"""corpus.readers: documents of each format into headed sections; bad files refused."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corpus
from corpus.readers import READABLE_SUFFIXES, ReadDocument, Section, read_document
from corpus.tables import FileRefused
from tests.conftest import MAX_BYTES

DEMO = Path(corpus.__file__).parent / "demo" / "documents"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- fixtures built in the test ---------------------------------------------------


def pdf_bytes(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal real PDF: one Helvetica text line per string, one list per page."""
    count = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    font = 3 + 2 * count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
    ]
    for index, lines in enumerate(pages):
        shown = " 0 -20 Td ".join(f"({escape_pdf(line)}) Tj" for line in lines)
        stream = f"BT /F1 12 Tf 72 720 Td {shown} ET".encode() if lines else b""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
            f"{4 + 2 * index} 0 R /Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if title is not None:
        objects.append(f"<< /Title ({escape_pdf(title)}) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def escape_pdf(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


TWO_PAGES = [
    ["Introduction", "Clusters are groups of firms in one place."],
    ["They share suppliers and skills.", "They also share ideas."],
]


def docx_paragraph(text: str, style: str | None = None) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}<w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p>"


def docx_bytes(body: str, title: str | None = None) -> bytes:
    """A minimal DOCX: content types, the document part and (with a title) core.xml."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", document)
        if title is not None:
            archive.writestr(
                "docProps/core.xml",
                '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.'
                'openxmlformats.org/package/2006/metadata/core-properties" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}'
                "</dc:title></cp:coreProperties>",
            )
    return buffer.getvalue()


DOCX_BODY = (
    docx_paragraph("Cluster Report", "Title")
    + docx_paragraph("Opening words before any heading.")
    + docx_paragraph("Background", "Heading1")
    + docx_paragraph("Clusters grow where firms meet.")
    + "<w:tbl><w:tr><w:tc>"
    + docx_paragraph("Cell one")
    + "</w:tc><w:tc>"
    + docx_paragraph("Cell two")
    + "</w:tc></w:tr></w:tbl>"
    + docx_paragraph("Method", "heading 2")
    + "<w:p><w:r><w:t>Left</w:t><w:tab/><w:t>right</w:t><w:br/>"
    + "<w:t>next line</w:t></w:r></w:p>"
)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def refusal(path: Path, max_bytes: int = MAX_BYTES) -> str:
    with pytest.raises(FileRefused) as caught:
        read_document(path, max_bytes)
    message = str(caught.value)
    assert message.startswith(path.name + ":")
    return message


def by_heading(document: ReadDocument) -> dict[str | None, Section]:
    return {section.heading: section for section in document.sections}


# --- plain text -------------------------------------------------------------------


def test_txt_headings_split_sections_and_paragraphs_are_joined(tmp_path: Path) -> None:
    text = (
        "Opening line of the note\nwrapped onto a second line.\n\n"
        "What is a cluster?\n\nA group of firms.\n\nSecond paragraph.\n\n"
        "Next steps\n\n- one\n- two\n"
    )
    document = read_document(write(tmp_path, "note.txt", text), MAX_BYTES)
    assert document.title is None
    assert document.sections == [
        Section(None, None, "Opening line of the note wrapped onto a second line."),
        Section("What is a cluster?", None, "A group of firms.\n\nSecond paragraph."),
        Section("Next steps", None, "- one\n- two"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Caf\u00e9 society\r\n".encode("utf-8-sig"), "Café society"),
        ("Caf\u00e9 society\r".encode("utf-16"), "Café society"),
        ("Caf\u00e9 \u2013 society\n".encode("cp1252"), "Café – society"),
    ],
)
def test_txt_encodings_and_line_endings(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    document = read_document(write(tmp_path, "enc.txt", data), MAX_BYTES)
    assert [s.text for s in document.sections] == [expected]


def test_demo_about_file_finds_its_headings() -> None:
    document = read_document(DEMO / "innovation-clusters-map-about.txt", MAX_BYTES)
    sections = by_heading(document)
    assert "Defining and mapping clusters" in sections
    assert "Diverse" in sections["Typologies of clusters"].text
    assert "Acknowledgments" in sections  # a heading directly on its paragraph
    assert all(s.page is None for s in document.sections)


def test_demo_np11_contents_lines_stay_body_text() -> None:
    path = DEMO / "np11-innovation-clusters-north-of-england.txt"
    sections = by_heading(read_document(path, MAX_BYTES))
    assert "Introduction 3\nWhat is a regional" in sections["Contents"].text
    assert not any(h and h.endswith(("3", "22")) for h in sections)
    assert "Liverpool City Region: Infection Prevention and Control" in sections
    assert "What is a regional innovation cluster and why are they important?" in (
        sections
    )
    assert "levelling up" in sections["Recommendations"].text


def test_every_demo_document_reads_without_losing_text() -> None:
    for path in sorted(DEMO.glob("*.txt")):
        document = read_document(path, MAX_BYTES)
        words = sum(len(s.text.split()) for s in document.sections)
        words += sum(len((s.heading or "").split()) for s in document.sections)
        assert words == len(path.read_text(encoding="utf-8").split()), path.name


# --- Markdown and HTML ------------------------------------------------------------


def test_markdown_atx_and_setext_headings(tmp_path: Path) -> None:
    text = (
        "---\ntitle: ignored front matter\n---\n"
        "# Cluster Guide #\n\nIntro with *emphasis*.\n\n"
        "Setext part\n-----------\n\nUnder setext.\n\n"
        "```\n# not a heading\n```\n\n###### Deep\n\nDeep text.\n\n#hashtag stays\n"
    )
    document = read_document(write(tmp_path, "guide.md", text), MAX_BYTES)
    assert document.title == "Cluster Guide"
    assert [(s.heading, s.text) for s in document.sections] == [
        ("Cluster Guide", "Intro with *emphasis*."),
        ("Setext part", "Under setext.\n\n``` # not a heading ```"),
        ("Deep", "Deep text.\n\n#hashtag stays"),
    ]


def test_html_sections_skip_chrome_and_decode_entities(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Clusters &amp; Growth</title><style>p{}</style>"
        "<script>var x = '<p>hidden</p>';</script></head><body>"
        "<nav><a href='/'>Home</a></nav><p>Lead &ndash; text</p>"
        "<h2>Why <em>clusters</em></h2><p>First<br>second</p>"
        "<ul><li>one</li><li>two</li></ul><table><tr><td>cell</td></tr></table>"
        "<footer>Copyright</footer></body></html>"
    )
    document = read_document(write(tmp_path, "page.html", page), MAX_BYTES)
    assert document.title == "Clusters & Growth"
    assert document.sections == [
        Section(None, None, "Lead – text"),
        Section("Why clusters", None, "First\n\nsecond\n\none\n\ntwo\n\ncell"),
    ]


def test_html_title_falls_back_to_first_h1_and_meta_charset(tmp_path: Path) -> None:
    page = '<meta charset="windows-1252"><h1>Caf\xe9</h1><p>Text</p>'.encode("latin-1")
    document = read_document(write(tmp_path, "page.htm", page), MAX_BYTES)
    assert document.title == "Café"
    assert document.sections == [Section("Café", None, "Text")]


# --- PDF --------------------------------------------------------------------------


def test_pdf_pages_and_headings_carry_over(tmp_path: Path) -> None:
    path = write(tmp_path, "report.pdf", pdf_bytes(TWO_PAGES, title="Cluster Report"))
    document = read_document(path, MAX_BYTES)
    assert document.title == "Cluster Report"
    assert [(s.heading, s.page) for s in document.sections] == [
        ("Introduction", 1),
        ("Introduction", 2),
    ]
    assert "groups of firms" in document.sections[0].text
    assert "share ideas" in document.sections[1].text


def test_pdf_heading_mid_page_starts_a_section_on_that_page(tmp_path: Path) -> None:
    pages = [
        TWO_PAGES[0],
        [
            "They share suppliers and skills.",
            "Findings",
            "Firms near each other patent more.",
        ],
    ]
    document = read_document(write(tmp_path, "mid.pdf", pdf_bytes(pages)), MAX_BYTES)
    assert document.title is None
    assert [(s.heading, s.page, s.text) for s in document.sections] == [
        ("Introduction", 1, "Clusters are groups of firms in one place."),
        ("Introduction", 2, "They share suppliers and skills."),
        ("Findings", 2, "Firms near each other patent more."),
    ]


def test_pdf_with_an_empty_password_is_read(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(TWO_PAGES))))
    writer.encrypt("", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    document = read_document(write(tmp_path, "open.pdf", buffer.getvalue()), MAX_BYTES)
    assert document.sections[0].heading == "Introduction"


def test_pdf_reading_keeps_pypdf_quiet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = pdf_bytes(TWO_PAGES).replace(b"startxref\n", b"startxref\n1")  # bad offset
    with caplog.at_level(logging.WARNING):
        read_document(write(tmp_path, "sloppy.pdf", data), MAX_BYTES)
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


# --- DOCX -------------------------------------------------------------------------


def test_docx_headings_tables_tabs_and_breaks(tmp_path: Path) -> None:
    path = write(tmp_path, "report.docx", docx_bytes(DOCX_BODY))
    document = read_document(path, MAX_BYTES)
    assert document.title == "Cluster Report"  # the first Title paragraph
    assert [(s.heading, s.text) for s in document.sections] == [
        ("Cluster Report", "Opening words before any heading."),
        ("Background", "Clusters grow where firms meet.\n\nCell one\n\nCell two"),
        ("Method", "Left\tright\nnext line"),
    ]
    assert all(s.page is None for s in document.sections)


def test_docx_title_comes_from_core_properties(tmp_path: Path) -> None:
    path = write(tmp_path, "titled.docx", docx_bytes(DOCX_BODY, title="From Core"))
    assert read_document(path, MAX_BYTES).title == "From Core"


# --- refusals ---------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in refusal(tmp_path / "absent.txt")


def test_unsupported_suffix(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, "tool.exe", b"MZ\x90\x00"))
    assert ".exe files cannot be read" in message
    assert ".docx" in message


@pytest.mark.parametrize("suffix", READABLE_SUFFIXES)
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    assert "empty" in refusal(write(tmp_path, f"blank{suffix}", b""))


def test_whitespace_only_file_has_no_text(tmp_path: Path) -> None:
    assert "no text" in refusal(write(tmp_path, "blank.md", "\n  \n\t\n"))


def test_over_size_file(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, "big.txt", "word " * 1000), max_bytes=1000)
    assert "over the size limit" in message


def test_nul_bytes_in_text(tmp_path: Path) -> None:
    assert "binary" in refusal(write(tmp_path, "nul.txt", b"text\x00more"))


def test_control_characters_are_binary(tmp_path: Path) -> None:
    assert "binary" in refusal(write(tmp_path, "ctl.html", bytes(range(1, 32)) * 4))


def test_undecodable_text(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252 and invalid as UTF-8
    assert "save it as UTF-8" in refusal(write(tmp_path, "odd.txt", b"caf\x81 bar"))


def test_random_bytes_named_pdf(tmp_path: Path) -> None:
    assert "not a PDF" in refusal(write(tmp_path, "fake.pdf", b"\x89PNG\r\n\x1a\n" * 9))


def test_truncated_pdf(tmp_path: Path) -> None:
    data = pdf_bytes(TWO_PAGES)
    message = refusal(write(tmp_path, "cut.pdf", data[: len(data) // 3]))
    assert "not a readable PDF" in message


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    message = refusal(write(tmp_path, "scan.pdf", pdf_bytes([[], []])))
    assert "no text layer (scanned?)" in message


def test_pdf_needing_a_password(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(TWO_PAGES))))
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    message = refusal(write(tmp_path, "locked.pdf", buffer.getvalue()))
    assert "needs a password" in message


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    assert "not a valid DOCX" in refusal(write(tmp_path, "plain.docx", "just text"))


def test_docx_without_document_part(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("other.xml", "<x/>")
    message = refusal(write(tmp_path, "hollow.docx", buffer.getvalue()))
    assert "no word/document.xml" in message


def test_docx_with_broken_xml(tmp_path: Path) -> None:
    data = docx_bytes("<w:p><w:r><w:t>unclosed")
    assert "not a valid DOCX" in refusal(write(tmp_path, "broken.docx", data))


def test_docx_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(50):  # 50 MB of zeros, about 50 KB compressed
            member.write(chunk)
    assert path.stat().st_size < 200_000
    assert "zip bomb" in refusal(path)


def test_docx_with_only_empty_paragraphs(tmp_path: Path) -> None:
    data = docx_bytes(docx_paragraph("") + docx_paragraph("Heading", "Heading1"))
    assert "no text" in refusal(write(tmp_path, "hollow.docx", data))


# --- property: any bytes are read or refused, never anything else -----------------


def read_or_refuse(path: Path) -> None:
    try:
        document = read_document(path, MAX_BYTES)
    except FileRefused as refused:
        assert str(refused).startswith(path.name)
        return
    assert document.sections
    assert all(s.text.strip() for s in document.sections)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=2000))
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".pdf", ".docx"])
def test_arbitrary_bytes_are_read_or_refused(
    tmp_path_factory: pytest.TempPathFactory, suffix: str, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"any{suffix}"
    path.write_bytes(data)
    read_or_refuse(path)


@settings(max_examples=60, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=8)),
        min_size=1,
        max_size=4,
    ),
)
@pytest.mark.parametrize(
    ("suffix", "original"),
    [(".pdf", pdf_bytes(TWO_PAGES, title="T")), (".docx", docx_bytes(DOCX_BODY))],
)
def test_damaged_documents_are_read_or_refused(
    tmp_path_factory: pytest.TempPathFactory,
    suffix: str,
    original: bytes,
    edits: list[tuple[int, bytes]],
) -> None:
    data = bytearray(original)
    for position, replacement in edits:
        start = position % len(data)
        data[start : start + len(replacement)] = replacement
    path = tmp_path_factory.mktemp("damaged") / f"doc{suffix}"
    path.write_bytes(bytes(data))
    read_or_refuse(path)


# --- found by fuzzing (tests/fuzz) -------------------------------------------------


@pytest.mark.parametrize(
    "charset", ["base64", "rot13", "zlib", "idna", "punycode", "undefined", "utf-16"]
)
def test_html_meta_charset_that_is_no_text_encoding_reads_as_utf8(
    tmp_path: Path, charset: str
) -> None:
    """<meta charset="base64"> raised LookupError out of the reader."""
    page = f'<html><head><meta charset="{charset}"></head><body><p>Café Ω</p></body>'
    document = read_document(write(tmp_path, "page.html", page), MAX_BYTES)
    assert [s.text for s in document.sections] == ["Café Ω"]


def test_a_path_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    """OSError (here: a file name too long for the file system) is a refusal."""
    path = tmp_path / ("x" * 300 + ".txt")
    assert refusal(path) == f"{path.name}: cannot be read (File name too long)"
