"""The product away from its own corpus: two hand-written help centres of other domains, their tickets,
and questions none of them answers (tests/data/foreign/). Floors sit a little under what the local
default measures (see the figures in each test), so a change that makes answers worse fails here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.evaluate import Outcome, load_labelled, metrics, run_eval
from worker.providers import local_classifier as lc
from worker.providers.local import LocalProvider
from worker.replies.frames import FRAMES
from worker.retrieval.language import detect
from worker.retrieval.sources import load_articles
from worker.settings import Settings
from worker.stages.escalate import hard_reasons, policy_from
from worker.stages.retrieve import Retriever

FOREIGN = Path(__file__).resolve().parents[1] / "data" / "foreign"
OUT_OF_SCOPE = FOREIGN / "out_of_scope.jsonl"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalProvider]:
    yield LocalProvider(lc.load_or_train(tmp_path_factory.mktemp("models")))


def _run(provider: LocalProvider, tickets: Path, help_centre: Path, *, out_of_scope: bool = False) -> list[Outcome]:
    settings = Settings()
    retriever = Retriever.from_articles(load_articles(help_centre))
    rows = load_labelled(tickets, out_of_scope=out_of_scope)
    return run_eval(rows, provider=provider, retriever=retriever, k=settings.retrieval_top_k, policy=policy_from(settings))


# (domain, right article floor, span recall floor, own out-of-scope answered ceiling); measured with the
# answerability model at min score 0.2, proper names not counted as salient: 0.864 / 0.548 / 0.018 (energy,
# 22 answers) and 0.889 / 0.618 / 0.019 (mobility, 18 answers). Span recall mixes languages: the gold spans are
# English, so a reply in the customer's Spanish or German from a translated article scores about 0.1.
# ticketing and council are held out (nobody tunes on them): measured once at the end, 0.800 / 0.562 / 0.0
# (ticketing, 20 answers; span recall 0.646 once a list only the context matched is quoted whole) and
# 0.952 / 0.690 / 0.018 (council, 21 answers).
# Last: the ceiling on plain questions the classifier alone sends to a person, measured 0.130 / 0.090 on the sets
# its rules were written against and 0.200 / 0.200 on the held-out ones; 0.087 / 0.030 and 0.185 / 0.185 once money
# and account questions stay questions (issue #13).
# After spelling correction and the classifier's money questions (2026-12-07): energy 0.864 / 0.551 / 0.018 (22 answers),
# mobility 0.850 / 0.606 / 0.019 (20 answers: the two more answered include an Italian refund question answered from
# the Italian pricing article, since the refund article has no Italian version), ticketing 0.800 / 0.646, council
# 0.947 / 0.657. The target for the right article is 0.80.
# Information requests and replacement cards stay questions (issue #13): mobility 0.857 / 0.577 (21 answers: the one
# more is a French question about a monthly pass renewing, answered from the right French article; its reply shares
# no word with the English gold span, so it scores 0 there); the others unchanged.
DOMAINS = [
    ("energy", 0.84, 0.52, 0.05, 0.15),
    ("mobility", 0.84, 0.55, 0.05, 0.15),
    ("ticketing", 0.78, 0.5, 0.05, 0.22),
    ("council", 0.9, 0.65, 0.05, 0.22),
]


@pytest.mark.parametrize(("domain", "right", "recall", "oos", "by_classifier_max"), DOMAINS)
def test_answers_cite_the_right_article_carry_the_answer_and_leave_what_the_help_centre_lacks(
    provider: LocalProvider, domain: str, right: float, recall: float, oos: float, by_classifier_max: float
) -> None:
    outcomes = _run(provider, FOREIGN / domain / "tickets.jsonl", FOREIGN / domain / "help")
    m = metrics(outcomes)
    assert m["answered_with_gold_n"] >= 10, "enough answers to judge"
    assert m["right_article_rate"] >= right
    assert m["span_recall"] >= recall
    assert m["out_of_scope_answered_rate"] <= oos
    # must-escalate recall measured 0.983 (energy) and 0.982 (mobility). Plain questions sent to a person by the
    # classifier alone (its intent, urgency or frustration): 0.130 and 0.090 of the must-not-escalate tickets.
    assert m["must_escalate_recall"] >= 0.97
    must_not = [o for o in outcomes if o.row.must_escalate is False]
    by_classifier = [o for o in must_not if o.action == "escalate" and o.result.classification is not None and hard_reasons(o.result.classification, o.result.ticket)]
    assert len(by_classifier) / len(must_not) <= by_classifier_max


@pytest.mark.parametrize("domain", ["energy", "mobility", "ticketing", "council"])
def test_replies_to_non_english_tickets_are_wholly_in_the_tickets_language(provider: LocalProvider, domain: str) -> None:
    outcomes = _run(provider, FOREIGN / domain / "tickets.jsonl", FOREIGN / domain / "help")
    foreign = [o for o in outcomes if (o.result.ticket.language or "en") != "en"]
    answered = [o for o in foreign if o.action == "auto_reply"]
    assert answered, "some non-English tickets are answered from translated articles"
    for o in answered:
        lang = o.result.ticket.language
        assert o.result.draft is not None and o.result.draft.language == lang
        # the detector may abstain on a short reply (None); it must never read it as another language
        assert detect(o.result.reply or "") in (lang, None), o.result.reply
        english = FRAMES["en"]
        assert not any(line in (o.result.reply or "") for line in (english.greeting, english.closing, english.cite.split("“")[0]))
    for o in foreign:
        if o.action == "escalate":
            assert detect(o.result.reply or "") in (o.result.ticket.language, None), "the hand-off line is in their language too"


# Measured with the answerability model (worker/retrieval/search.py) at min score 0.2, on a freshly built index:
# 0.033 against energy, 0.067 against mobility; energy's tickets against mobility's help centre 0.0, mobility's
# against energy's 0.025. The target is 0.05: mobility's ceiling holds today's figure, not the target.
@pytest.mark.parametrize(
    ("tickets", "help_centre", "out_of_scope", "ceiling"),
    [
        (OUT_OF_SCOPE, FOREIGN / "energy" / "help", False, 0.05),
        (OUT_OF_SCOPE, FOREIGN / "mobility" / "help", False, 0.07),
        (FOREIGN / "energy" / "tickets.jsonl", FOREIGN / "mobility" / "help", True, 0.03),
        (FOREIGN / "mobility" / "tickets.jsonl", FOREIGN / "energy" / "help", True, 0.04),
        # held out: 0.0 for the dental and furniture questions against each help centre, 0.024 for each held-out
        # set's tickets against the other's help centre
        (FOREIGN / "out_of_scope_2.jsonl", FOREIGN / "ticketing" / "help", False, 0.05),
        (FOREIGN / "out_of_scope_2.jsonl", FOREIGN / "council" / "help", False, 0.05),
        (FOREIGN / "ticketing" / "tickets.jsonl", FOREIGN / "council" / "help", True, 0.05),
        (FOREIGN / "council" / "tickets.jsonl", FOREIGN / "ticketing" / "help", True, 0.05),
    ],
)
def test_questions_from_elsewhere_are_rarely_answered(provider: LocalProvider, tickets: Path, help_centre: Path, out_of_scope: bool, ceiling: float) -> None:
    m = metrics(_run(provider, tickets, help_centre, out_of_scope=out_of_scope))
    assert m["out_of_scope_n"] >= 40
    assert m["out_of_scope_answered_rate"] <= ceiling
