"""Chunking, text analysis and follow-up resolution: pure functions on real text."""

from __future__ import annotations

from pathlib import Path

import corpus
from corpus.readers import read_document
from retrieval.chunking import (
    SectionText,
    chunk_sections,
    is_table_of_contents,
    qualify_headings,
)
from retrieval.conversation import proper_names, resolve_followup
from retrieval.passages import Turn
from retrieval.text import fts_query, sentences, stem, words

DEMO = Path(corpus.__file__).parent / "demo" / "documents"
NP11 = DEMO / "np11-innovation-clusters-north-of-england.txt"


def np11_chunks(size: int = 800) -> list:  # type: ignore[type-arg]
    read = read_document(NP11, 10_000_000)
    sections = [SectionText(s.heading, s.page, s.text) for s in read.sections]
    return chunk_sections("np11", sections, size, 120)


def test_chunks_keep_sections_and_stay_within_size() -> None:
    chunks = np11_chunks()
    assert all(len(c.text) <= 800 for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)
    gold = [c for c in chunks if "27,000 people" in c.text]
    assert (
        gold and gold[0].section == "South Yorkshire: Metals and Metallurgy › Evolution"
    )


def test_chunk_ids_are_stable_and_follow_content() -> None:
    first, second = np11_chunks(), np11_chunks()
    assert [c.id for c in first] == [c.id for c in second]
    edited = [SectionText("A", None, "One sentence here. Another one.")]
    changed = [SectionText("A", None, "One sentence here. A changed one.")]
    assert chunk_sections("d", edited)[0].id != chunk_sections("d", changed)[0].id


def test_table_of_contents_is_not_indexed() -> None:
    chunks = np11_chunks()
    assert not any(c.section == "Contents" for c in chunks)
    assert is_table_of_contents("Introduction 3\nCase studies 6\nRecommendations 22")
    assert not is_table_of_contents("In 2023 there were 3 clusters.\nThey grew by 5")


def test_repeated_headings_get_their_parent() -> None:
    sections = [
        SectionText("Leeds: Health", None, "a"),
        SectionText("Evolution", None, "b"),
        SectionText("Hull: Energy", None, "c"),
        SectionText("Evolution", None, "d"),
    ]
    headings = [s.heading for s in qualify_headings(sections)]
    assert headings == [
        "Leeds: Health", "Leeds: Health › Evolution", "Hull: Energy", "Hull: Energy › Evolution",
    ]  # fmt: skip


def test_words_stems_and_sentences() -> None:
    assert words("In total, 3,443 clusters; £160m and 59%.") == [
        "in", "total", "3,443", "clusters", "£160m", "and", "59%",
    ]  # fmt: skip
    assert words("Norway's tiers") == ["norway", "tiers"]
    assert stem("clusters") == stem("cluster") == stem("clustering")
    assert stem("partnership") == stem("partners")
    assert stem("create") == stem("created") == stem("creating") == stem("creates")
    assert stem("three") == "3"
    assert stem("economy") == stem("economic") == stem("economics") == stem("economies")
    assert stem("policy") == stem("policies")
    assert stem("technology") == stem("technological") == stem("technologies")
    assert stem("applied") == stem("applies")
    assert stem("Scottish") == stem("Scotland") and stem("Welsh") == stem("Wales")
    assert stem("city") != stem("company")
    assert stem("business") == stem("businesses")
    assert stem("British") == stem("Britain") == stem("UK")
    assert sentences("It grew. By 2020 it had 5 sites.\n• item one") == [
        "It grew.", "By 2020 it had 5 sites.", "• item one",
    ]  # fmt: skip


def test_fts_query_quotes_every_term() -> None:
    query = fts_query('clusters" OR 1=1; DROP TABLE passages; NEAR(a b) *')
    assert all(
        part.startswith('"') and part.endswith('"') for part in query.split(" OR ")
    )
    assert "drop" in query and ";" not in query


def test_followups_take_the_context_of_the_last_question() -> None:
    history = [
        Turn("How many people does the South Yorkshire metals cluster employ?", "")
    ]
    assert resolve_followup("And in Tees Valley?", history) == (
        "How many people does the Tees Valley metals cluster employ?"
    )
    assert resolve_followup("When did it start?", history).endswith(
        "When did it start?"
    )
    assert "South Yorkshire" in resolve_followup("When did it start?", history)
    standalone = "What does the Centre for Cities briefing recommend for local policy?"
    assert resolve_followup(standalone, history) == standalone
    assert resolve_followup("And in Tees Valley?", []) == "And in Tees Valley?"
    # "there" and "that" point back only when the question names nothing itself
    own = "How many firms are there in the Leeds digital cluster?"
    assert resolve_followup(own, history) == own
    assert "South Yorkshire" in resolve_followup("When did that cluster form?", history)


def test_followups_swap_a_whole_phrase_or_the_qualifying_name() -> None:
    history = [Turn("How many firms are in the Leeds digital cluster?", "")]
    assert resolve_followup("And in the Aberdeen energy industry?", history) == (
        "How many firms are in the Aberdeen energy industry?"
    )
    history = [Turn("How many Diverse clusters are there in Scotland?", "")]
    assert resolve_followup("And how many Dispersed ones?", history) == (
        "How many Dispersed clusters are there in Scotland?"
    )


def test_proper_names_include_inner_capitals_not_word_parts() -> None:
    assert [n for _s, _e, n in proper_names("When was iiCON set up in Tees Valley?")] == [
        "iiCON", "Tees Valley",
    ]  # fmt: skip
