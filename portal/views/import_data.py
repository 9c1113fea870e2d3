"""Import: upload a directory file, see what it holds and what it would change
(with each bad row and why) before anything is written, then apply exactly that."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from corpus.geocoding import GeocodingError
from corpus.tables import FileRefused
from directory.store import StoreError
from portal import uploads
from portal.ui import page_viewer, plain

settings, viewer = page_viewer("import")
PREVIEW = "import_preview"  # the ImportPreview of the file on screen
DONE = "import_report"  # the report of the last file applied
UPLOADER = "import_uploader"  # a counter in the key empties the uploader
KIND_NAMES = {
    "organisations": "Organisations: our members CSV",
    "collaborations": "Collaborations: org_a, org_b, weight, project, topic, year",
    "companies-house": "Companies House basic company data",
    "innovate-uk": "Innovate UK funded projects",
}
ERRORS = (FileRefused, StoreError, GeocodingError)


def problems_table(problems) -> pd.DataFrame:
    return pd.DataFrame(
        [{"line": p.line, "reason": p.reason} for p in problems[:1000]],
        columns=["line", "reason"],
    )


def counts_text(report) -> str:
    parts = []
    for table, counts in report.counts.items():
        done = ", ".join(f"{n:,} {outcome}" for outcome, n in sorted(counts.items()))
        parts.append(f"{table}: {done}")
    return "; ".join(parts) or "no changes"


def preview_for(kind: str, upload) -> uploads.ImportPreview | None:
    """The preview of this upload, read once per content and kind."""
    data = upload.getvalue()
    digest = uploads.import_digest(kind, data)
    preview = st.session_state.get(PREVIEW)
    if preview is not None and preview.digest == digest:
        return preview
    try:
        with st.spinner("Reading and checking the file …"):
            preview = uploads.preview_import(settings, viewer, kind, upload.name, data)
    except ERRORS as exc:
        st.session_state.pop(PREVIEW, None)
        st.error(f"Refused: {plain(exc)}  \nNothing was imported.")
        return None
    st.session_state[PREVIEW] = preview
    return preview


def show_preview(preview: uploads.ImportPreview) -> None:
    parsed, outcome = preview.parsed, preview.outcome
    st.subheader(f"Preview of {plain(preview.file_name)}")
    left, middle, right = st.columns(3)
    left.metric("Rows read", f"{parsed.rows_read:,}")
    middle.metric("Rows to import", f"{preview.importable:,}")
    right.metric("Rows with errors", f"{len(outcome.skipped):,}")
    holds = ", ".join(f"{n:,} {name}" for name, n in preview.contents().items())
    st.markdown(f"The file holds {holds or 'no records'}.")
    st.markdown(f"Importing it now would change: {counts_text(outcome)}.")
    for note in outcome.notes:
        st.caption(plain(note))
    sample = preview.sample()
    if sample:
        st.caption(f"The first {len(sample)} records read:")
        st.dataframe(pd.DataFrame(sample), hide_index=True, width="stretch")
    if outcome.skipped:
        count = len(outcome.skipped)
        st.warning(f"{count:,} {'row' if count == 1 else 'rows'} will be skipped:")
        st.dataframe(problems_table(outcome.skipped), hide_index=True, width="stretch")


def progress_bar():
    bar = st.progress(0.0, text="Importing …")

    def update(phase: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar.progress(min(share, 1.0), text=f"{phase}: {done:,} of {total:,}")

    return update


def apply(preview: uploads.ImportPreview) -> None:
    try:
        report = uploads.apply_import(settings, viewer, preview, progress_bar())
    except ERRORS as exc:
        st.error(f"The import failed and changed nothing: {plain(exc)}")
        return
    st.session_state[DONE] = report
    st.session_state.pop(PREVIEW, None)
    st.session_state[UPLOADER] = st.session_state.get(UPLOADER, 0) + 1
    st.rerun()


def show_report() -> None:
    report = st.session_state.get(DONE)
    if report is None:
        return
    st.success(
        f"Imported {plain(report.source)}: {report.rows_read:,} rows read; "
        f"{plain(counts_text(report))}."
    )
    for note in report.notes:
        st.caption(plain(note))
    st.caption(
        "Clusters, profiles and matching follow the directory when they are "
        "rebuilt (`cluster-portal build`)."
    )
    if report.skipped:
        st.caption(f"{len(report.skipped):,} rows skipped:")
        st.dataframe(problems_table(report.skipped), hide_index=True, width="stretch")


st.title("Import")
st.caption(
    "Add or update organisations and collaborations from a file. You see what the "
    "file holds and each row that would be skipped before anything is written."
)
show_report()
kind = st.selectbox(
    "What the file holds", list(KIND_NAMES), format_func=KIND_NAMES.__getitem__
)
upload = st.file_uploader(
    "CSV or Excel (.xlsx) file",
    type=["csv", "xlsx"],
    max_upload_size=max(1, math.ceil(settings.imports.max_file_mb)),
    key=f"{UPLOADER}_{st.session_state.get(UPLOADER, 0)}",
)
if upload is not None:
    preview = preview_for(kind, upload)
    if preview is not None:
        show_preview(preview)
        label = f"Import {preview.importable:,} records"
        if st.button(label, type="primary", disabled=not preview.importable):
            apply(preview)
