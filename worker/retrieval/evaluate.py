"""Retrieval quality: hit@1, hit@3 and MRR@10 of the hybrid search against a plain BM25 baseline.

The baseline is what the issue names: Okapi BM25 over each whole article's title and text, English
stop words removed, nothing else. It runs in the same command on the same questions, so the
report is a like-for-like comparison.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from worker.errors import TicketInvalid
from worker.jsonl import iter_jsonl
from worker.retrieval.chunking import Article
from worker.retrieval.search import HybridSearcher
from worker.text import content_tokens

DEPTH = 10


@dataclass(frozen=True)
class Question:
    """One labelled retrieval question."""

    qid: str
    question: str
    gold_doc_id: str
    language: str | None = None


def load_questions(path: Path) -> list[Question]:
    """`{"qid", "question", "gold_doc_id"}` per line; a malformed line is one clear error naming it."""

    def bad(n: int, why: Exception) -> TicketInvalid:
        return TicketInvalid(f"{path}:{n}: expected {{qid, question, gold_doc_id}} ({why})", line=n)

    out: list[Question] = []
    for n, row in iter_jsonl(path, error=bad):
        try:
            q = Question(str(row["qid"]), str(row["question"]), str(row["gold_doc_id"]), row.get("language"))
        except (KeyError, TypeError) as exc:
            raise bad(n, exc) from exc
        if not q.question.strip():
            raise TicketInvalid(f"{path}:{n}: empty question", line=n)
        out.append(q)
    if not out:
        raise TicketInvalid(f"{path} holds no questions")
    return out


def metrics(rankings: Sequence[Sequence[str]], gold: Sequence[str]) -> dict[str, float]:
    """hit@1, hit@3 and MRR@10 of ranked doc ids against the gold ones."""
    n = len(gold)
    h1 = sum(1 for r, g in zip(rankings, gold, strict=True) if list(r[:1]) == [g])
    h3 = sum(1 for r, g in zip(rankings, gold, strict=True) if g in r[:3])
    mrr = sum(1.0 / (list(r[:DEPTH]).index(g) + 1) for r, g in zip(rankings, gold, strict=True) if g in r[:DEPTH])
    return {"hit_at_1": round(h1 / n, 4), "hit_at_3": round(h3 / n, 4), "mrr_at_10": round(mrr / n, 4), "n": n}


class PlainBM25:
    """The baseline: BM25 (k1 1.2, b 0.75) over whole articles, title + text, English stop words removed."""

    def __init__(self, articles: Sequence[Article], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = [a.doc_id for a in articles]
        self.tf = [Counter(content_tokens(f"{a.title}\n{a.body}")) for a in articles]
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(articles)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.len = [sum(tf.values()) for tf in self.tf]
        self.avg = sum(self.len) / max(n, 1)
        self.k1, self.b = k1, b

    def rank(self, query: str, k: int = DEPTH) -> list[str]:
        """Doc ids by BM25, best first."""
        q = set(content_tokens(query))
        scores = []
        for i, tf in enumerate(self.tf):
            s = sum(self.idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + self.k1 * (1 - self.b + self.b * self.len[i] / self.avg)) for t in q if t in tf)
            scores.append((s, -i))
        return [self.ids[-i] for s, i in sorted(scores, reverse=True)[:k] if s > 0]


def _timed(rank: Callable[[Question], list[str]], questions: Sequence[Question]) -> tuple[list[list[str]], float]:
    t0 = time.perf_counter()
    out = [rank(q) for q in questions]
    return out, (time.perf_counter() - t0) * 1000 / max(len(questions), 1)


def evaluate(searcher: HybridSearcher, articles: Sequence[Article], questions: Sequence[Question]) -> dict[str, Any]:
    """Hybrid (the default), each of its signals alone, and the plain BM25 baseline, on the same questions."""
    passages = searcher.index.passages
    gold = [q.gold_doc_id for q in questions]

    def ranker(mode: str) -> Callable[[Question], list[str]]:
        return lambda q: [passages[h.row].doc_id for h in searcher.search(q.question, k=DEPTH, language=q.language, mode=mode)]

    base = PlainBM25([a for a in articles if a.language == searcher.main_language])
    report: dict[str, Any] = {"questions": len(questions), "articles": len({a.doc_id for a in articles}), "chunks": len(passages)}
    for name, rank in (("hybrid", ranker("hybrid")), ("lexical_only", ranker("lexical")), ("dense_only", ranker("dense")),
                       ("bm25_baseline", lambda q: base.rank(q.question))):
        ranked, ms = _timed(rank, questions)
        report[name] = {**metrics(ranked, gold), "ms_per_query": round(ms, 3)}
    known = {p.doc_id for p in passages}
    report["gold_missing_from_index"] = sorted({g for g in gold if g not in known})
    return report
