"""Documents: the corpus the Ask page answers from, with its metadata; facilitators
upload new documents and remove old ones."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from corpus.readers import READABLE_SUFFIXES
from corpus.tables import FileRefused
from directory.store import StoreError
from portal import services, uploads
from portal.access import can
from portal.ui import page_viewer, plain
from retrieval.embedding import ModelError
from retrieval.index import IndexUnavailable

settings, viewer = page_viewer("view_documents")
UPLOADER = "documents_uploader"  # a counter in the key empties the uploader
SUMMARY = "documents_summary"  # the last upload's or removal's outcome
COLUMNS = {
    "title": "Title",
    "publisher": "Publisher",
    "date": "Date",
    "kind": "Kind",
    "licence": "Licence",
    "source": "Source",
    "pages": "Pages",
    "chunks": "Passages",
    "added_at": "Added",
}


def document_table(documents: list[dict]) -> pd.DataFrame:
    rows = []
    for document in documents:
        row = {name: document.get(column) for column, name in COLUMNS.items()}
        row["Date"] = str(document.get("date") or document.get("year") or "")
        row["Added"] = (document.get("added_at") or "")[:10]
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS.values()))


def progress_bar():
    bar = st.progress(0.0, text="Reading the documents …")

    def update(phase: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        bar.progress(min(share, 1.0), text=f"Indexing {done} of {total} documents")

    return update


def summary_lines(report) -> list[str]:
    lines = [
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.refused)} refused; "
        f"{report.chunks} passages indexed."
    ]
    for name, ids in (("Added", report.added), ("Updated", report.updated)):
        if ids:
            lines.append(f"{name}: " + ", ".join(plain(i) for i in ids))
    return lines


def upload_form() -> None:
    st.subheader("Add documents")
    key = f"{UPLOADER}_{st.session_state.get(UPLOADER, 0)}"
    files = st.file_uploader(
        "PDF, Word, HTML, Markdown or text files",
        type=[s.lstrip(".") for s in READABLE_SUFFIXES],
        accept_multiple_files=True,
        max_upload_size=max(1, math.ceil(settings.imports.max_file_mb)),
        key=key,
    )
    if not st.button("Add to the documents", disabled=not files, type="primary"):
        return
    batch = [uploads.Upload(f.name, f.getvalue()) for f in files]
    try:
        report = uploads.upload_documents(settings, viewer, batch, progress_bar())
    except (StoreError, IndexUnavailable, ModelError, FileRefused) as exc:
        st.error(f"The documents could not be added: {exc}")
        return
    st.session_state[SUMMARY] = ("upload", summary_lines(report), report.refused)
    st.session_state[UPLOADER] = st.session_state.get(UPLOADER, 0) + 1
    st.rerun()


def show_summary() -> None:
    outcome = st.session_state.pop(SUMMARY, None)
    if outcome is None:
        return
    _, lines, refused = outcome
    st.success("  \n".join(lines))
    for item in refused:
        st.warning(f"Refused: {plain(item['reason'])}")


def remove_form(documents: list[dict]) -> None:
    st.subheader("Remove a document")
    titles = {d["id"]: d["title"] for d in documents}
    chosen = st.selectbox(
        "Document", list(titles), format_func=lambda i: titles[i], key="remove_id"
    )
    sure = st.checkbox(
        "Yes, remove this document: it leaves search and answers at once",
        key="remove_sure",
    )
    if not st.button("Remove document", disabled=not sure):
        return
    try:
        removed = uploads.remove_document(settings, viewer, chosen)
    except (StoreError, IndexUnavailable) as exc:
        st.error(f"The document could not be removed: {exc}")
        return
    line = f"Removed “{plain(removed['title'])}” ({removed['chunks']} passages)."
    st.session_state[SUMMARY] = ("remove", [line], [])
    del st.session_state["remove_sure"]
    st.rerun()


st.title("Documents")
st.caption("The documents the Ask page answers from.")
show_summary()
documents = services.documents(settings)
if documents:
    table = document_table(documents)
    links = table["Source"].dropna()
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"Source": st.column_config.LinkColumn("Source")}
        if links.str.startswith(("http://", "https://")).all()
        else None,
    )
    st.caption(f"{len(documents)} documents.")
else:
    st.info("No documents yet.")

if can(viewer, "upload_documents"):
    upload_form()
    if documents:
        remove_form(documents)
