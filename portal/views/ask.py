"""Ask: a chat over the documents and the cluster and organisation profiles; each
answer cites its passages, follow-ups are read with the conversation so far."""

from __future__ import annotations

import re

import streamlit as st

from directory.store import StoreError
from portal import knowledge
from portal.ui import page_viewer, plain
from retrieval.embedding import ModelError
from retrieval.generative import LLMError
from retrieval.index import IndexUnavailable
from retrieval.passages import Answer, Passage, Turn

settings, viewer = page_viewer("ask")
HISTORY = "ask_history"  # the answers of this conversation, oldest first
MARKER = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
SOURCE_NAMES = {"cluster": "cluster profile", "organisation": "organisation profile"}


def answer_markdown(text: str) -> str:
    """The answer escaped as plain text, with its citation markers made visible."""
    parts = []
    last = 0
    for match in MARKER.finditer(text):
        parts.append(plain(text[last : match.start()]))
        parts.append(f"**\\[{match.group(1)}\\]**")
        last = match.end()
    parts.append(plain(text[last:]))
    return "".join(parts).replace("\n", "  \n")


def passage_label(passage: Passage, n: int | None = None) -> str:
    """ "[1] Document title — section, p. 4", escaped for a label."""
    where = SOURCE_NAMES.get(passage.source) or passage.location()
    label = plain(passage.title) + (f" — {plain(where)}" if where else "")
    return f"\\[{n}\\] {label}" if n is not None else label


def show_answer(answer: Answer) -> None:
    if answer.resolved_question and answer.resolved_question != answer.question:
        st.caption(f"Read as: {plain(answer.resolved_question)}")
    if answer.abstained:
        st.info(plain(answer.answer))
        if answer.retrieved:
            st.caption("The closest passages:")
        for passage in answer.retrieved[:3]:
            with st.expander(passage_label(passage)):
                st.markdown(plain(passage.text))
        return
    st.markdown(answer_markdown(answer.answer))
    for citation in answer.citations:
        with st.expander(passage_label(citation.passage, citation.n)):
            st.markdown(f"> {plain(citation.text)}")
            if citation.text.strip() != citation.passage.text.strip():
                st.caption("The whole passage:")
                st.markdown(plain(citation.passage.text))


def history() -> list[Answer]:
    return st.session_state.setdefault(HISTORY, [])


def turns(answers: list[Answer]) -> list[Turn]:
    """The conversation for the next follow-up: each question as it was understood."""
    return [Turn(a.resolved_question or a.question, a.answer) for a in answers]


def ask(question: str) -> Answer | None:
    """The answer, or None after showing why there is none."""
    try:
        with st.spinner("Reading the documents …"):
            return knowledge.ask(settings, question, turns(history()))
    except StoreError as exc:
        st.warning(f"Please ask again: {exc}.")
    except (LLMError, IndexUnavailable, ModelError) as exc:
        st.error(f"The question could not be answered: {exc}")
    return None


title, restart = st.columns([4, 1], vertical_alignment="bottom")
title.title("Ask")
if restart.button("New conversation", disabled=not history()):
    st.session_state[HISTORY] = []
st.caption(
    "Ask about the documents and the network's clusters and organisations. "
    "Answers quote the passages they come from; follow-ups like “and in Tees "
    "Valley?” are read with the question before."
)

for past in history():
    with st.chat_message("user"):
        st.markdown(plain(past.question))
    with st.chat_message("assistant"):
        show_answer(past)

question = st.chat_input("Ask a question")
if question is not None:
    with st.chat_message("user"):
        st.markdown(plain(question[:300]) + (" …" if len(question) > 300 else ""))
    with st.chat_message("assistant"):
        answer = ask(question)
        if answer is not None:
            show_answer(answer)
            history().append(answer)
