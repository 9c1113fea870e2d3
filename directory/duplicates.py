"""Suggested duplicate organisations for a facilitator to merge: same name once legal
suffixes are dropped, same words in another order, the same website, or nearly the
same name — compared within small sorted blocks, never all pairs."""

from __future__ import annotations

from collections.abc import Mapping
from difflib import SequenceMatcher
from typing import Any

from corpus.names import normalise_name
from directory.curation import dependants
from directory.store import DirectoryStore

SIMILAR_NAMES = 0.9  # difflib ratio of normalised names
_MAX_GROUP = 8  # a website shared by more is a platform or a parent, not a duplicate
_WINDOW = 6  # how many following names each is compared with, in a sorted block
_GENERIC_DOMAINS = frozenset({
    "facebook.com", "linkedin.com", "twitter.com", "x.com", "instagram.com",
    "google.com", "wordpress.com", "wixsite.com", "gov.uk", "blogspot.com",
    "github.io", "squarespace.com", "nhs.uk", "ac.uk",
})  # fmt: skip


def duplicate_candidates(
    store: DirectoryStore, limit: int = 50
) -> list[dict[str, Any]]:
    """Pairs of organisations that may be one, best first, each with its reasons and
    a score: the same normalised name or the same words, the same website domain, or
    very similar names (compared within blocks sharing a first or last word). Pairs
    whose company numbers differ are different companies and never suggested."""
    rows = store.query(
        "SELECT rowid AS n, id, name, website, company_number FROM organisations"
    )
    for row in rows:
        row["key"] = normalise_name(row["name"])
        row["domain"] = website_domain(row["website"])
    found: dict[tuple[int, int], dict[str, Any]] = {}

    def add(pair: tuple[dict[str, Any], dict[str, Any]], reason: str, score: float):
        a, b = sorted(pair, key=lambda r: r["n"])
        if a["company_number"] and b["company_number"]:
            return
        entry = found.setdefault((a["n"], b["n"]), {"a": a, "b": b, "reasons": []})
        entry["reasons"].append(reason)
        entry["score"] = max(entry.get("score", 0.0), score)

    for pair in _pairs_in_groups(rows, lambda r: r["key"]):
        add(pair, "same name once case, punctuation, Ltd/Limited/PLC/LLP and 'The' "
            "are ignored", 1.0)  # fmt: skip
    for pair in _pairs_in_groups(rows, _sorted_words):
        if pair[0]["key"] != pair[1]["key"]:
            add(pair, "the same words in another order", 0.95)
    for pair in _pairs_in_groups(rows, lambda r: r["domain"]):
        add(pair, f"same website domain {pair[0]['domain']}", 0.9)
    for pair, ratio in _similar_names(rows):
        add(pair, f"very similar names ({ratio:.0%} alike)", round(ratio, 3))
    ranked = sorted(
        found.values(), key=lambda e: (-e["score"], e["a"]["name"], e["b"]["name"])
    )[:limit]
    return [_candidate(store, entry) for entry in ranked]


def website_domain(website: str | None) -> str | None:
    """The host of a website address without www., or None for no or a generic one."""
    text = (website or "").strip().lower()
    host = text.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].removeprefix("www.").strip(".")
    if "." not in host or host in _GENERIC_DOMAINS:
        return None
    return host


def _sorted_words(row: Mapping[str, Any]) -> str | None:
    words = row["key"].split()
    return " ".join(sorted(words)) if len(words) > 1 else None


def _pairs_in_groups(
    rows: list[dict[str, Any]], key: Any
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every pair of rows sharing a key (None and empty keys never match); groups
    larger than _MAX_GROUP are skipped as too common to mean one organisation."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if value := key(row):
            groups.setdefault(value, []).append(row)
    return [
        (group[i], group[j])
        for group in groups.values()
        if 1 < len(group) <= _MAX_GROUP
        for i in range(len(group))
        for j in range(i + 1, len(group))
    ]


def _similar_names(
    rows: list[dict[str, Any]],
) -> list[tuple[tuple[dict[str, Any], dict[str, Any]], float]]:
    """Pairs with different but very similar normalised names, compared only within
    blocks of names sharing their first or last word (never all pairs)."""
    blocks: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        words = row["key"].split()
        if words:
            blocks.setdefault("first:" + words[0], []).append(row)
            blocks.setdefault("last:" + words[-1], []).append(row)
    seen: set[tuple[int, int]] = set()
    similar = []
    for block in blocks.values():
        block.sort(key=lambda r: r["key"])
        for i, a in enumerate(block):
            for b in block[i + 1 : i + 1 + _WINDOW]:
                pair_key = (min(a["n"], b["n"]), max(a["n"], b["n"]))
                if a["key"] == b["key"] or pair_key in seen:
                    continue
                seen.add(pair_key)
                ratio = _name_ratio(a["key"], b["key"])
                if ratio >= SIMILAR_NAMES:
                    similar.append(((a, b), ratio))
    return similar


def _name_ratio(a: str, b: str) -> float:
    """difflib's similarity ratio (0 below the threshold), cheap bounds first."""
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < SIMILAR_NAMES:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return 0.0 if matcher.quick_ratio() < SIMILAR_NAMES else matcher.ratio()


def _candidate(store: DirectoryStore, entry: dict[str, Any]) -> dict[str, Any]:
    """A suggested pair as shown to a facilitator; keep the better-linked one."""
    a, b = (
        {"id": r["id"], "name": r["name"],
         "collaborations": dependants(store, r["id"])["collaborations"]}
        for r in (entry["a"], entry["b"])
    )  # fmt: skip
    keep = b if b["collaborations"] > a["collaborations"] else a
    return {"a": a, "b": b, "reasons": entry["reasons"], "score": entry["score"],
            "suggested_keep": keep["id"]}  # fmt: skip
