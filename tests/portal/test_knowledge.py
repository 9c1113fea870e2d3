"""Documents and questions end to end on the demo corpus: ingest, incremental
re-index, remove, hybrid search with filters, answers with citations, abstention,
follow-ups, batch JSON, and bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from directory import passages as passage_store
from portal import knowledge
from portal.settings import Settings
from portal.workspace import open_store
from retrieval.passages import Turn
from retrieval.search import SearchFilters
from retrieval.text import sentences
from tests.conftest import DEMO_DOCUMENTS as DEMO
from tests.portal.test_cli import run

NP11 = "np11-innovation-clusters-north-of-england"


def index_matches_store(settings: Settings) -> None:
    index = knowledge.vector_index(settings)
    with open_store(settings) as store:
        for source in ("document", "cluster", "organisation"):
            assert index.ids(source) == passage_store.passage_ids(store, source)


def test_ingest_records_metadata_sections_and_matching_index(docs: Settings) -> None:
    with open_store(docs) as store:
        documents = {d["id"]: d for d in store.documents()}
        np11 = passage_store.passages_of(store, "document", NP11)
    assert documents[NP11]["publisher"] == "NP11"
    assert documents[NP11]["chunks"] == len(np11) > 40
    assert any(p["section"] == "Tees Valley: Chemicals" for p in np11)
    index_matches_store(docs)


def test_unchanged_documents_are_skipped_and_changed_ones_reindexed(
    docs: Settings, tmp_path: Path
) -> None:
    again = knowledge.import_documents(docs, [DEMO], "t")
    assert len(again.unchanged) == 5 and again.chunks == 0
    folder = tmp_path / "docs"
    shutil.copytree(DEMO, folder)
    path = folder / f"{NP11}.txt"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n\nPostscript\n\nThe Humber zebra hatchery employs 4,321 keepers.\n",
        encoding="utf-8",
    )
    changed = knowledge.import_documents(docs, [folder], "t")
    assert changed.updated == [NP11] and len(changed.unchanged) == 4
    assert changed.chunks > 0
    found = knowledge.search(docs, "zebra hatchery keepers", 3)
    assert found[0].document == NP11 and "4,321" in found[0].text
    index_matches_store(docs)


def test_removed_document_leaves_search_at_once(docs: Settings) -> None:
    query = "Norway tiered cluster programme Arena"
    assert knowledge.search(docs, query, 1)[0].document.startswith("scotland")
    code, _, err = run(
        docs, "remove", "document", "scotland-national-innovation-strategy-clusters"
    )
    assert code == 0, err
    assert all(
        not p.document.startswith("scotland") for p in knowledge.search(docs, query, 10)
    )
    index_matches_store(docs)
    code, _, err = run(docs, "remove", "document", "no-such-document")
    assert code == 1 and "no document" in err


def test_bad_files_are_reported_and_the_rest_go_in(
    docs: Settings, tmp_path: Path
) -> None:
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "good.md").write_text(
        "# Otters\n\nThe otter cluster in Kendal has 12 firms.\n"
    )
    code, out, err = run(docs, "import", "documents", str(tmp_path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["added"] == ["good"]
    assert sorted(Path(r["file"]).name for r in report["refused"]) == [
        "binary.md", "broken.pdf", "empty.txt",
    ]  # fmt: skip
    assert knowledge.search(docs, "otter cluster Kendal", 1)[0].document == "good"
    code, _, err = run(docs, "import", "documents", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err


def test_a_name_too_long_for_the_file_system_is_refused_not_raised(
    docs: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by fuzzing: is_file() raises OSError (ENAMETOOLONG) for such a name."""
    good = tmp_path / "beavers.md"
    good.write_text("# Beavers\n\nThe beaver cluster in Perth has 14 firms.\n")
    long_name = tmp_path / ("x" * 300 + ".md")
    report = knowledge.import_documents(docs, [long_name, good], "t")
    assert report.added == ["beavers"]
    [refused] = report.refused
    assert "cannot be read (File name too long)" in refused["reason"]
    vanishing = tmp_path / "vanishing.md"
    vanishing.write_text("# Gone\n\nSoon gone.\n")
    listed = knowledge.document_files

    def listed_then_deleted(paths: list[Path]) -> Any:
        found = listed(paths)
        vanishing.unlink()
        return found

    monkeypatch.setattr(knowledge, "document_files", listed_then_deleted)
    report = knowledge.import_documents(docs, [tmp_path], "t")
    assert [Path(r["file"]).name for r in report.refused] == ["vanishing.md"]
    assert "cannot be read (No such file or directory)" in report.refused[0]["reason"]


def test_hybrid_search_filters(docs: Settings) -> None:
    query = "innovation clusters policy"
    only_np11 = knowledge.search(
        docs, query, 10, filters=SearchFilters(publisher="NP11")
    )
    assert only_np11 and {p.document for p in only_np11} == {NP11}
    reports = knowledge.search(
        docs, query, 10, filters=SearchFilters(kind="methodology")
    )
    assert {p.document for p in reports} == {"innovation-clusters-map-about"}
    assert knowledge.search(docs, query, 10, filters=SearchFilters(year=1999)) == []
    code, out, _ = run(
        docs, "search", "Alderley Park AstraZeneca", "--json", "--k", "3"
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3
    assert "Alderley Park" in rows[0]["text"]
    assert set(rows[0]) == {"document", "title", "section", "page", "text", "score"}


def test_answer_cites_the_passage_it_quotes(docs: Settings) -> None:
    answer = knowledge.ask(
        docs,
        "Which EU accreditation scheme will the Scottish Cluster Scheme align with?",
    )
    assert not answer.abstained
    assert "EUCLES" in answer.answer and "[1]" in answer.answer
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert any("EUCLES" in c.text for c in answer.citations)
    for citation in answer.citations:
        for sentence in sentences(citation.text):
            assert sentence in citation.passage.text
    assert len(answer.retrieved) == 10


def test_found_passages_carry_their_documents_credit(docs: Settings) -> None:
    found = knowledge.search(docs, "encourage innovation through clusters", 10)
    briefing = [
        p
        for p in found
        if p.document == "centre-for-cities-innovation-through-clusters"
    ]
    assert briefing, "the briefing is found"
    assert briefing[0].credit == (
        "published by Centre for Cities on 2 August 2017, written by Paul Swinney"
    )
    np11 = [p for p in knowledge.search(docs, "cluster policy in the North", 10)
            if p.document == NP11]  # fmt: skip
    assert np11 and np11[0].credit == "published by NP11 in 2024"


def test_off_topic_questions_are_abstained_on(docs: Settings) -> None:
    for question in (
        "Who won the 1966 football World Cup?",
        "Best recipe for banana bread?",
    ):
        answer = knowledge.ask(docs, question)
        assert answer.abstained and "don't say" in answer.answer
        assert answer.citations == [] and answer.retrieved


def test_a_figure_question_without_the_figure_is_abstained_on(docs: Settings) -> None:
    answer = knowledge.ask(docs, "How many staff does Alderley Park employ?")
    assert answer.abstained


def test_followup_uses_the_conversation(docs: Settings) -> None:
    first = (
        "What is the focal point of the Cheshire and Warrington life sciences cluster?"
    )
    answer = knowledge.ask(docs, first)
    assert "Alderley Park" in answer.answer
    followup = knowledge.ask(
        docs, "And in the North East space cluster?", [Turn(first, answer.answer)]
    )
    assert followup.resolved_question and "North East" in followup.resolved_question
    assert all("North East" in (p.section or "") for p in followup.retrieved[:3])


def test_ask_json_and_batch(docs: Settings, tmp_path: Path) -> None:
    code, out, err = run(
        docs, "ask", "What is the Dairy Nexus project worth?", "--json"
    )
    assert code == 0, err
    answer = json.loads(out)
    assert set(answer) >= {"question", "answer", "abstained", "citations", "retrieved"}
    assert "8 million" in answer["answer"] and not answer["abstained"]
    assert set(answer["citations"][0]) == {
        "n",
        "document",
        "title",
        "section",
        "page",
        "text",
    }
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        '{"question": "What is the capital of Peru?"}\n'
        "not json\n"
        '{"question": "Which company acquired Northern Space and Security Ltd?"}\n'
        '{"question": ""}\n',
        encoding="utf-8",
    )
    code, out, err = run(docs, "ask", "--batch", str(batch), "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 4
    assert lines[0]["abstained"] is True
    assert "error" in lines[1]
    assert "Raytheon" in lines[2]["answer"]
    assert "empty" in lines[3]["error"]


def test_bad_questions_get_clear_messages(docs: Settings) -> None:
    code, _, err = run(docs, "ask", "x" * 5000)
    assert code == 1 and "at most" in err
    code, _, err = run(docs, "ask", "   ")
    assert code == 1 and "empty" in err
    code, _, err = run(docs, "search", "'; DROP TABLE passages; --")
    assert code == 0
    with open_store(docs) as store:
        assert passage_store.passage_ids(store, "document")


def test_search_spells_out_acronyms_as_the_documents_do(docs: Settings) -> None:
    with open_store(docs) as store:
        qa = knowledge.question_answering(docs, store)
        assert qa.searcher.store.spelled_out("DSIT") == (
            "Department for Science Innovation and Technology"
        )
        assert qa.searcher.store.spelled_out("QZX") is None
        assert qa._spelled("Where is AI used?") == "Where is AI used?"  # too short
        assert qa._spelled("Who did DSIT work with?") == (
            "Who did DSIT (Department for Science Innovation and Technology) work with?"
        )
