"""Document metadata: from a manifest (``manifest.json``) beside the files, or the file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from corpus.tables import FileRefused

MANIFEST_NAME = "manifest.json"


@dataclass
class DocumentRecord:
    id: str
    title: str
    file_name: str
    content_hash: str
    size_bytes: int
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    year: int | None = None
    kind: str | None = None
    licence: str | None = None
    source: str | None = None


def read_manifest(folder: Path) -> dict[str, dict[str, object]]:
    """Manifest entries by file name; an absent manifest is an empty one."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileRefused(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(entries, list):
        raise FileRefused(f"{path}: expected a list of documents")
    return {str(e["file"]): e for e in entries if isinstance(e, dict) and "file" in e}


def describe_document(
    path: Path, manifest: dict[str, dict[str, object]]
) -> DocumentRecord:
    """A document's identity (stable id, content hash) and its metadata."""
    data = path.read_bytes()
    meta = manifest.get(path.name, {})
    date = str(meta["date"]) if meta.get("date") else None
    year_text = str(meta.get("year") or (date or "")[:4])
    year = int(year_text) if year_text.isdigit() else None

    def text(key: str) -> str | None:
        value = meta.get(key)
        return str(value) if value else None

    return DocumentRecord(
        id=path.stem,
        title=text("title") or path.stem.replace("-", " ").replace("_", " ").title(),
        file_name=path.name,
        content_hash=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        publisher=text("publisher"),
        author=text("author"),
        date=date,
        year=year,
        kind=text("kind"),
        licence=text("licence"),
        source=text("source") or text("url"),
    )
