"""corpus.documents: manifest metadata and document identity for the demo documents."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import corpus
from corpus.documents import (
    MANIFEST_NAME,
    DocumentRecord,
    describe_document,
    read_manifest,
)
from corpus.tables import FileRefused

DEMO = Path(corpus.__file__).parent / "demo" / "documents"


@pytest.fixture(scope="module")
def described() -> dict[str, DocumentRecord]:
    manifest = read_manifest(DEMO)
    return {p.name: describe_document(p, manifest) for p in sorted(DEMO.glob("*.txt"))}


def test_demo_manifest_lists_the_five_documents() -> None:
    manifest = read_manifest(DEMO)
    files = sorted(p.name for p in DEMO.glob("*.txt"))
    assert len(files) == 5
    assert sorted(manifest) == files
    for name, entry in manifest.items():
        assert entry["file"] == name


def test_demo_titles_publishers_and_years(described: dict[str, DocumentRecord]) -> None:
    summary = {
        name: (d.id, d.title, d.publisher, d.date, d.year, d.kind)
        for name, d in described.items()
    }
    assert summary == {
        "centre-for-cities-innovation-through-clusters.txt": (
            "centre-for-cities-innovation-through-clusters",
            "How do we encourage innovation through clusters?",
            "Centre for Cities",
            "2017-08-02",
            2017,  # from the date
            "briefing",
        ),
        "innovation-clusters-map-about.txt": (
            "innovation-clusters-map-about",
            "Innovation Clusters Map — About",
            "Department for Science, Innovation and Technology",
            None,
            2024,
            "methodology",
        ),
        "introducing-the-innovation-clusters-map.txt": (
            "introducing-the-innovation-clusters-map",
            "Introducing the Innovation Clusters Map",
            "Department for Science, Innovation and Technology",
            "2024-02-09",
            2024,  # from the date
            "statement",
        ),
        "np11-innovation-clusters-north-of-england.txt": (
            "np11-innovation-clusters-north-of-england",
            "Innovation Clusters in the North of England",
            "NP11",
            None,
            2024,
            "report",
        ),
        "scotland-national-innovation-strategy-clusters.txt": (
            "scotland-national-innovation-strategy-clusters",
            "National Innovation Strategy 2023 to 2033 — Chapter 6: Innovation Clusters",
            "Scottish Government",
            None,
            2023,
            "strategy",
        ),
    }
    centre = described["centre-for-cities-innovation-through-clusters.txt"]
    assert centre.author == "Paul Swinney"
    assert centre.licence == "publisher's terms (public briefing)"
    assert described["innovation-clusters-map-about.txt"].author is None


def test_demo_hashes_and_sizes(described: dict[str, DocumentRecord]) -> None:
    manifest = read_manifest(DEMO)
    for name, record in described.items():
        data = (DEMO / name).read_bytes()
        assert record.file_name == name
        assert record.size_bytes == len(data)
        assert record.content_hash == hashlib.sha256(data).hexdigest()
        assert len(record.content_hash) == 64
        # the same file described again is the same record
        assert describe_document(DEMO / name, manifest) == record
    assert len({r.content_hash for r in described.values()}) == 5


def test_hash_is_sha256_of_the_bytes_and_follows_content(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(b"hello")
    first = describe_document(path, {})
    assert first.content_hash == (
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    )
    assert first.size_bytes == 5
    path.write_bytes(b"hello!")
    second = describe_document(path, {})
    assert second.content_hash != first.content_hash
    assert second.id == first.id == "note"


def test_without_manifest_the_title_comes_from_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "cluster_strategy-2024.txt"
    path.write_text("text", encoding="utf-8")
    assert read_manifest(tmp_path) == {}
    record = describe_document(path, read_manifest(tmp_path))
    assert record == DocumentRecord(
        id="cluster_strategy-2024",
        title="Cluster Strategy 2024",
        file_name="cluster_strategy-2024.txt",
        content_hash=hashlib.sha256(b"text").hexdigest(),
        size_bytes=4,
    )


def test_manifest_fields_and_fallbacks(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")
    (tmp_path / "b.txt").write_text("b", encoding="utf-8")
    entries = [
        {"file": "a.txt", "title": "", "url": "https://example.org/a", "year": "2021"},
        {"file": "b.txt", "date": "2019-05-01", "year": 2018, "source": "library"},
        {"title": "no file key: skipped"},
        "not an entry",
    ]
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(entries), encoding="utf-8")
    manifest = read_manifest(tmp_path)
    assert sorted(manifest) == ["a.txt", "b.txt"]
    a = describe_document(tmp_path / "a.txt", manifest)
    assert a.title == "A"  # an empty title falls back to the file name
    assert a.source == "https://example.org/a"
    assert a.year == 2021
    b = describe_document(tmp_path / "b.txt", manifest)
    assert (b.date, b.year, b.source) == ("2019-05-01", 2018, "library")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"file": "a.txt",]', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"file": "a.txt"}', "expected a list of documents"),
        ('"a.txt"', "expected a list of documents"),
    ],
)
def test_malformed_manifest_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / MANIFEST_NAME).write_text(content, encoding="utf-8")
    with pytest.raises(FileRefused) as caught:
        read_manifest(tmp_path)
    assert message in str(caught.value)
    assert MANIFEST_NAME in str(caught.value)


def test_non_utf8_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_bytes(b'[{"file": "caf\xe9.txt"}]')
    with pytest.raises(FileRefused, match="not valid JSON"):
        read_manifest(tmp_path)


def test_unusable_manifest_year_is_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "plan.txt").write_text("plan", encoding="utf-8")
    entries = [{"file": "plan.txt", "title": "Plan", "year": "2023/24"}]
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(entries), encoding="utf-8")
    manifest = read_manifest(tmp_path)
    try:
        record = describe_document(tmp_path / "plan.txt", manifest)
    except FileRefused:
        return
    assert record.year in (None, 2023)
