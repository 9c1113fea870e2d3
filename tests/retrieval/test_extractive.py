"""The extractive answerer on hand-made passages: where a figure may come from,
and which other sentences may join an answer. A stand-in embedder makes every
sentence equally close to the question, so only the rules under test decide."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from retrieval.extractive import (
    Candidate,
    ExtractiveAnswerer,
    TermWeights,
    answers,
    question_kind,
    recase,
)
from retrieval.passages import Answer, Passage
from retrieval.text import content_words, fts_query, spelling


class SameEverywhere:
    """Every text gets the same unit vector."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 4)) / 2.0


def passage(n: int, document: str, section: str, text: str) -> Passage:
    return Passage(f"{document}-{n}", "document", document, document.title(),
                   section, None, text, similarity=0.6)  # fmt: skip


def ask(question: str, passages: list[Passage]) -> Answer | None:
    frequency: Counter[str] = Counter()
    for p in passages:
        frequency.update(set(content_words(p.text)))
    weights = TermWeights(len(passages), frequency)
    answerer = ExtractiveAnswerer(SameEverywhere())  # type: ignore[arg-type]
    return answerer.answer(question, passages, weights, np.ones(4) / 2.0)


FILLER = [
    passage(9, "other", "Ports", "Harbours handle cargo for shipping lines."),
    passage(10, "other", "Farming", "Farms grow barley and raise sheep."),
]


def test_a_figure_about_another_subject_is_not_an_answer() -> None:
    passages = [
        passage(1, "north", "Morecambe: Wind",
                "Morecambe Wind Hub partners include turbine makers and ports."),
        passage(2, "north", "Hull: Chemicals",
                "Hull chemical firms employ over 8,000 people across the estuary."),
        *FILLER,
    ]  # fmt: skip
    assert ask("How many people does Morecambe Wind Hub employ?", passages) is None


def test_a_figure_later_in_the_same_part_completes_the_answer() -> None:
    passages = [
        passage(1, "north", "Morecambe: Wind",
                "Morecambe Wind Hub partners include turbine makers and ports."),
        passage(2, "north", "Morecambe: Wind › Evolution",
                "Its origins lie in early trials; the hub opened in 2011 with "
                "three partners."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("When did the Morecambe Wind Hub open?", passages)
    assert answer is not None and "2011" in answer.answer


def test_a_figure_said_of_another_named_thing_in_the_part_is_not_an_answer() -> None:
    passages = [
        passage(1, "south", "Dairy",
                "The Milk Lab project at Barony will create a dairy research barn."),
        passage(2, "south", "Dairy › Other projects",
                "Trials of feed additives are under way on four farms. "
                "The Herd Chain project is expected to create 600 jobs."),
        *FILLER,
    ]  # fmt: skip
    asked = "How many jobs is the Milk Lab project at Barony expected to create?"
    assert ask(asked, passages) is None
    asked = "How many jobs is the Herd Chain project expected to create?"
    answer = ask(asked, passages)
    assert answer is not None and "600 jobs" in answer.answer


def test_counts_are_read_with_their_unit_and_shares_are_not_counts() -> None:
    share = [
        passage(1, "north", "Leeds: Digital",
                "In Leeds, 24% of companies in the digital cluster export."),
        *FILLER,
    ]  # fmt: skip
    assert ask("How many firms are in the Leeds digital cluster?", share) is None
    count = [
        passage(1, "north", "Leeds: Digital",
                "The Leeds digital cluster has 1,200 companies."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("How many firms are in the Leeds digital cluster?", count)
    assert answer is not None and "1,200" in answer.answer


def test_another_documents_sentence_joins_only_if_on_the_question() -> None:
    passages = [
        passage(1, "north", "Tyne: Ports",
                "The Tyne Freeport plans new berths and aims to create jobs."),
        passage(2, "south", "Dairy",
                "The dairy project is expected to create 600 jobs in farming."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("What is the Tyne Freeport expected to create?", passages)
    assert answer is not None
    assert "Tyne Freeport" in answer.answer and "dairy" not in answer.answer


def test_a_role_question_needs_a_person_in_the_answer() -> None:
    asked = "Who is the chief executive of the Humber Energy Board?"
    passages = [
        passage(1, "north", "Hull: Energy",
                "The Humber Energy Board created a chief executive post in 2019 "
                "with a grant from the Strength in Places Fund."),
        *FILLER,
    ]  # fmt: skip
    assert ask(asked, passages) is None
    passages[0] = passage(1, "north", "Hull: Energy",
                          "The Humber Energy Board is led by its chief executive "
                          "Dr Asha Patel.")  # fmt: skip
    answer = ask(asked, passages)
    assert answer is not None and "Asha Patel" in answer.answer


def test_a_numbered_list_after_a_colon_sentence_is_quoted_whole() -> None:
    passages = [
        passage(1, "map", "Method",
                "Our approach sets three tests for clusters. We checked that the "
                "groups of firms were: \n  1. Co-located, \n  2. Specialised, "
                "\n  3. Collaborating on funded projects."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("Which tests were set for clusters?", passages)
    assert answer is not None
    for item in ("Co-located", "Specialised", "Collaborating"):
        assert item in answer.answer


def test_a_count_without_a_noun_takes_any_number() -> None:
    passages = [
        passage(1, "map", "Types",
                "Of the mapped clusters, 429 are R&D Collaborating clusters."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("How many count as R&D Collaborating?", passages)
    assert answer is not None and "429" in answer.answer


def test_question_kinds() -> None:
    assert question_kind("What is the total value of the Humber deal?") == "number"
    assert question_kind("How long is the corridor?") == "number"
    assert question_kind("When did it open?") == "time"
    assert question_kind("Who chairs the board?") == "person"
    assert question_kind("What is the budget of the scheme?") == "number"
    assert question_kind("Data from which month and year?") == "time"
    assert question_kind("Where in Lancashire is the hub?") == "place"
    assert question_kind("Why do clusters matter so much?") == "reason"
    assert question_kind("Number of people employed at the park?") == "number"
    assert question_kind("What point in time does the data reflect?") == "time"
    assert question_kind("How up to date is the data?") == "time"
    assert question_kind("Since when has the hub run?") == "time"
    assert question_kind("And when was it founded?") == "time"
    # "when" that doesn't ask for a time
    assert question_kind("What does it mean when it says magic happens?") == "other"
    # a company, a body or a university is asked for by name, as with "who"
    assert question_kind("Which energy company runs the gas hub?") == "person"
    assert question_kind("What organisations fund the scheme?") == "person"
    assert question_kind("Cumbria energy cluster employment numbers") == "number"
    assert question_kind("What rate of tax credit is recommended?") == "number"
    assert question_kind("What did Raytheon pay to buy the firm?") == "number"
    assert question_kind("What target figure was set for investment?") == "number"
    assert question_kind("Which UK region has the most clusters?") == "place"
    assert question_kind("Cheshire Science Corridor length") == "number"
    assert question_kind("What distance separates the two sites?") == "number"
    assert question_kind("What price did Orbit UK pay for the firm?") == "number"
    assert question_kind("What is the population of the city region?") == "number"
    assert question_kind("Tell me the application deadline for the fund") == "time"
    assert question_kind("What period does the strategy cover?") == "time"
    assert question_kind("Which consultancy did the analysis?") == "person"


def test_a_paraphrase_close_in_meaning_passes_only_if_its_names_are_there() -> None:
    text = "The Tyne corridor hosts 300 marine engineering firms."
    best = Candidate(passage(1, "north", "Tyne: Marine", text), 0, 0, text, 0.35)
    asked = "Which subsea companies are based on the Tyne?"
    assert answers(asked, best, similarity=0.7)
    assert not answers(asked, best, similarity=0.5)  # not close enough in meaning
    assert not answers("Which subsea companies are based on the Wear?", best, 0.7)
    weak = Candidate(best.passage, 0, 0, text, 0.2)
    assert not answers(asked, weak, similarity=0.9)  # covers too little


def test_a_role_needs_the_role_said_next_to_the_person() -> None:
    passages = [
        passage(1, "north", "Mersey: Health",
                "The Mersey Innovation Board was set up in 2013. Its partners "
                "include Unilever and Professor Ann Brown's laboratory."),
        *FILLER,
    ]  # fmt: skip
    assert ask("Who chairs the Mersey Innovation Board?", passages) is None
    passages[0] = passage(1, "north", "Mersey: Health",
                          "The Mersey Innovation Board was set up in 2013 and is "
                          "chaired by Professor Ann Brown.")  # fmt: skip
    answer = ask("Who chairs the Mersey Innovation Board?", passages)
    assert answer is not None and "Ann Brown" in answer.answer


def test_a_heading_that_reads_as_a_sentence_can_answer() -> None:
    passages = [
        passage(1, "brief", "Briefing published on 4 May 2019 by Omar Hassan",
                "Cities are where firms cluster, and policy should help them."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("Who wrote the briefing, and when was it published?", passages)
    assert answer is not None
    assert "Omar Hassan" in answer.answer and "2019" in answer.answer
    titled = [passage(1, "brief", "Policy for cities and their firms today",
                      "Cities are where firms cluster, and policy should help them."),
              *FILLER]  # fmt: skip
    assert ask("Who wrote the briefing on cities?", titled) is None


def test_where_is_answered_by_the_sentence_that_names_the_place() -> None:
    passages = [
        passage(1, "north", "Lancashire: Cyber",
                "Lancashire hosts a cyber cluster centred around the Cyber Force "
                "headquarters and BAE Systems. The region brought the Cyber Force "
                "headquarters to Samlesbury in 2021."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("Where in Lancashire is the Cyber Force headquarters?", passages)
    assert answer is not None and "Samlesbury" in answer.answer


def test_a_month_asked_for_needs_a_month() -> None:
    passages = [
        passage(1, "map", "Data",
                "The map is based on data from the business register of 2023."),
        passage(2, "tool", "About",
                "Clusters on the map are based on data available in March 2023."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("The map is based on data from which month?", passages)
    assert answer is not None and "March 2023" in answer.answer
    assert (
        ask("The map is based on data from which month?", passages[:1] + FILLER) is None
    )


def test_who_published_or_wrote_a_document_is_answered_from_its_credit() -> None:
    credited = Passage("brief-1", "document", "brief", "Cities and firms", "Policy",
                       None, "Cities are where firms cluster, and policy should help.",
                       similarity=0.6, credit="published by Centre for Towns on "
                       "4 May 2019, written by Omar Hassan")  # fmt: skip
    answer = ask("Who wrote the briefing on cities and firms?", [credited, *FILLER])
    assert answer is not None and "written by Omar Hassan" in answer.answer
    assert answer.citations[0].passage is credited
    answer = ask("What should policy on cities help?", [credited, *FILLER])
    assert answer is not None and "Omar Hassan" not in answer.answer


def test_an_acronym_meets_its_spelled_out_name_both_ways() -> None:
    passages = [
        passage(1, "map", "Results",
                "The Department for Science, Innovation and Technology counted "
                "3,443 innovation clusters."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("How many innovation clusters did DSIT count?", passages)
    assert answer is not None and "3,443" in answer.answer
    passages[0] = passage(
        1, "map", "Results", "DSIT counted 3,443 innovation clusters."
    )
    asked = "How many clusters did the Department for Science, Innovation and Technology count?"
    answer = ask(asked, passages)
    assert answer is not None and "3,443" in answer.answer
    assert spelling("DSIT", "the Department for Science, Innovation and Technology")
    assert (
        spelling("DCMS", "the Department for Science, Innovation and Technology")
        is None
    )


def test_how_many_of_the_needs_a_number() -> None:
    passages = [
        passage(1, "map", "Results",
                "Many of the innovation clusters on the map are in Scotland."),
        *FILLER,
    ]  # fmt: skip
    assert ask("How many of the innovation clusters are in Scotland?", passages) is None


def test_names_typed_in_lower_case_are_read_as_names() -> None:
    passages = [
        passage(1, "north", "Tees: Chemicals",
                "The Teesside Freeport aims to create jobs. Across the chemicals "
                "sector, 116,000 jobs will be needed to replace retiring staff."),
        *FILLER,
    ]  # fmt: skip
    asked = "how many jobs will teesside freeport create"
    assert recase(asked, passages).endswith("Teesside Freeport create")
    assert ask(asked, passages) is None  # the 116,000 jobs are not the Freeport's
    assert recase("Give me the sector of Teesside", passages).startswith("give me")


def test_a_sum_of_money_is_not_a_count() -> None:
    passages = [
        passage(1, "north", "Leeds: Digital",
                "The Leeds digital cluster grows fast. Digital businesses there "
                "share £45m of funding."),
        *FILLER,
    ]  # fmt: skip
    assert (
        ask("How many digital businesses are in the Leeds cluster?", passages) is None
    )


def test_the_best_sentences_figure_must_be_said_of_what_the_question_names() -> None:
    passages = [
        passage(1, "map", "Results",
                "In total, 3,443 innovation clusters were identified in the UK."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("How many innovation clusters were identified in the UK?", passages)
    assert answer is not None and "3,443" in answer.answer
    assert (
        ask("How many innovation clusters were identified in Wales?", passages) is None
    )


def test_a_number_of_people_a_share_and_a_gva_each_need_their_figure() -> None:
    passages = [
        passage(1, "north", "Park: Science",
                "The science park hosts over 250 businesses and invests 5% of its "
                "GVA in research."),
        *FILLER,
    ]  # fmt: skip
    assert ask("Number of people employed at the science park?", passages) is None
    answer = ask(
        "What share of its GVA does the science park invest in research?", passages
    )
    assert answer is not None and "5%" in answer.answer
    assert ask("What is the total GVA of the science park?", passages) is None
    passages[0] = passage(1, "north", "Park: Science",
                          "The science park adds £1.5 billion of GVA.")  # fmt: skip
    answer = ask("What is the total GVA of the science park?", passages)
    assert answer is not None and "£1.5 billion" in answer.answer


def test_a_sum_in_the_part_said_of_something_else_is_not_an_answer() -> None:
    passages = [
        passage(1, "north", "Leeds: Digital",
                "The Leeds Growth Accelerator pilot supported three AI start-ups "
                "in its first year."),
        passage(2, "north", "Leeds: Digital › Evolution",
                "Leeds boasts a large digital economy, valued at £5 billion."),
        *FILLER,
    ]  # fmt: skip
    asked = "How much funding did the Leeds Growth Accelerator pilot receive?"
    assert ask(asked, passages) is None


def test_an_answer_starting_with_a_pronoun_brings_the_sentence_before() -> None:
    passages = [
        passage(1, "north", "Lancashire: Defence",
                "BAE is an anchor of the defence cluster near Preston. For "
                "instance, it worked with Lancashire Council to open the Wharton "
                "Robotics Centre."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("Who opened the Wharton Robotics Centre?", passages)
    assert answer is not None and "BAE" in answer.answer
    assert answer.answer.index("BAE") < answer.answer.index("it worked")


def test_a_list_introduced_by_a_joining_sentence_comes_with_it() -> None:
    passages = [
        passage(1, "map", "Statement",
                "Statement from the Minister, Jo Bloggs, on the cluster map."),
        passage(2, "map", "Goals",
                "The map supports my three goals for regions: \n  • Raise "
                "private investment. \n  • Pitch propositions to investors. \n  "
                "• Create skilled jobs."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("Summarise Jo Bloggs' goals for the cluster map", passages)
    assert answer is not None
    for item in ("private investment", "propositions", "skilled jobs"):
        assert item in answer.answer


def test_a_sum_naming_the_subject_in_full_in_the_part_answers() -> None:
    passages = [
        passage(1, "south", "Dairy",
                "The Milk Lab project is building a research barn at Barony."),
        passage(2, "south", "Dairy",
                "Regional projects include the £8 million Milk Lab project, "
                "funded by the Borderlands Growth Deal, and other trials."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("Milk Lab at Barony - how much is it worth?", passages)
    assert answer is not None and "£8 million" in answer.answer
    # naming only part of the subject ("Milk") is not enough
    passages[1] = passage(2, "south", "Dairy",
                          "Regional projects include the £8 million Milk Herd "
                          "project, funded by the Borderlands Growth Deal.")  # fmt: skip
    assert ask("Milk Lab at Barony - how much is it worth?", passages) is None


def test_a_mayor_is_a_role_that_needs_a_person() -> None:
    passages = [
        passage(1, "north", "York: Bioeconomy",
                "The new York and Selby combined authority, with BioYorkshire, "
                "will have a mayor who brings research assets together."),
        *FILLER,
    ]  # fmt: skip
    assert ask("Who is the mayor of the York and Selby combined authority?",
               passages) is None  # fmt: skip


def test_a_year_is_no_amount_and_a_funds_size_is_a_sum() -> None:
    passages = [
        passage(1, "north", "Tyne: Space",
                "Leaders built on initial seed funding to grow the Tyne space "
                "cluster. Space Tyne was established in 2014."),
        *FILLER,
    ]  # fmt: skip
    assert ask("How large was the seed funding for the Tyne space cluster?",
               passages) is None  # fmt: skip
    passages[0] = passage(1, "north", "Tyne: Space",
                          "Leaders built on initial seed funding of £2 million to "
                          "grow the Tyne space cluster.")  # fmt: skip
    answer = ask("How large was the seed funding for the Tyne space cluster?",
                 passages)  # fmt: skip
    assert answer is not None and "£2 million" in answer.answer
    # what someone paid is a sum too
    passages[0] = passage(1, "north", "Tyne: Space",
                          "Orbit UK acquired Tyne Sat Ltd, a firm of 40 engineers, "
                          "in 2022.")  # fmt: skip
    assert ask("What did Orbit UK pay to acquire Tyne Sat?", passages) is None


def test_when_will_needs_a_time_after_the_document_was_written() -> None:
    def cyber(text: str) -> list[Passage]:
        found = passage(1, "north", "Lancashire: Cyber", text)
        return [replace(found, credit="published by NP11 in 2024"), *FILLER]

    asked = "When will the Cyber Force base in Lancashire be fully operational?"
    past = cyber("The Cyber Force base came to Lancashire in 2021 and grows.")
    assert ask(asked, past) is None
    future = cyber("The Cyber Force base in Lancashire will be fully operational "
                   "in 2030.")  # fmt: skip
    answer = ask(asked, future)
    assert answer is not None and "2030" in answer.answer


def test_a_measure_asked_for_needs_the_sum_said_to_be_it() -> None:
    passages = [
        passage(1, "north", "Mersey: Health",
                "The Mersey region's health zone was seeded with £160 million of "
                "government funding."),
        *FILLER,
    ]  # fmt: skip
    assert ask("What is the GVA of the Mersey region?", passages) is None
    passages[0] = passage(1, "north", "Mersey: Health",
                          "The Mersey region adds £30 billion of value to the "
                          "economy each year.")  # fmt: skip
    answer = ask("What is the GVA of the Mersey region?", passages)
    assert answer is not None and "£30 billion" in answer.answer


def test_a_number_word_is_searched_for_in_digits_too() -> None:
    assert '"3"' in fts_query("What are the three goals?")


def test_a_sentence_about_a_rival_of_the_named_thing_is_no_answer() -> None:
    passages = [
        passage(1, "north", "Tees: Chemicals",
                "The Tees Freeport, a major investment, aims to create jobs."),
        passage(2, "north", "Mersey: Health",
                "The Mersey Freeport opened for business in January 2023."),
        *FILLER,
    ]  # fmt: skip
    assert ask("When did the Tees Freeport open for business?", passages) is None
    answer = ask("When did the Mersey Freeport open for business?", passages)
    assert answer is not None and "January 2023" in answer.answer


def test_names_joined_by_and_are_not_one_rival_name() -> None:
    passages = [
        passage(1, "north", "Cumbria: Energy",
                "The region hosts the Dalton Cumbrian Facility and Robotics and AI "
                "Collaboration (RAIC), a partnership between Manchester University "
                "and Sellafield Ltd."),
        *FILLER,
    ]  # fmt: skip
    asked = "Who are the partners in Cumbria's Robotics and AI Collaboration?"
    answer = ask(asked, passages)
    assert answer is not None and "Sellafield" in answer.answer
    # a rival named beside another name is still a rival
    passages[0] = passage(1, "north", "Cumbria: Energy",
                          "The Dalton Facility and Nuclear Skills Collaboration is a "
                          "partnership between Manchester University and Sellafield "
                          "Ltd.")  # fmt: skip
    assert ask(asked, passages) is None


def test_a_figure_said_of_the_thing_just_named_answers() -> None:
    passages = [
        passage(1, "scot", "Case Study: Dairy",
                "Led by SRUC from its campus near Dumfries, the Digital Dairy Chain "
                "project will develop a traceable dairy supply chain. With the "
                "region's partners, the project is expected to create more than 600 "
                "jobs."),
        *FILLER,
    ]  # fmt: skip
    asked = (
        "How many jobs is the SRUC-led dairy project in Dumfries expected to create?"
    )
    answer = ask(asked, passages)
    assert answer is not None and "600" in answer.answer
    # the reference back is to a thing the sentence before names, right before it
    from retrieval.extractive import Candidate, refers_back

    lines = [
        "Led by SRUC, the Digital Dairy Chain project will build a supply chain.",
        "The project is expected to create more than 600 jobs.",
        "A creamery in Galloway is expected to create 600 jobs.",
    ]
    p = passage(1, "scot", "Dairy", " ".join(lines))
    best, after, other = (Candidate(p, 0, i, t, 1.0) for i, t in enumerate(lines))
    assert refers_back(after, best)
    assert not refers_back(other, best)  # no reference back
    assert not refers_back(other, after)  # "creamery" is not the project
    assert not refers_back(Candidate(p, 0, 2, lines[1], 1.0), best)  # not next


def test_the_most_asked_needs_a_superlative_or_figures_to_compare() -> None:
    passages = [
        passage(1, "map", "Types",
                "Dispersed clusters are groups of firms that collaborate but are "
                "not co-located in one place."),
        *FILLER,
    ]  # fmt: skip
    asked = "Which single cluster on the map has the most firms?"
    assert ask(asked, passages) is None
    passages[0] = passage(1, "map", "Types",
                          "The largest cluster on the map, in Cambridge, has the "
                          "most firms of any.")  # fmt: skip
    answer = ask(asked, passages)
    assert answer is not None and "Cambridge" in answer.answer
    passages[0] = passage(1, "map", "Types",
                          "The Cambridge cluster on the map has 900 firms and the "
                          "Oxford cluster has 600 firms.")  # fmt: skip
    answer = ask(asked, passages)
    assert answer is not None and "900" in answer.answer


def test_employment_is_counted_in_people_or_jobs() -> None:
    passages = [
        passage(1, "north", "Humber: Energy",
                "The Humber energy cluster has two technical colleges."),
        *FILLER,
    ]  # fmt: skip
    assert ask("Humber energy cluster total employment", passages) is None
    passages[0] = passage(1, "north", "Humber: Energy",
                          "The Humber energy cluster employs 11,000 people.")  # fmt: skip
    answer = ask("Humber energy cluster total employment", passages)
    assert answer is not None and "11,000" in answer.answer


def test_which_region_needs_a_place_in_the_answer() -> None:
    passages = [
        passage(1, "map", "Types",
                "There are 429 R&D Collaborating clusters and 7 Diverse clusters."),
        *FILLER,
    ]  # fmt: skip
    asked = "Which region has the most R&D Collaborating clusters?"
    assert ask(asked, passages) is None
    passages[0] = passage(1, "map", "Types",
                          "Most R&D Collaborating clusters are in the South East, "
                          "429 in all.")  # fmt: skip
    answer = ask(asked, passages)
    assert answer is not None and "South East" in answer.answer


def test_a_place_after_outside_of_is_named() -> None:
    passages = [
        passage(1, "north", "Themes",
                "Firms say that in the UK it is hard to finance big investments, "
                "particularly outside of the Golden Triangle."),
        *FILLER,
    ]  # fmt: skip
    asked = "Outside which area is it hard to finance big investments in the UK?"
    answer = ask(asked, passages)
    assert answer is not None and "Golden Triangle" in answer.answer


def test_an_acronym_spelled_with_an_acronym_inside() -> None:
    assert spelling("UKRI", "funds from UK Research and Innovation") == (
        "UK Research and Innovation"
    )


def test_a_figure_for_another_year_than_asked_is_no_answer() -> None:
    passages = [
        passage(1, "north", "Tyne: Space",
                "The Tyne space cluster had 54 firms earning £113 million in annual "
                "income and employing 1,365 people by 2020."),
        *FILLER,
    ]  # fmt: skip
    assert ask("What was the annual income of the Tyne space cluster in 2023?",
               passages) is None  # fmt: skip
    answer = ask("Tyne space cluster number of employees 2020", passages)
    assert answer is not None and "1,365" in answer.answer


def test_funding_asked_for_needs_a_sum_said_as_funding() -> None:
    passages = [
        passage(1, "north", "Manchester: Digital",
                "Manchester's Investment Zone focuses on advanced materials. "
                "Manchester has the second-largest digital economy, valued at £5 "
                "billion."),
        *FILLER,
    ]  # fmt: skip
    asked = "How much Investment Zone funding was Manchester allocated?"
    assert ask(asked, passages) is None
    passages[0] = passage(1, "north", "Manchester: Digital",
                          "Manchester's Investment Zone was allocated £80 million "
                          "of funding.")  # fmt: skip
    answer = ask(asked, passages)
    assert answer is not None and "£80 million" in answer.answer


def test_a_population_is_counted_in_people() -> None:
    passages = [
        passage(1, "north", "Mersey: Health",
                "The Mersey region hosts nearly 200 SMEs working on drug discovery."),
        *FILLER,
    ]  # fmt: skip
    assert ask("What is the population of the Mersey region?", passages) is None


def test_a_decade_is_a_time() -> None:
    passages = [
        passage(1, "nordic", "Norway",
                "Norway's cluster programme has run since the early 2000s."),
        *FILLER,
    ]  # fmt: skip
    answer = ask("Since when has Norway's cluster programme been running?", passages)
    assert answer is not None and "2000s" in answer.answer


def test_a_documents_credit_answers_only_questions_naming_the_document() -> None:
    report = passage(1, "north-report", "Humber: Energy",
                     "The Humber Energy Plan leads action on decarbonisation.")  # fmt: skip
    credited = replace(report, credit="published by NP11 in 2024", title="North Report")
    passages = [credited, *FILLER]
    assert ask("When was the Humber Energy Plan published?", passages) is None
    answer = ask("When was the NP11 North Report published?", passages)
    assert answer is not None and "2024" in answer.answer


def test_a_figure_needs_the_most_specific_word_of_the_named_thing() -> None:
    passages = [
        passage(1, "north", "Tyne: Energy",
                "The Energy Plan here received £5 million of funding."),
        passage(2, "north", "Humber: Ports",
                "The Humber estuary hosts busy ports and an energy plan."),
        *FILLER,
    ]  # fmt: skip
    asked = "How much funding did the Humber Energy Plan receive?"
    assert ask(asked, passages) is None
    answer = ask("How much funding did the Tyne Energy Plan receive?", passages)
    assert answer is not None and "£5 million" in answer.answer


def test_a_sentence_opening_its_passage_is_read_after_the_passage_before() -> None:
    first = replace(
        passage(1, "north", "Lancashire: Cyber",
                "BAE helped attract the National Cyber Force to Lancashire."),
        ordinal=1,
    )  # fmt: skip
    second = replace(
        passage(2, "north", "Lancashire: Cyber",
                "Cyber partners bid together; the bid is expected to bring £5 "
                "billion to the economy."),
        ordinal=2,
    )  # fmt: skip
    other = passage(3, "other", "Defence",
                    "Cyber security firms grow. The Royal Air Force trains pilots.")  # fmt: skip
    passages = [second, other, *FILLER]
    frequency: Counter[str] = Counter()
    for p in passages:
        frequency.update(set(content_words(p.text)))
    weights = TermWeights(len(passages), frequency)
    asked = "How much is the National Cyber Force bid worth to the economy?"
    alone = ExtractiveAnswerer(SameEverywhere())  # type: ignore[arg-type]
    assert alone.answer(asked, passages, weights, np.ones(4) / 2.0) is None
    reading_back = ExtractiveAnswerer(
        SameEverywhere(),  # type: ignore[arg-type]
        previous=lambda p: first if p.id == second.id else None,
    )
    answer = reading_back.answer(asked, passages, weights, np.ones(4) / 2.0)
    assert answer is not None and "£5 billion" in answer.answer
