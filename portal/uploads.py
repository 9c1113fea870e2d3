"""The use cases of files uploaded in the portal: documents to index, and directory
files (members, collaborations, Companies House, Innovate UK) to preview and import.

Uploads are written under a sanitised copy of their own name into a fresh temporary
folder, removed afterwards, so the importers see a file as the CLI would give it and
the name recorded (document file name, import source) is the one the user chose.
Each function checks the viewer's role itself.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from corpus.readers import READABLE_SUFFIXES
from corpus.records import ParsedFile
from corpus.tables import FileRefused
from directory.importing import ImportReport, Progress, apply_parsed_file
from directory.store import DirectoryStore
from portal import knowledge, services
from portal.access import Viewer, require
from portal.settings import Settings
from portal.workspace import open_store

IMPORT_SUFFIXES = (".csv", ".xlsx")
MAX_NAME_CHARS = 120
PREVIEW_COLUMNS = {
    "organisations": (
        "line", "name", "kind", "company_number", "postcode", "region",
        "location_precision", "sectors", "sic_codes", "rdi_active",
    ),
    "collaborations": ("line", "org_a", "org_b", "weight", "project", "topic", "year"),
}  # fmt: skip


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: a name not to be trusted, and its bytes."""

    name: str
    data: bytes


@dataclass
class StoredUploads:
    """Uploads written to a temporary folder, and those refused with the reason."""

    folder: Path
    paths: list[Path] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def public(self, text: str) -> str:
        """A message without the server's temporary folder in it."""
        return text.replace(f"{self.folder}/", "").replace(str(self.folder), "")


def safe_file_name(name: str) -> str:
    """The upload's own name with no folder part, control or unsafe characters, nor
    leading dots; "upload" when nothing usable is left."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(base) > MAX_NAME_CHARS:
        base = f"{stem[: MAX_NAME_CHARS - len(suffix) - 1]}.{suffix}"
    return base[:MAX_NAME_CHARS] or "upload"


@contextmanager
def store_uploads(
    uploads: Sequence[Upload], max_bytes: int, suffixes: Sequence[str]
) -> Iterator[StoredUploads]:
    """Write the acceptable uploads into a new temporary folder (removed on exit);
    a wrong type, an empty or too large file, or a repeated name is refused."""
    with tempfile.TemporaryDirectory(prefix="cluster-portal-upload-") as folder:
        stored = StoredUploads(Path(folder))
        for upload in uploads:
            name = safe_file_name(upload.name)
            reason = _refusal(name, upload.data, max_bytes, suffixes)
            path = stored.folder / name
            if reason is None and path.exists():
                reason = f"{name}: another file of this upload has the same name"
            if reason is not None:
                stored.refused.append({"file": name, "reason": reason})
                continue
            path.write_bytes(upload.data)
            stored.paths.append(path)
        yield stored


def _refusal(
    name: str, data: bytes, max_bytes: int, suffixes: Sequence[str]
) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        kinds = ", ".join(s.lstrip(".") for s in suffixes)
        return f"{name}: not a file type accepted here ({kinds})"
    if not data:
        return f"{name}: the file is empty"
    if len(data) > max_bytes:
        return (
            f"{name}: {len(data) / 1e6:.1f} MB is over the limit of "
            f"{max_bytes / 1e6:.1f} MB (setting imports.max_file_mb)"
        )
    return None


# -- documents -----------------------------------------------------------------------


def upload_documents(
    settings: Settings,
    viewer: Viewer,
    uploads: Sequence[Upload],
    progress: Progress | None = None,
) -> knowledge.IngestReport:
    """Index uploaded documents as ``import documents`` would: new ones added,
    changed ones re-indexed, unchanged ones skipped, bad ones refused with a reason."""
    require(viewer, "upload_documents")
    limit = int(settings.imports.max_file_mb * 1024 * 1024)
    with store_uploads(uploads, limit, READABLE_SUFFIXES) as stored:
        report = knowledge.IngestReport()
        if stored.paths:
            report = knowledge.import_documents(
                settings, stored.paths, viewer.actor, progress
            )
        report.refused = stored.refused + [
            {key: stored.public(value) for key, value in refused.items()}
            for refused in report.refused
        ]
    return report


def remove_document(
    settings: Settings, viewer: Viewer, document_id: str
) -> dict[str, Any]:
    """Remove a document from the corpus and from search (audited)."""
    require(viewer, "upload_documents")
    return knowledge.remove_document(settings, document_id, viewer.actor)


# -- directory imports ---------------------------------------------------------------


@dataclass
class ImportPreview:
    """A parsed directory file and what applying it would do now; nothing written."""

    kind: str
    file_name: str
    digest: str  # of the kind and the file's bytes: what was previewed
    parsed: ParsedFile
    outcome: ImportReport  # rehearsed on a copy of the directory

    @property
    def importable(self) -> int:
        """Rows that would be applied: those read less those that would be skipped."""
        skipped = {problem.line for problem in self.outcome.skipped}
        return max(0, self.parsed.rows_read - len(skipped))

    def contents(self) -> dict[str, int]:
        """How many records of each sort the file holds."""
        parsed = self.parsed
        counts = {
            "organisations": len(parsed.organisations),
            "collaborations": len(parsed.collaborations),
            "projects": len(parsed.projects),
            "participations": len(parsed.participations),
        }
        return {name: n for name, n in counts.items() if n}

    def sample(self, limit: int = 20) -> list[dict[str, Any]]:
        """The first records read, as table rows."""
        table = "organisations" if self.parsed.organisations else "collaborations"
        records = getattr(self.parsed, table)[:limit]
        columns = PREVIEW_COLUMNS[table]
        rows = []
        for record in records:
            values = asdict(record)
            rows.append({c: _cell(values.get(c)) for c in columns})
        return rows


def _cell(value: Any) -> Any:
    return "; ".join(map(str, value)) if isinstance(value, list) else value


def import_digest(kind: str, data: bytes) -> str:
    """What identifies a preview: the kind chosen and the file's content."""
    return hashlib.sha256(kind.encode() + b"\0" + data).hexdigest()


def preview_import(
    settings: Settings, viewer: Viewer, kind: str, name: str, data: bytes
) -> ImportPreview:
    """Read and check an uploaded file, and rehearse applying it on a copy of the
    directory; raises FileRefused when the file is unusable."""
    require(viewer, "import")
    if kind not in services.IMPORT_KINDS:
        raise FileRefused(
            f"unknown import kind {kind!r}; one of {', '.join(services.IMPORT_KINDS)}"
        )
    limit = int(settings.imports.max_file_mb * 1_000_000)
    with store_uploads([Upload(name, data)], limit, IMPORT_SUFFIXES) as stored:
        if stored.refused:
            raise FileRefused(stored.refused[0]["reason"])
        try:
            parsed = services.parse_import(settings, kind, stored.paths[0])
        except FileRefused as exc:
            raise FileRefused(stored.public(str(exc))) from None
    outcome = _rehearse(settings, kind, parsed, viewer.actor)
    return ImportPreview(
        kind, stored.paths[0].name, import_digest(kind, data), parsed, outcome
    )


def _rehearse(
    settings: Settings, kind: str, parsed: ParsedFile, actor: str
) -> ImportReport:
    """What applying the file would do to the directory as it is now, worked out on
    a copy in memory: the live store's write lock stays free for other sessions."""
    with open_store(settings) as store:
        copy = store.copy_in_memory()
    with copy, copy.transaction():
        return _apply(copy, kind, parsed, actor, None)


def apply_import(
    settings: Settings,
    viewer: Viewer,
    preview: ImportPreview,
    progress: Progress | None = None,
) -> ImportReport:
    """Write exactly the previewed file in one audited transaction."""
    require(viewer, "import")
    with open_store(settings) as store:
        return _apply(store, preview.kind, preview.parsed, viewer.actor, progress)


def _apply(
    store: DirectoryStore,
    kind: str,
    parsed: ParsedFile,
    actor: str,
    progress: Progress | None,
) -> ImportReport:
    # The members file is the facilitator's own: its values are authoritative.
    return apply_parsed_file(
        store, parsed, actor, overwrite=kind == "organisations", progress=progress
    )
