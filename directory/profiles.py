"""Profile passages: what search and the chatbot know about each cluster and
organisation, written from the store's records (refreshed by every build)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from directory.store import DirectoryStore

MAX_PARTNERS_NAMED = 5


def _passage(
    source: str, record_id: str, title: str, section: str, text: str
) -> dict[str, Any]:
    digest = hashlib.sha1(f"{title}\x1f{section}\x1f{text}".encode()).hexdigest()[:12]
    return {
        "id": f"{source}:{record_id}#{digest}",
        "source": source,
        "document_id": record_id,
        "ordinal": 0,
        "title": title,
        "section": section,
        "page": None,
        "text": text,
    }


def cluster_profiles(store: DirectoryStore) -> list[dict[str, Any]]:
    """One passage per cluster: its generated summary, under its name and type."""
    rows = store.query("SELECT id, name, type, size, summary FROM clusters ORDER BY id")
    return [
        _passage(
            "cluster",
            row["id"],
            row["name"],
            f"{row['type']} cluster, {row['size']} members",
            row["summary"] or row["name"],
        )
        for row in rows
    ]


def organisation_profiles(store: DirectoryStore) -> list[dict[str, Any]]:
    """One passage per organisation: kind, place, sectors, description, what it
    collaborates on and with whom, and its clusters."""
    partners = _partners(store)
    clusters = _clusters(store)
    passages = []
    for row in store.query(
        "SELECT id, name, kind, region, country, sectors, description, tags"
        " FROM organisations ORDER BY id"
    ):
        place = ", ".join(p for p in (row["region"], row["country"]) if p)
        sectors = json.loads(row["sectors"] or "[]")
        tags = json.loads(row["tags"] or "[]")
        lines = [
            f"{row['name']} is a {row['kind']}" + (f" in {place}." if place else ".")
        ]
        if sectors:
            lines.append("Sectors: " + ", ".join(sectors) + ".")
        if tags:
            lines.append("Tags: " + ", ".join(tags) + ".")
        if row["description"]:
            lines.append(str(row["description"]))
        count, topics, names = partners.get(row["id"], (0, [], []))
        if count:
            lines.append(
                f"Collaborates with {count} organisations"
                + (f" on {', '.join(topics)}" if topics else "")
                + f", including {', '.join(names)}."
            )
        if row["id"] in clusters:
            lines.append(
                "Member of the clusters " + "; ".join(clusters[row["id"]]) + "."
            )
        passages.append(
            _passage(
                "organisation",
                row["id"],
                row["name"],
                place or row["kind"],
                " ".join(lines),
            )
        )
    return passages


def _partners(store: DirectoryStore) -> dict[str, tuple[int, list[str], list[str]]]:
    rows = store.query(
        """
        SELECT side.org AS org, o.name AS partner, SUM(side.weight) AS weight,
               group_concat(DISTINCT NULLIF(side.topic, '')) AS topics
        FROM (SELECT org_a AS org, org_b AS other, weight, topic FROM collaborations
              UNION ALL
              SELECT org_b, org_a, weight, topic FROM collaborations) side
        JOIN organisations o ON o.id = side.other
        GROUP BY side.org, side.other
        ORDER BY side.org, weight DESC, o.name
        """
    )
    found: dict[str, tuple[int, list[str], list[str]]] = {}
    for row in rows:
        count, topics, names = found.get(row["org"], (0, [], []))
        for topic in (row["topics"] or "").split(","):
            if topic and topic not in topics:
                topics.append(topic)
        if len(names) < MAX_PARTNERS_NAMED:
            names.append(row["partner"])
        found[row["org"]] = (count + 1, topics, names)
    return found


def _clusters(store: DirectoryStore) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in store.query(
        "SELECT m.organisation_id, c.name FROM cluster_members m"
        " JOIN clusters c ON c.id = m.cluster_id ORDER BY c.size DESC"
    ):
        found.setdefault(row["organisation_id"], []).append(row["name"])
    return found
