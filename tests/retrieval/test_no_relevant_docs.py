"""A question no article answers escalates with `no_relevant_docs`; one the help centre answers does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from producer.enqueue import Enqueuer, parse_ticket
from producer.services import Workers
from tests.conftest import wait_for_results
from worker.escalate import NO_DOCS, Context, policy_from
from worker.models import Classification, Ticket, TicketResult
from worker.pipeline import do_escalate, do_retrieve
from worker.retrieval.sources import load_articles
from worker.retrieve import Retriever
from worker.settings import load_settings

HELP = Path(__file__).resolve().parents[2] / "corpus" / "help"
UNANSWERED = "Do you have a built-in video conferencing tool for our team meetings?"
ANSWERED = "How do I turn on two-factor authentication with an authenticator app?"


def _decide(message: str, retriever: Retriever) -> list[str]:
    state = TicketResult(ticket=Ticket(id="t", message=message), classification=Classification(intent="faq"))
    state = do_retrieve(state, retriever, k=3)
    state = do_escalate(state, policy_from(load_settings()), Context())
    assert state.decision is not None
    return state.decision.reasons


def test_the_default_threshold_escalates_a_question_without_an_article_and_answers_one_with() -> None:
    retriever = Retriever.from_articles(load_articles(HELP))
    assert NO_DOCS in _decide(UNANSWERED, retriever)
    assert NO_DOCS not in _decide(ANSWERED, retriever)


@pytest.mark.integration
def test_real_workers_escalate_a_question_no_article_answers(r: redis.Redis, use_env: dict[str, str], start_workers: Callable[..., Workers]) -> None:
    # given a worker serving the help centre with the default threshold
    start_workers(n=1, concurrency=2)
    enq = Enqueuer(r, load_settings())
    # when a question the help centre does not cover and one it covers come in
    enq.enqueue(parse_ticket({"id": "none", "customer_id": "c1", "message": UNANSWERED}))
    enq.enqueue(parse_ticket({"id": "some", "customer_id": "c2", "message": ANSWERED}))
    results = {res["ticket"]["id"]: res for res in wait_for_results(r, 2, timeout=90)}
    # then the first is escalated for want of a relevant article, the second is not
    assert results["none"]["decision"]["action"] == "escalate"
    assert NO_DOCS in results["none"]["decision"]["reasons"]
    assert NO_DOCS not in results["some"]["decision"]["reasons"]
    assert results["some"]["chunks"][0]["doc_id"] == "two-factor-authentication"
    assert 0.0 <= results["none"]["chunks"][0]["score"] < results["some"]["chunks"][0]["score"] <= 1.0
