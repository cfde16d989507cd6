"""Retrieve stage: the help-centre sections most likely to answer a ticket.

The stage detects the customer's language, cleans the ticket into a query and asks the process's
Retriever (worker/retrieval/retriever.py), which serves the hybrid index.
"""

from __future__ import annotations

from worker import clock
from worker.models import Chunk, Classification, Ticket, TicketResult
from worker.retrieval.language import language_of
from worker.retrieval.retriever import Retriever
from worker.stages.escalate import skips_to_human
from worker.text import clean


def retrieve(ticket: Ticket, classification: Classification, retriever: Retriever, k: int = 3) -> list[Chunk]:
    """Query the help centre, in the customer's language where it has articles in it.

    A ticket in a language the help centre lacks is also searched by the topic a model provider's
    classifier named (a few English words: the query translated at no extra call), fused with the
    customer's own words; the local classifier names no topic, so offline nothing changes.
    """
    query = " ".join(clean(ticket.text).split())
    language = language_of(query, ticket.language)
    main = retriever.searcher.main_language
    if language and language != main and language not in retriever.index.languages and classification.topic.strip():
        return retriever.search_fused([(query, language), (classification.topic, main)], k=k)
    return retriever.search(query, k=k, language=language)


def do_retrieve(state: TicketResult, retriever: Retriever, k: int) -> TicketResult:
    """The stage on a ticket's state (nothing for hard escalations)."""
    if skips_to_human(state):
        return state
    assert state.classification is not None
    t0 = clock.monotonic()
    state.chunks = retrieve(state.ticket, state.classification, retriever, k)
    state.index_version = retriever.version
    state.timings["retrieve"] = round(clock.monotonic() - t0, 6)
    return state
