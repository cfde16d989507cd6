"""The eval harness: the pipeline's own stage code, in this process, over labelled tickets.

A labelled row is a ticket plus the answers: `intent`, `acceptable_intents`, `must_escalate`
(true, false or null = either is fine), `gold_doc_id`, `gold_span` (the passage that answers it) and
`answerable` (false: no article answers it). Every field but the text is optional. A retrieval
question row (`qid`, `question`, `gold_doc_id`, `gold_span`, as doc2dial's) is read as a ticket whose
text is the question: a question with a gold article is answerable, so it counts as in scope.

Besides the decision metrics the report says how the help centre holds: the share of in-scope rows
(a gold article, not `answerable: false`) that were auto-answered, the share of `answerable: false`
rows that were (should be none), how often an answer cites the gold article first, and answer-span
recall (the share of the gold span's words that the reply carries).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.summary import percentile
from producer.enqueue import parse_ticket
from producer.tickets_io import read_jsonl
from worker import clock
from worker.errors import TicketInvalid
from worker.models import INTENTS, TicketResult
from worker.providers.base import Provider
from worker.retrieval.language import language_of
from worker.retrieval.retriever import Retriever
from worker.stages.escalate import Policy
from worker.stages.pipeline import run_inline
from worker.stages.retrieve import retrieve
from worker.state.conversation import MemoryTopics
from worker.state.debounce import GROUP
from worker.text import tokens


@dataclass(frozen=True)
class Labelled:
    """One eval row: the ticket as the pipeline sees it, and what a good outcome is."""

    state: TicketResult
    intent: str | None = None
    acceptable: tuple[str, ...] = ()
    must_escalate: bool | None = None
    gold_doc_id: str | None = None
    gold_span: str | None = None
    answerable: bool | None = None


def load_labelled(path: Path, *, out_of_scope: bool = False) -> list[Labelled]:
    """Every row of a labelled JSONL file; a bad row raises TicketInvalid with its line number.

    `out_of_scope`: the rows come from another domain than the help centre they are run against, so
    none is answerable there (their gold articles and spans are dropped)."""
    out: list[Labelled] = []
    for n, data in read_jsonl(path):
        if not isinstance(data, dict):
            raise TicketInvalid(f"{path}:{n}: a row must be a JSON object", line=n)
        row = {**data, "id": str(data.get("id") or data.get("qid") or f"row-{n}")}
        if not any(k in row for k in ("text", "message", "body")) and "question" in row:
            row["text"] = row["question"]  # retrieval sets label questions, not tickets
        if isinstance(row.get("metadata"), dict):  # in-process: nothing waits in a debounce buffer
            row["metadata"] = {k: v for k, v in row["metadata"].items() if k != GROUP}
        try:
            ticket = parse_ticket(row, line=n)
        except TicketInvalid as exc:
            raise TicketInvalid(f"{path}:{n}: {exc}", field=exc.field, line=n) from exc
        intent = data.get("intent")
        acceptable = tuple(data.get("acceptable_intents") or ([intent] if intent else []))
        must = data.get("must_escalate")
        out.append(
            Labelled(
                state=TicketResult(ticket=ticket, enqueued_at=0.0),
                intent=intent,
                acceptable=acceptable,
                must_escalate=must if isinstance(must, bool) else None,
                gold_doc_id=None if out_of_scope else data.get("gold_doc_id") or None,
                gold_span=None if out_of_scope else data.get("gold_span") or None,
                answerable=False if out_of_scope else data["answerable"] if isinstance(data.get("answerable"), bool) else None,
            )
        )
    return out


@dataclass
class Outcome:
    """One row after the pipeline ran: its result and the retrieved doc ids (measured even when skipped)."""

    row: Labelled
    result: TicketResult
    retrieved: list[str] = field(default_factory=list)
    # False when the gold article has no version in the customer's language (not the help centre's main one):
    # offline, such a ticket cannot get a reply in one language, so it escalates as `no_docs_in_language`
    untranslated: bool = False

    @property
    def action(self) -> str:
        """The decision's action."""
        return self.result.decision.action if self.result.decision else "escalate"

    @property
    def predicted(self) -> str:
        """The predicted intent (`unclassified` when classification failed)."""
        return self.result.classification.intent if self.result.classification else "unclassified"

    def record(self) -> dict[str, Any]:
        """The `--out` line: decision, reasons, reply and citations beside the labels."""
        r = self.result
        return {
            "id": r.ticket.id,
            "intent": self.predicted,
            "gold_intent": self.row.intent,
            "must_escalate": self.row.must_escalate,
            "action": self.action,
            "reasons": r.decision.reasons if r.decision else [],
            "reply": r.reply,
            "citations": [c.model_dump() for c in r.draft.citations] if r.draft else [],
            "retrieved": self.retrieved,
            "gold_doc_id": self.row.gold_doc_id,
            "span_recall": span_recall(self.row.gold_span, r.reply) if self.row.gold_span and self.action == "auto_reply" else None,
            "signals": r.classification.signals if r.classification else [],
            "cost_usd": round(r.cost_usd, 6),
        }


def run_eval(rows: Iterable[Labelled], *, provider: Provider, retriever: Retriever, k: int, policy: Policy) -> list[Outcome]:
    """Run every row through classify -> retrieve -> generate -> escalate, in order, sharing topic counts."""
    topics = MemoryTopics()
    out: list[Outcome] = []
    versions = {(p.doc_id, p.language) for p in retriever.index.passages}
    main = retriever.searcher.main_language
    for row in rows:
        state = row.state.model_copy(deep=True)
        state.enqueued_at = clock.now()
        result = run_inline(state, provider=provider, retriever=retriever, k=k, policy=policy, topics=topics)
        chunks = result.chunks
        if row.gold_doc_id and "retrieve" not in result.stages and result.classification is not None:
            # Hard escalations skip the retrieve stage (their head start keeps only sections above the threshold);
            # measure retrieval anyway so hit@3 covers every gold row.
            chunks = retrieve(result.ticket, result.classification, retriever, max(k, 3))
        lang = language_of(result.ticket.text, result.ticket.language)
        untranslated = bool(row.gold_doc_id and lang and lang != main and (row.gold_doc_id, lang) not in versions)
        out.append(Outcome(row=row, result=result, retrieved=[c.doc_id for c in chunks[:3]], untranslated=untranslated))
    return out


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def span_recall(gold_span: str, reply: str | None) -> float:
    """Share of the gold span's distinct words that the reply holds (case and punctuation aside)."""
    gold = set(tokens(gold_span))
    return len(gold & set(tokens(reply or ""))) / len(gold) if gold else 0.0


def scope_metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """How the help centre's edges hold: in-scope answered, out-of-scope answered, right article, span recall."""
    in_scope = [o for o in outcomes if o.row.gold_doc_id and o.row.answerable is not False]
    answered = [o for o in in_scope if o.action == "auto_reply"]
    cited_right = sum(bool(o.result.draft and o.result.draft.citations and o.result.draft.citations[0].doc_id == o.row.gold_doc_id) for o in answered)
    out_scope = [o for o in outcomes if o.row.answerable is False]
    spans = [span_recall(o.row.gold_span, o.result.reply) for o in answered if o.row.gold_span]
    return {
        "in_scope_answered_rate": _rate(len(answered), len(in_scope)),
        "in_scope_n": len(in_scope),
        "right_article_rate": _rate(cited_right, len(answered)),
        "answered_with_gold_n": len(answered),
        "out_of_scope_answered_rate": _rate(sum(o.action == "auto_reply" for o in out_scope), len(out_scope)),
        "out_of_scope_n": len(out_scope),
        "span_recall": round(sum(spans) / len(spans), 4) if spans else None,
        "span_recall_n": len(spans),
    }


def metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The eval report: accuracy, escalation recall and false rate, resolution, hit@3, cost, confusion."""
    n = len(outcomes)
    labelled = [o for o in outcomes if o.row.acceptable]
    correct = sum(o.predicted in o.row.acceptable for o in labelled)
    must = [o for o in outcomes if o.row.must_escalate is True]
    must_not = [o for o in outcomes if o.row.must_escalate is False]
    in_lang = [o for o in must_not if not o.untranslated]
    gold = [o for o in outcomes if o.row.gold_doc_id]
    actions = Counter(o.action for o in outcomes)
    resolved = actions["auto_reply"]
    cost = sum(o.result.cost_usd for o in outcomes)
    confusion: dict[str, dict[str, int]] = defaultdict(dict)
    for o in outcomes:
        if o.row.intent:
            row = confusion[o.row.intent]
            row[o.predicted] = row.get(o.predicted, 0) + 1
    reasons: Counter[str] = Counter()
    for o in outcomes:
        reasons.update(o.result.decision.reasons if o.result.decision else [])
    # Why tickets that should have been answered went to a person: the lever to pull (routing or retrieval).
    false_reasons: Counter[str] = Counter()
    for o in must_not:
        if o.action == "escalate":
            false_reasons.update(o.result.decision.reasons if o.result.decision else ["unknown"])
    classify_ms = [o.result.timings.get("classify", 0.0) * 1000 for o in outcomes]
    retrieve_ms = [o.result.timings["retrieve"] * 1000 for o in outcomes if "retrieve" in o.result.timings]  # hard escalations skip it
    return {
        "n": n,
        "intent_accuracy": _rate(correct, len(labelled)),
        "intent_labelled": len(labelled),
        "must_escalate_recall": _rate(sum(o.action == "escalate" for o in must), len(must)),
        "must_escalate_n": len(must),
        "false_escalation_rate": _rate(sum(o.action == "escalate" for o in must_not), len(must_not)),
        "must_not_escalate_n": len(must_not),
        # the same over tickets whose answer exists in their own language: what retrieval and routing can reach
        # offline (the rest need a translated article or a model provider)
        "false_escalation_rate_in_language": _rate(sum(o.action == "escalate" for o in in_lang), len(in_lang)),
        "must_not_in_language_n": len(in_lang),
        "auto_resolution_rate": _rate(resolved, n),
        "resolved": resolved,
        "actions": dict(actions),
        "retrieval_hit_at_3": _rate(sum(o.row.gold_doc_id in o.retrieved for o in gold), len(gold)),
        "retrieval_gold_n": len(gold),
        "cost_usd": round(cost, 6),
        "cost_per_ticket_usd": round(cost / n, 6) if n else None,
        "cost_per_resolved_usd": round(cost / resolved, 6) if resolved else None,  # nothing resolved: no figure, not 0
        "escalation_reasons": dict(reasons.most_common()),
        "false_escalation_reasons": dict(false_reasons.most_common()),
        "confusion": {g: dict(sorted(p.items())) for g, p in sorted(confusion.items(), key=lambda kv: _order(kv[0]))},
        "classify_ms_p50": round(percentile(classify_ms, 0.5), 3),
        "classify_ms_p95": round(percentile(classify_ms, 0.95), 3),
        "retrieve_ms_p50": round(percentile(retrieve_ms, 0.5), 3) if retrieve_ms else None,
        "retrieve_ms_p95": round(percentile(retrieve_ms, 0.95), 3) if retrieve_ms else None,
        **scope_metrics(outcomes),
    }


def _order(intent: str) -> int:
    return INTENTS.index(intent) if intent in INTENTS else len(INTENTS)


def docs_folder(docs: Path, work_dir: Path) -> Path:
    """A help centre for `build_retriever`: `docs` itself (a folder, or a JSONL of articles, which keeps their
    doc ids as written), else a JSONL without titles written out as Markdown."""
    if docs.is_dir() or docs.suffix.lower() in (".jsonl", ".ndjson"):
        return docs
    work_dir.mkdir(parents=True, exist_ok=True)
    for n, art in read_jsonl(docs):
        if not isinstance(art, dict) or not art.get("doc_id") or not art.get("text"):
            raise TicketInvalid(f"{docs}:{n}: an article needs doc_id and text", line=n)
        slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in str(art["doc_id"]))
        (work_dir / f"{slug}.md").write_text(f"# {art.get('title') or slug}\n\n{art['text']}\n", encoding="utf-8")
    return work_dir
