"""Uploaded files in the portal, on the demo workspace: documents listed, uploaded,
searchable and removed; directory files previewed (nothing written) and applied;
refused files; and roles that may not upload."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import corpus
from corpus.documents import read_manifest
from corpus.tables import FileRefused
from portal import knowledge, services, uploads
from portal.access import AccessDenied, Viewer
from portal.settings import Settings
from portal.uploads import Upload
from portal.workspace import open_store

DEMO_DOCUMENTS = Path(corpus.__file__).parent / "demo" / "documents"
FACILITATOR = Viewer("facilitator", "fac")
HYDROGEN = (
    b"# Hydrogen valleys\n\nThe Humber hydrogen valley pilots electrolysers at "
    b"Saltend near Hull, with twelve partners since 2025.\n"
)
MEMBERS = (
    b"name,postcode,kind,employees\n"
    b"Hydrogen Works Ltd,HU1 1AA,business,12\n"
    b"Bad Employees Ltd,,business,abc\n"
    b"Saltend Labs,HU12 8DS,business,5\n"
)


def audit_count(settings: Settings) -> int:
    with open_store(settings) as store:
        return int(store.query("SELECT count(*) AS n FROM audit_log")[0]["n"])


def organisation_names(settings: Settings) -> set[str]:
    with open_store(settings) as store:
        return {o["name"] for o in store.all_organisations()}


# -- documents ----------------------------------------------------------------------


def test_documents_page_lists_the_corpus_without_upload_for_an_official(
    demo: Settings, open_app
) -> None:
    at = open_app(demo)("official", page="views/documents.py")
    assert not at.exception
    table = at.dataframe[0].value
    titles = {entry["title"] for entry in read_manifest(DEMO_DOCUMENTS).values()}
    assert set(table["Title"]) == titles and len(titles) == 5
    assert {
        "Publisher",
        "Date",
        "Kind",
        "Licence",
        "Pages",
        "Passages",
        "Added",
    } <= set(table.columns)
    assert (table["Passages"] > 0).all()
    assert not at.file_uploader
    assert not [b for b in at.button if b.label == "Remove document"]


def test_a_facilitator_uploads_through_the_page(demo: Settings, open_app) -> None:
    at = open_app(demo)("facilitator", page="views/documents.py")
    assert at.file_uploader and not at.exception
    at.file_uploader[0].set_value(
        [
            ("../../Hydrogen valleys.md", HYDROGEN, "text/markdown"),
            ("empty.txt", b"", "text/plain"),
        ]
    ).run()
    next(b for b in at.button if b.label == "Add to the documents").click().run()
    assert not at.exception
    assert "1 added" in at.success[0].value and "1 refused" in at.success[0].value
    assert any("empty\\.txt: the file is empty" in w.value for w in at.warning)
    assert "Hydrogen valleys" in set(at.dataframe[0].value["Title"])
    assert not at.file_uploader[0].value  # emptied for the next upload


def test_uploaded_documents_are_searchable_and_listed(demo: Settings) -> None:
    report = uploads.upload_documents(
        demo,
        FACILITATOR,
        [Upload("../../../etc/Hydrogen valleys.md", HYDROGEN)],
    )
    assert report.added == ["hydrogen-valleys"] and not report.refused
    found = knowledge.search(demo, "electrolysers at Saltend")
    assert found[0].document == "hydrogen-valleys"
    listed = {d["id"]: d for d in services.documents(demo)}
    assert listed["hydrogen-valleys"]["file_name"] == "Hydrogen valleys.md"
    with open_store(demo) as store:
        entry = store.audit_entries(record_id="hydrogen-valleys")[0]
    assert entry["actor"] == "fac" and entry["action"] == "create"
    again = uploads.upload_documents(demo, FACILITATOR, [Upload("x.md", HYDROGEN)])
    assert again.added == ["x"]  # another name is another document


def test_bad_uploads_are_refused_with_reasons_and_the_rest_go_in(
    demo: Settings,
) -> None:
    small = demo.model_copy(
        update={"imports": demo.imports.model_copy(update={"max_file_mb": 0.0001})}
    )
    report = uploads.upload_documents(
        small,
        FACILITATOR,
        [
            Upload("tiny.txt", b"Saltend hydrogen."),
            Upload("big.txt", b"hydrogen " * 100),
            Upload("tool.exe", b"MZ"),
            Upload("blank.md", b""),
            Upload("tiny.txt", b"Saltend again."),
            Upload("spaces.txt", b"   \n\n  "),
        ],
    )
    assert report.added == ["tiny"]
    reasons = {r["file"]: r["reason"] for r in report.refused}
    assert set(reasons) == {"big.txt", "tool.exe", "blank.md", "tiny.txt", "spaces.txt"}
    assert "over the limit" in reasons["big.txt"]
    assert "not a file type" in reasons["tool.exe"]
    assert "same name" in reasons["tiny.txt"]
    assert "cluster-portal-upload" not in json.dumps(report.refused)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\notes.txt", "notes.txt"),
        (".hidden.md", "hidden.md"),
        ("..", "upload"),
        ("", "upload"),
        ("a\x00b<script>.html", "a_b_script_.html"),
        ("Report (final) 2024.pdf", "Report (final) 2024.pdf"),
        ("x" * 300 + ".docx", "x" * 115 + ".docx"),
    ],
)
def test_upload_names_are_sanitised(name: str, safe: str) -> None:
    assert uploads.safe_file_name(name) == safe


def test_removing_a_document_needs_confirmation(demo: Settings, open_app) -> None:
    at = open_app(demo)("facilitator", page="views/documents.py")
    remove = next(b for b in at.button if b.label == "Remove document")
    assert remove.disabled
    doc_id = "centre-for-cities-innovation-through-clusters"
    at.selectbox(key="remove_id").set_value(doc_id).run()
    at.checkbox(key="remove_sure").check().run()
    next(b for b in at.button if b.label == "Remove document").click().run()
    assert not at.exception
    assert "Removed" in at.success[0].value
    assert len(at.dataframe[0].value) == 4
    assert doc_id not in {d["id"] for d in services.documents(demo)}
    assert all(p.document != doc_id for p in knowledge.search(demo, "subsidise"))


# -- directory imports --------------------------------------------------------------


def test_preview_writes_nothing_and_apply_adds_the_good_rows(demo: Settings) -> None:
    before_names, before_audit = organisation_names(demo), audit_count(demo)
    preview = uploads.preview_import(
        demo, FACILITATOR, "organisations", "m.csv", MEMBERS
    )
    assert preview.parsed.rows_read == 3 and preview.importable == 2
    assert [(p.line, "employees" in p.reason) for p in preview.outcome.skipped] == [
        (3, True)
    ]
    assert [row["name"] for row in preview.sample()] == [
        "Hydrogen Works Ltd",
        "Saltend Labs",
    ]
    assert dict(preview.outcome.counts["organisations"]) == {"created": 2}
    assert organisation_names(demo) == before_names
    assert audit_count(demo) == before_audit

    report = uploads.apply_import(demo, FACILITATOR, preview)
    assert dict(report.counts["organisations"]) == {"created": 2}
    assert [p.line for p in report.skipped] == [3]
    added = organisation_names(demo) - before_names
    assert added == {"Hydrogen Works Ltd", "Saltend Labs"}
    with open_store(demo) as store:
        entries = store.audit_entries(actor="fac", action="create", limit=10)
    assert len(entries) == 2 and audit_count(demo) == before_audit + 2
    assert all(e["details"] and "m.csv" in str(e["details"]) for e in entries)


def test_a_preview_neither_takes_nor_waits_for_the_write_lock(demo: Settings) -> None:
    """The rehearsal runs on a copy in memory and never asks for the write lock, so
    another session's open write transaction neither delays nor fails it (a
    rehearsal rolled back on the live store waited 10 s, then failed)."""
    writer = sqlite3.connect(demo.database_path, timeout=0.1, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE organisations SET notes = 'held' WHERE rowid = 1")
        preview = uploads.preview_import(
            demo, FACILITATOR, "organisations", "m.csv", MEMBERS
        )
        assert dict(preview.outcome.counts["organisations"]) == {"created": 2}
        writer.execute("COMMIT")
    finally:
        writer.close()
    with open_store(demo) as store:
        assert store.query("SELECT notes FROM organisations WHERE rowid = 1") == [
            {"notes": "held"}
        ]


def test_a_collaborations_preview_reports_unknown_organisations(
    demo: Settings,
) -> None:
    data = (
        b"org_a,org_b,weight\n"
        b"Newcastle University,Durham University,2\n"
        b"Newcastle University,Nowhere Widgets Ltd,1\n"
    )
    preview = uploads.preview_import(demo, FACILITATOR, "collaborations", "c.csv", data)
    skipped = preview.outcome.skipped
    assert [p.line for p in skipped] == [3]
    assert "Nowhere Widgets" in skipped[0].reason
    assert preview.importable == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01binary", "binary"),
        (b"foo,bar\n1,2\n", "missing required column"),
    ],
)
def test_a_refused_file_changes_nothing(
    demo: Settings, data: bytes, message: str
) -> None:
    before_names, before_audit = organisation_names(demo), audit_count(demo)
    with pytest.raises(FileRefused, match=message) as refused:
        uploads.preview_import(demo, FACILITATOR, "organisations", "m.csv", data)
    assert "cluster-portal-upload" not in str(refused.value)
    assert organisation_names(demo) == before_names
    assert audit_count(demo) == before_audit


def test_the_import_page_previews_then_applies(demo: Settings, open_app) -> None:
    at = open_app(demo)("facilitator", page="views/import_data.py")
    before_names, before_audit = organisation_names(demo), audit_count(demo)
    at.file_uploader[0].set_value(("members.csv", MEMBERS, "text/csv")).run()
    assert not at.exception
    problems = at.dataframe[1].value
    assert list(problems["line"]) == [3] and "employees" in problems["reason"][0]
    assert list(at.dataframe[0].value["name"]) == ["Hydrogen Works Ltd", "Saltend Labs"]
    assert organisation_names(demo) == before_names
    assert audit_count(demo) == before_audit

    button = next(b for b in at.button if b.label.startswith("Import"))
    assert button.label == "Import 2 records"
    button.click().run()
    assert not at.exception
    assert "2 created" in at.success[0].value
    assert organisation_names(demo) - before_names == {
        "Hydrogen Works Ltd",
        "Saltend Labs",
    }
    assert audit_count(demo) == before_audit + 2


def test_the_import_page_shows_a_refused_file(demo: Settings, open_app) -> None:
    at = open_app(demo)("facilitator", page="views/import_data.py")
    before_audit = audit_count(demo)
    at.file_uploader[0].set_value(("x.csv", b"foo,bar\n1,2\n", "text/csv")).run()
    assert not at.exception
    assert any("Refused" in e.value and "name" in e.value for e in at.error)
    assert not [b for b in at.button if b.label.startswith("Import")]
    assert audit_count(demo) == before_audit


@pytest.mark.parametrize(
    "viewer",
    [Viewer("official", "o"), Viewer("member", "m", "newcastle-university"), Viewer()],
)
def test_other_roles_may_not_upload_or_import(demo: Settings, viewer: Viewer) -> None:
    before_names, before_audit = organisation_names(demo), audit_count(demo)
    preview = uploads.preview_import(
        demo, FACILITATOR, "organisations", "m.csv", MEMBERS
    )
    calls = [
        lambda: uploads.upload_documents(demo, viewer, [Upload("a.md", HYDROGEN)]),
        lambda: uploads.remove_document(demo, viewer, "innovation-clusters-map-about"),
        lambda: uploads.preview_import(demo, viewer, "organisations", "m.csv", MEMBERS),
        lambda: uploads.apply_import(demo, viewer, preview),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    assert organisation_names(demo) == before_names
    assert audit_count(demo) == before_audit
    assert len(services.documents(demo)) == 5
