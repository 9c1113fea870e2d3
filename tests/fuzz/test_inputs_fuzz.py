"""Fuzzing what people type and what they download: directory and document search,
questions and needs (any text, 1 MB of it, SQL and FTS syntax, control characters),
formulas and markup in fields (stored as text, exported neutralised, shown escaped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from streamlit.testing.v1 import AppTest

from directory.matching import MatchError
from directory.store import StoreError
from portal import knowledge, matching, services
from portal.settings import Settings
from portal.ui import get_settings
from tests.fuzz import strategies as fuzz
from tests.fuzz.properties import (
    check_ask,
    check_clusters_csv,
    check_document_search,
    check_exports,
    check_match_need,
    check_match_organisation,
    check_search_organisations,
    cluster_rows,
    export_rows,
    table_counts,
)

APP = str(Path(__file__).parents[2] / "portal" / "app.py")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(text=fuzz.query_text)
def test_directory_search_takes_any_text(
    indexed_workspace: Settings, text: str
) -> None:
    check_search_organisations(indexed_workspace, text)


@FUZZ
@given(text=fuzz.query_text)
def test_document_search_takes_any_text(indexed_workspace: Settings, text: str) -> None:
    check_document_search(indexed_workspace, text)


@settings(FUZZ, max_examples=25)
@given(text=fuzz.query_text)
def test_any_question_is_answered_or_refused(
    indexed_workspace: Settings, text: str
) -> None:
    check_ask(indexed_workspace, text)


@FUZZ
@given(text=fuzz.query_text)
def test_any_need_gets_suggestions_or_a_clear_error(
    indexed_workspace: Settings, text: str
) -> None:
    check_match_need(indexed_workspace, text)


@FUZZ
@given(text=fuzz.organisation_name)
def test_any_organisation_name_is_matched_or_refused_clearly(
    indexed_workspace: Settings, text: str
) -> None:
    check_match_organisation(indexed_workspace, text)


@settings(FUZZ, max_examples=25)
@given(rows=export_rows)
def test_formulas_are_stored_as_text_and_exported_neutralised(
    imports_workspace: Settings, rows: list[dict[str, str]]
) -> None:
    check_exports(imports_workspace, rows)


@FUZZ
@given(rows=cluster_rows)
def test_cluster_table_download_neutralises_formulas(
    rows: list[dict[str, object]],
) -> None:
    check_clusters_csv(rows)


# --- the cases the issue names, each run every time --------------------------------

MEGABYTE = "graphene " * 111_112  # a 1 MB question or need


@pytest.mark.parametrize(
    ("ask", "error", "message"),
    [
        (knowledge.ask, StoreError, "at most 2,000 are accepted"),
        (knowledge.search, StoreError, "at most 2,000 are accepted"),
        (matching.match_need, MatchError, "a need is at most 2,000 characters"),
        (matching.match_organisation, MatchError, "name is longer than 300"),
        (services.search_organisations, StoreError, "at most 500 characters"),
    ],
)
def test_a_megabyte_of_text_is_refused_with_the_limit(
    indexed_workspace: Settings, ask: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        ask(indexed_workspace, MEGABYTE)  # type: ignore[operator]


@pytest.mark.parametrize(
    "text", ["", "   \n\t ", "\x00\x00", "\x1b\x07\x08", "\x7f\x9b"]
)
def test_empty_blank_or_control_questions_are_refused(
    indexed_workspace: Settings, text: str
) -> None:
    with pytest.raises(StoreError, match="the question is empty"):
        knowledge.ask(indexed_workspace, text)
    with pytest.raises(StoreError, match="the question is empty"):
        knowledge.search(indexed_workspace, text)


def test_sql_and_fts_syntax_in_search_text_is_just_words(
    indexed_workspace: Settings,
) -> None:
    before = table_counts(indexed_workspace)
    glasgow = {
        o["id"] for o in services.search_organisations(indexed_workspace, "glasgow")
    }
    assert glasgow
    for text in (
        "glasgow'; DROP TABLE organisations; --",
        'glasgow" OR 1=1 --',
        "glasgow NEAR(a b) OR x*",
        "glasgow) AND (",
    ):
        found = services.search_organisations(indexed_workspace, text)
        assert {o["id"] for o in found} <= glasgow  # the words, all of them, no more
        knowledge.search(indexed_workspace, text)
    assert table_counts(indexed_workspace) == before


def test_markup_in_a_description_is_shown_as_text(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    description = (
        "<script>alert('x')</script> **Bold** [click](javascript:alert(1)) "
        '<img src=x onerror=alert(1)> =HYPERLINK("http://evil.example")'
    )
    members = tmp_path / "members.csv"
    members.write_text(
        "name,description\n"
        f'"<b>Markup</b> **Labs** Ltd","{description.replace(chr(34), chr(34) * 2)}"\n'
    )
    services.import_file(settings, "organisations", members, "test")
    monkeypatch.setenv("CLUSTER_PORTAL_WORKSPACE", str(settings.workspace))
    get_settings.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/organisations.py").run()
    at.text_input[0].input("markup labs")
    at.button[0].click().run()
    assert not at.exception
    assert at.header[0].value == "\\<b\\>Markup\\</b\\> \\*\\*Labs\\*\\* Ltd"
    assert description in [t.value for t in at.text]
    for markdown in at.markdown:
        assert "<script>" not in markdown.value
        assert "](javascript:" not in markdown.value


def test_a_need_with_terminal_escapes_is_echoed_without_them(
    indexed_workspace: Settings,
) -> None:
    found = matching.match_need(
        indexed_workspace, "\x1b[31mgraphene\x00 partner\x9b near Leeds", k=3
    )
    assert found["query"] == "[31mgraphene  partner  near Leeds"
    assert found["understood"]["near"] == "Leeds"
