"""The fuzzing properties, shared by tests/fuzz (a few dozen cases each) and
bench/fuzz.py (thousands): each takes a workspace and one generated input, runs it
through the real entry point, and returns the outcome's name ("refused", ...).

The property everywhere: no exception but the entry point's documented domain error,
a message a person can read (no control characters, not huge, naming the file), and
a refused file or a search changes nothing in the store.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import corpus
from corpus.tables import FileRefused
from directory.matching import MatchError
from directory.store import StoreError
from portal import atlas, curation, knowledge, matching, services
from portal.access import Viewer
from portal.settings import Settings, load_settings
from portal.workspace import open_store
from tests.fuzz import strategies as fuzz

DATA = Path(__file__).parents[1] / "data"
DOCUMENT = Path(corpus.__file__).parent / "demo" / "documents"
DEMO_DOCUMENT = "innovation-clusters-map-about.txt"
MAX_MESSAGE = 1000
FACILITATOR = Viewer("facilitator", "fuzz")


def small_workspace(folder: Path, documents: bool) -> Settings:
    """The 54-organisation GtR sample; with documents also one demo document
    indexed and the clusters, profiles and matching weights built."""
    settings = load_settings(workspace=folder / "workspace")
    for kind, name in (
        ("organisations", "gtr_organisations.csv"),
        ("collaborations", "gtr_collaborations.csv"),
    ):
        services.import_file(settings, kind, DATA / name, "fuzz-setup")
    if documents:
        knowledge.import_documents(settings, [DOCUMENT / DEMO_DOCUMENT], "fuzz-setup")
        services.build_clusters(settings, "fuzz-setup")
    return settings


def table_counts(settings: Settings) -> dict[str, int]:
    """Rows in every table of the store (the audit log included)."""
    with open_store(settings) as store:
        tables = store.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {
            t["name"]: store.query(f'SELECT count(*) AS n FROM "{t["name"]}"')[0]["n"]
            for t in tables
        }


def assert_clear(message: str, starts: str | None = None) -> None:
    """A message fit to show: some words, no control characters, not a dump."""
    assert message.strip(), "empty message"
    controls = [c for c in message if unicodedata.category(c) == "Cc"]
    assert not controls, f"control characters {controls!r} in {message!r}"
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message[:300]!r}"
    assert "Traceback" not in message
    if starts is not None:
        assert message.startswith(starts), f"{message!r} does not start {starts!r}"


@contextmanager
def written(name: str, data: bytes) -> Iterator[Path]:
    """The bytes as a file of that name in a fresh temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        path = folder / name
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the properties ----------------------------------------------------------------


def check_import(settings: Settings, kind: str, file: tuple[str, bytes]) -> str:
    """Importing the file either refuses it whole, changing nothing, or imports it
    with every skipped row's reason and every note readable."""
    before = table_counts(settings)
    with written(*file) as path:
        try:
            report = services.import_file(settings, kind, path, "fuzz")
        except FileRefused as exc:
            assert_clear(str(exc), starts=f"{path}: ")
            assert table_counts(settings) == before
            return "refused"
    for problem in report.skipped:
        assert_clear(problem.reason)
    for note in report.notes:
        assert_clear(note)
    return "imported" if report.counts else "nothing to import"


def check_document(settings: Settings, file: tuple[str, bytes]) -> str:
    """Indexing a document never raises: it is added or refused with a reason that
    names it, and a refused document changes nothing."""
    before = table_counts(settings)
    with written(*file) as path:
        report = knowledge.import_documents(settings, [path], "fuzz")
    if report.refused:
        (refused,) = report.refused
        assert_clear(refused["reason"], starts=f"{file[0]}: ")
        assert table_counts(settings) == before
        return "refused"
    assert report.added or report.updated or report.unchanged
    return "unchanged" if report.unchanged else "indexed"


def blank(text: str) -> bool:
    """Nothing but white space and control characters."""
    return not "".join(c for c in text if unicodedata.category(c) != "Cc").strip()


REFUSED = object()  # what unchanged_or_refused returns for a refusal


def unchanged_or_refused(
    settings: Settings, call: Callable[[], Any], refusal: type[Exception]
) -> Any:
    """The call's result, or REFUSED when it raised ``refusal`` with a clear
    message; either way the directory's tables are as they were."""
    before = table_counts(settings)
    try:
        return call()
    except refusal as exc:
        assert_clear(str(exc))
        return REFUSED
    finally:
        assert table_counts(settings) == before


def check_search_organisations(settings: Settings, text: str) -> str:
    """Directory search takes any text: results or a clear refusal, nothing changed."""
    found = unchanged_or_refused(
        settings,
        lambda: services.search_organisations(settings, text, limit=20),
        StoreError,
    )
    if found is REFUSED:
        return "refused"
    assert len(text) <= 500
    assert all(isinstance(o["id"], str) for o in found)
    return "found" if found else "none found"


def check_document_search(settings: Settings, text: str) -> str:
    """Document search takes any text: passages or a clear refusal, nothing changed."""
    found = unchanged_or_refused(
        settings,
        lambda: knowledge.search(
            settings, text, k=5, sources=("document", "organisation")
        ),
        StoreError,
    )
    if found is REFUSED:
        return "refused"
    assert all(p.text for p in found)
    return "found" if found else "none found"


def check_ask(settings: Settings, text: str) -> str:
    """Any question gets an answer (maybe 'the documents don't say') or a refusal."""
    answer = unchanged_or_refused(
        settings, lambda: knowledge.ask(settings, text), StoreError
    )
    if answer is REFUSED:
        return "refused"
    assert not blank(text) and len(text.strip()) <= knowledge.MAX_QUESTION_CHARS
    assert answer.answer.strip()
    return "abstained" if answer.abstained else "answered"


def check_match_need(settings: Settings, text: str) -> str:
    """Any need gets suggestions or a clear MatchError."""
    found = unchanged_or_refused(
        settings, lambda: matching.match_need(settings, text, k=3), MatchError
    )
    if found is REFUSED:
        return "refused"
    assert len(text.strip()) <= 2000
    assert isinstance(found["suggestions"], list)
    echoed = [c for c in found["query"] if unicodedata.category(c) == "Cc"]
    assert set(echoed) <= set("\t\n\r"), f"echoed back: {found['query']!r}"
    return "suggested" if found["suggestions"] else "no suggestions"


def check_match_organisation(settings: Settings, text: str) -> str:
    """Any name gets the organisation's suggestions or a clear MatchError that
    quotes it escaped and short."""
    found = unchanged_or_refused(
        settings,
        lambda: matching.match_organisation(settings, text, k=3),
        MatchError,
    )
    if found is REFUSED:
        return "refused"
    assert isinstance(found["suggestions"], list)
    return "matched"


# --- exports -----------------------------------------------------------------------

EXPORTED_TEXT = ("name", "description", "website", "sectors", "tags", "region")
_export_rows = iter(range(10**9))


def safe_cell(cell: str) -> bool:
    """A spreadsheet runs a cell starting so as a formula, unless it is a number."""
    if not cell.startswith(services.FORMULA_STARTS):
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_safe_csv(data: str | bytes) -> list[dict[str, str]]:
    """Every cell of the CSV is safe to open in a spreadsheet; returns its rows."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        for column, cell in row.items():
            assert safe_cell(cell or ""), f"{column} {cell!r} would run as a formula"
    return rows


def stored_form(column: str, value: str) -> Any:
    """What the members importer keeps of a value it was given."""
    from corpus.values import split_list

    if column == "name":
        return " ".join(value.split())
    if column in ("sectors", "tags"):
        return split_list(value)
    return value.strip() or None


def check_exports(settings: Settings, rows: list[dict[str, str]]) -> str:
    """Formulas, markup and SQL in fields are stored as the text given, and every
    CSV export (directory, curation, audit log) neutralises formulas."""
    ids = [f"fuzz-export-{next(_export_rows)}" for _ in rows]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", *EXPORTED_TEXT])
    writer.writeheader()
    for oid, row in zip(ids, rows, strict=True):
        writer.writerow({"id": oid, **row, "name": f"{row['name']} {oid}"})
    file = ("formulas.csv", buffer.getvalue().encode("utf-8"))
    assert check_import(settings, "organisations", file) == "imported"
    versions = {}
    with open_store(settings) as store:
        for oid, row in zip(ids, rows, strict=True):
            stored = store.organisation(oid)
            assert stored is not None
            given = {**row, "name": f"{row['name']} {oid}"}
            for column in EXPORTED_TEXT:
                assert stored[column] == stored_form(column, given[column]), column
            versions[oid] = stored["version"]
        audit = store.audit_entries(limit=len(rows) + 5)
    exported = io.StringIO()
    services.export_organisations(settings, exported)
    by_id = {r["id"]: r for r in assert_safe_csv(exported.getvalue())}
    for oid in ids:
        name = by_id[oid]["name"]
        assert name.lstrip("'") == stored_form("name", name.lstrip("'"))
    assert_safe_csv(curation.export_directory(settings, FACILITATOR))
    assert_safe_csv(curation.audit_csv(audit))
    for oid, version in versions.items():  # keep the shared workspace small
        curation.delete_organisation(settings, FACILITATOR, oid, version)
    return "exported"


def check_clusters_csv(rows: list[dict[str, Any]]) -> str:
    """The clusters table download neutralises formulas in every text cell."""
    assert_safe_csv(atlas.clusters_csv(rows))
    return "exported"


cluster_cell = st.one_of(
    fuzz.hostile_text, st.floats(), st.integers(), st.booleans(), st.none()
)
cluster_rows = st.lists(
    st.fixed_dictionaries(
        {c: cluster_cell for c in atlas.CSV_COLUMNS if c != "places"}
        | {"places": st.lists(fuzz.hostile_text, max_size=3)}
    ),
    max_size=4,
)
export_rows = st.lists(
    st.fixed_dictionaries({c: fuzz.hostile_text for c in EXPORTED_TEXT}),
    min_size=1,
    max_size=4,
)


# --- the targets, as the tests and the bench run them -------------------------------


@dataclass(frozen=True)
class Target:
    """One entry point under fuzzing: its inputs and its property."""

    name: str
    inputs: st.SearchStrategy[Any]
    check: Callable[[Settings, Any], str]
    workspace: str  # "imports" or "indexed": which shared workspace it runs on


def _importer(kind: str) -> Callable[[Settings, Any], str]:
    return lambda settings, file: check_import(settings, kind, file)


TARGETS = (
    *(
        Target(f"import {kind}", fuzz.import_file(kind), _importer(kind), "imports")
        for kind in services.IMPORT_KINDS
    ),
    Target("import documents", fuzz.document_file(), check_document, "indexed"),
    Target("exports", export_rows, check_exports, "imports"),
    Target(
        "clusters csv",
        cluster_rows,
        lambda _, rows: check_clusters_csv(rows),
        "imports",
    ),
    Target(
        "search organisations", fuzz.query_text, check_search_organisations, "indexed"
    ),
    Target("search documents", fuzz.query_text, check_document_search, "indexed"),
    Target("ask", fuzz.query_text, check_ask, "indexed"),
    Target("match need", fuzz.query_text, check_match_need, "indexed"),
    Target(
        "match organisation",
        fuzz.organisation_name,
        check_match_organisation,
        "indexed",
    ),
)
