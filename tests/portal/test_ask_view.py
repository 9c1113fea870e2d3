"""The Ask page on the demo workspace: answers with citation expanders, follow-ups
read with the conversation, abstentions, bad questions and failing backends."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portal import knowledge
from portal.settings import Settings
from retrieval.generative import LLMError
from retrieval.index import IndexUnavailable

PAGE = "views/ask.py"
CHESHIRE = (
    "What is the focal point of the Cheshire and Warrington life sciences cluster?"
)
NP11_TITLE = "Innovation Clusters in the North of England"


def ask(at: AppTest, question: str) -> AppTest:
    return at.chat_input[0].set_value(question).run()


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def citation_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander if e.label.startswith("\\[")]


@pytest.fixture
def page(demo: Settings, open_app) -> AppTest:
    at = open_app(demo)("official", page=PAGE)
    assert not at.exception
    return at


def test_an_answer_shows_its_text_and_citations(page: AppTest) -> None:
    ask(page, CHESHIRE)
    assert not page.exception
    assert [m.name for m in page.chat_message] == ["user", "assistant"]
    assert "Alderley Park" in markdown(page)
    assert "**\\[1\\]**" in markdown(page)  # the marker, formatted, not escaped away
    labels = citation_labels(page)
    assert labels and labels[0].startswith(f"\\[1\\] {NP11_TITLE} — Cheshire")
    cited = page.expander[0].markdown[0].value
    assert cited.startswith("> ") and "Alderley Park" in cited
    assert len(page.session_state["ask_history"]) == 1


def test_a_followup_is_read_with_the_conversation(page: AppTest) -> None:
    ask(page, CHESHIRE)
    ask(page, "And in the North East space cluster?")
    assert not page.exception
    assert len(page.chat_message) == 4  # both exchanges stay on screen
    read_as = [c.value for c in page.caption if c.value.startswith("Read as:")]
    assert read_as and "North East space cluster" in read_as[-1]
    assert "focal point" in read_as[-1]
    answers = page.session_state["ask_history"]
    assert "North East" in (answers[-1].retrieved[0].section or "")

    new = next(b for b in page.button if b.label == "New conversation")
    new.click().run()
    assert page.session_state["ask_history"] == []
    assert not page.chat_message


def test_a_second_followup_builds_on_the_first(page: AppTest) -> None:
    ask(page, CHESHIRE)
    ask(page, "And in the North East space cluster?")
    ask(page, "And in Tees Valley?")
    assert not page.exception
    read_as = [c.value for c in page.caption if c.value.startswith("Read as:")]
    assert "Tees Valley" in read_as[-1] and "focal point" in read_as[-1]


def test_an_off_topic_question_is_abstained_on(page: AppTest) -> None:
    ask(page, "Who won the 1966 football World Cup?")
    assert not page.exception
    assert any("don't say" in i.value for i in page.info)
    assert not citation_labels(page)
    closest = [e.label for e in page.expander]
    assert closest and len(closest) <= 3  # the closest passages, to look at


@pytest.mark.parametrize(
    ("question", "message"),
    [("   ", "the question is empty"), ("x" * 3000, "at most 2,000")],
)
def test_an_empty_or_too_long_question_gets_a_message(
    page: AppTest, question: str, message: str
) -> None:
    ask(page, question)
    assert not page.exception
    assert any(message in w.value for w in page.warning)
    assert page.session_state["ask_history"] == []


def test_question_text_is_shown_literally(page: AppTest) -> None:
    ask(page, "<script>alert(1)</script> **Alderley Park**?")
    assert not page.exception
    assert "\\<script\\>" in markdown(page)
    assert "<script>" not in markdown(page)


@pytest.mark.parametrize(
    "error",
    [LLMError("the LLM server at http://x timed out"), IndexUnavailable("no index")],
)
def test_a_failing_backend_is_an_error_not_a_traceback(
    page: AppTest, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(knowledge, "ask", failing)
    ask(page, CHESHIRE)
    assert not page.exception
    assert any(str(error) in e.value for e in page.error)
    assert page.session_state["ask_history"] == []
