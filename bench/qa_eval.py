"""Evaluate retrieval and the default (extractive) answerer on the demo corpus.

Reports, per question file: recall@5 of the gold passage (its heading or text holds
the gold string), answer accuracy (every
expected fact in the answer), abstention on unanswerable questions, false
abstentions on answerable ones, and median / p95 answer latency (warm). Then the
indexing figures: the whole demo corpus indexed by the CLI in a fresh process
(model load included), and the index's throughput against the raw model's encode
throughput on the same chunks. Run: make bench, or
python bench/qa_eval.py [--misses] [--questions-only] [FILE ...]

Question files: JSONL with question, answerable, expect_all_of_any,
gold_passage_contains; follow-up files have "turns" instead of "question".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from corpus.readers import read_document  # noqa: E402
from portal import knowledge  # noqa: E402
from portal.settings import load_settings  # noqa: E402
from retrieval.chunking import SectionText, chunk_sections  # noqa: E402
from retrieval.passages import Turn  # noqa: E402

DEMO = REPO / "corpus" / "demo" / "documents"
DEFAULT_FILES = [
    REPO / "../shared/eval/qa_dev.jsonl",
    REPO / "bench/qa_holdout.jsonl",
    REPO / "bench/qa_followups.jsonl",
    REPO / "bench/qa_fresh.jsonl",
    REPO / "bench/qa_unseen.jsonl",
    REPO / "bench/qa_unseen2.jsonl",
    REPO / "bench/qa_unseen3.jsonl",
    REPO / "bench/qa_unseen4.jsonl",
    *(REPO / f"bench/qa_unseen{i}.jsonl" for i in range(5, 14)),
]


def correct(answer: str, expected: list[list[str]]) -> bool:
    text = answer.lower()
    return all(
        any(v.lower() in text for v in alternatives) for alternatives in expected
    )


def evaluate(settings, path: Path, show_misses: bool) -> dict:  # type: ignore[no-untyped-def]
    rows = [
        json.loads(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    hits = right = false_abstentions = abstained = 0
    latency = []
    for row in rows:
        turns = [t["question"] for t in row.get("turns", [])] or [row["question"]]
        history: list[Turn] = []
        for question in turns:
            started = time.perf_counter()
            answer = knowledge.ask(settings, question, history)
            latency.append(time.perf_counter() - started)
            history.append(Turn(answer.resolved_question or question, answer.answer))
        if row["answerable"]:
            gold = row["gold_passage_contains"]
            # a passage is its heading and its text: a plain-text line such as
            # "Briefing published on 2 August 2017 by Paul Swinney" is read as
            # the heading of the text under it, and is cited with it
            hit = any(
                gold in f"{p.section or ''}\n{p.text}" for p in answer.retrieved[:5]
            )
            ok = not answer.abstained and correct(
                answer.answer, row["expect_all_of_any"]
            )
            hits += hit
            right += ok
            false_abstentions += answer.abstained
            if show_misses and not hit:
                print(f"  not in top 5 {row['id']}: {turns[-1]} | {gold}")
            if show_misses and not ok:
                print(f"  miss {row['id']}: {turns[-1]} -> {answer.answer[:160]}")
        else:
            abstained += answer.abstained
            if show_misses and not answer.abstained:
                print(f"  answered {row['id']}: {turns[-1]} -> {answer.answer[:160]}")
    ms = sorted(x * 1000 for x in latency)
    return {
        "file": path.name,
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "recall@5": hits / len(answerable) if answerable else None,
        "answer_accuracy": right / len(answerable) if answerable else None,
        "abstained_unanswerable": abstained / len(unanswerable)
        if unanswerable
        else None,
        "false_abstentions": false_abstentions / len(answerable)
        if answerable
        else None,
        "median_ms": statistics.median(ms),
        "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
    }


def cold_index_seconds() -> float:
    """The CLI indexing the demo corpus in a fresh process and workspace."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "portal.cli", "--workspace", f"{folder}/ws",
             "import", "documents", str(DEMO)],
            check=True, capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )  # fmt: skip
        return time.perf_counter() - started


def throughput() -> dict:
    """Chunks per second: the whole ingest (warm model) against raw encoding."""
    settings = load_settings(workspace=Path(tempfile.mkdtemp()) / "ws")
    model = knowledge.embedder(settings)
    model.encode(["warm up"])
    texts = []
    for path in sorted(DEMO.glob("*.txt")):
        read = read_document(path, 10_000_000)
        sections = [SectionText(s.heading, s.page, s.text) for s in read.sections]
        texts += [
            c.embedding_text(path.stem) for c in chunk_sections(path.stem, sections)
        ]
    encode, ingest = [], []
    for run in range(3):
        started = time.perf_counter()
        model.encode(texts)
        encode.append(time.perf_counter() - started)
        fresh = load_settings(workspace=Path(tempfile.mkdtemp()) / f"ws{run}")
        started = time.perf_counter()
        report = knowledge.import_documents(fresh, [DEMO], "bench")
        ingest.append(time.perf_counter() - started)
    raw = len(texts) / statistics.median(encode)
    indexed = report.chunks / statistics.median(ingest)
    return {"chunks": report.chunks, "encode_chunks_per_s": raw,
            "index_chunks_per_s": indexed, "overhead": raw / indexed - 1}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "files", nargs="*", type=Path,
        help="question files (default: the sample and our own sets)",
    )  # fmt: skip
    parser.add_argument(
        "--misses", action="store_true",
        help="print each missed question with the answer given",
    )  # fmt: skip
    parser.add_argument(
        "--questions-only", action="store_true",
        help="skip the indexing timings (about 2 minutes)",
    )  # fmt: skip
    args = parser.parse_args()
    missing = [f for f in args.files if not f.is_file()]
    if missing:
        parser.error(f"no such question file: {missing[0]}")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    files = args.files or [f for f in DEFAULT_FILES if f.exists()]
    if not args.questions_only:
        cold = [cold_index_seconds() for _ in range(3)]
        print(f"demo corpus indexed by the CLI, fresh process (model load included): "
              f"median {statistics.median(cold):.1f} s of {[round(c, 1) for c in cold]}")  # fmt: skip
        rates = throughput()
        print(f"{rates['chunks']} chunks: raw encode {rates['encode_chunks_per_s']:.0f} chunks/s, "
              f"whole ingest {rates['index_chunks_per_s']:.0f} chunks/s, "
              f"overhead {rates['overhead']:.0%} (median of 3)")  # fmt: skip
    settings = load_settings(workspace=Path(tempfile.mkdtemp()) / "ws")
    knowledge.import_documents(settings, [DEMO], "bench")
    knowledge.ask(settings, "warm up question about clusters")
    print("| questions | answerable | unanswerable | recall@5 | answer accuracy "
          "| unanswerable abstained | false abstentions | median ms | p95 ms |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = [evaluate(settings, f, args.misses) for f in files]
    for r in results:

        def pct(v: float | None) -> str:
            return "—" if v is None else f"{v:.2f}"

        print(f"| {r['file']} | {r['answerable']} | {r['unanswerable']} | {pct(r['recall@5'])} "
              f"| {pct(r['answer_accuracy'])} | {pct(r['abstained_unanswerable'])} "
              f"| {pct(r['false_abstentions'])} | {r['median_ms']:.0f} | {r['p95_ms']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
