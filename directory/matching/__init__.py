"""Peer matching: suggest collaborators for an organisation or a need, explain each
suggestion signal by signal, with weights learned from the collaboration network."""

from directory.matching.features import FEATURES, SIGNALS, Query, query_for
from directory.matching.graph import MatchingGraph
from directory.matching.model import MatchModel, NotEnoughCollaborations, learn_model
from directory.matching.need import Need, read_need
from directory.matching.ranking import Filters, MatchError, Suggestion, rank, suggest

__all__ = [
    "FEATURES", "SIGNALS", "Filters", "MatchError", "MatchModel", "MatchingGraph",
    "Need", "NotEnoughCollaborations", "Query", "Suggestion", "learn_model", "query_for",
    "rank", "read_need", "suggest",
]  # fmt: skip
