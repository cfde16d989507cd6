"""Are the answers good? The parts of the report that answer the support lead: a sample of the replies
sent with what they cite and what reviewers said, reviewed accuracy with its sample size and a 95%
interval, the articles cited most and least, and every threshold the report or the policy uses,
said in words. Pure functions over results.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from worker.state.outcomes import Review

SAMPLE_SIZE = 8
CITED_TOP = 5


def _uid(res: dict[str, Any]) -> str:
    t = res.get("ticket") or {}
    return f"{t.get('source', 'api')}:{t.get('id', '')}"


def _flat(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _spread(uid: str) -> str:
    """A stable pseudo-random order (the same sample on every run of the report)."""
    return hashlib.sha1(uid.encode()).hexdigest()


def reply_sample(entries: Sequence[tuple[str, dict[str, Any]]], reviews: dict[str, Review], n: int = SAMPLE_SIZE) -> list[dict[str, Any]]:
    """Up to `n` replies the bot sent: the reviewed ones first (incorrect before correct), then a
    stable spread of the rest; each with its question, reply, citations, top score and verdict."""
    sent = [res for _eid, res in entries if (res.get("decision") or {}).get("action") == "auto_reply"]

    def order(res: dict[str, Any]) -> tuple[int, str]:
        review = reviews.get(_uid(res))
        rank = 2 if review is None else (0 if review.verdict == "incorrect" else 1)
        return rank, _spread(_uid(res))

    out = []
    for res in sorted(sent, key=order)[:n]:
        t = res.get("ticket") or {}
        review = reviews.get(_uid(res))
        draft = res.get("draft") or {}
        scores = [float(c.get("score") or 0.0) for c in res.get("chunks") or []]
        out.append({
            "ticket": _uid(res),
            "intent": (res.get("classification") or {}).get("intent"),
            "question": _flat(f"{t.get('subject', '')} {t.get('message', '')}", 200),
            "reply": _flat(res.get("reply") or draft.get("text") or "", 300),
            "citations": [{"doc_id": c.get("doc_id"), "title": c.get("title"), "section": c.get("section") or ""} for c in draft.get("citations") or []],
            "top_score": round(max(scores), 3) if scores else None,
            "verdict": review.verdict if review else None,
            "note": review.note if review else "",
        })
    return out


def wilson_interval(correct: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The 95% Wilson score interval of a proportion (sound for small samples); None without a sample."""
    if n == 0:
        return None
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(centre - half, 0.0), 4), round(min(centre + half, 1.0), 4)


def review_coverage(entries: Sequence[tuple[str, dict[str, Any]]], reviews: dict[str, Review]) -> dict[str, Any]:
    """How many auto-replies were reviewed, how many were right, and how sure that figure is."""
    sent = {_uid(res) for _eid, res in entries if (res.get("decision") or {}).get("action") == "auto_reply"}
    verdicts = [reviews[u].verdict for u in sent if u in reviews]
    return coverage(len(sent), sum(v == "correct" for v in verdicts), len(verdicts))


def coverage(auto_replied: int, correct: int, reviewed: int) -> dict[str, Any]:
    """`review_coverage` from its counts (however they were counted)."""
    return {
        "auto_replied": auto_replied,
        "reviewed": reviewed,
        "correct": correct,
        "accuracy": round(correct / reviewed, 4) if reviewed else None,
        "ci95": wilson_interval(correct, reviewed),
    }


def citations(entries: Sequence[tuple[str, dict[str, Any]]], articles: Sequence[tuple[str, str]] | None = None, top: int = CITED_TOP) -> dict[str, Any]:
    """The articles the sent replies cite most and least (an article counts once per reply); with the
    help centre's `articles` (doc_id, title), the least cited include those never cited at all."""
    counts: Counter[str] = Counter()
    found: dict[str, str] = {}
    replies = 0
    for _eid, res in entries:
        if (res.get("decision") or {}).get("action") != "auto_reply":
            continue
        cited = {(c.get("doc_id") or c.get("title") or "?", c.get("title") or "") for c in (res.get("draft") or {}).get("citations") or []}
        replies += bool(cited)
        for doc_id, title in cited:
            counts[doc_id] += 1
            found[doc_id] = found.get(doc_id) or title
    return cited_articles(counts, found, replies, articles, top)


def cited_articles(counts: Counter[str], found: dict[str, str], replies: int, articles: Sequence[tuple[str, str]] | None = None, top: int = CITED_TOP) -> dict[str, Any]:
    """`citations` from its counts: replies per article, the titles the citations gave, replies citing anything."""
    titles: dict[str, str] = dict(articles or [])
    for doc_id, title in found.items():
        if not titles.get(doc_id):  # a Markdown article's title comes from its heading: the citation has it
            titles[doc_id] = title
    everything = {doc: counts.get(doc, 0) for doc in titles}
    rows: list[dict[str, Any]] = [{"doc_id": d, "title": titles[d] or d, "replies": n} for d, n in everything.items()]
    most = sorted((r for r in rows if r["replies"]), key=lambda r: (-int(r["replies"]), str(r["doc_id"])))[:top]
    least = sorted(rows, key=lambda r: (int(r["replies"]), str(r["doc_id"])))[:top]
    return {
        "replies_with_citations": replies,
        "articles_cited": sum(1 for n in everything.values() if n),
        "articles_known": len(articles) if articles is not None else None,
        "never_cited": sum(1 for n in everything.values() if not n) if articles is not None else None,
        "most": most,
        "least": [r for r in least if r not in most] or least,
    }


def thresholds_explained(low_score: float | None, low_score_given: bool, policy: dict[str, float] | None, cluster_similarity: float, common_share: float) -> list[dict[str, Any]]:
    """Every threshold the figures depend on, with what it means in words."""
    out: list[dict[str, Any]] = []
    if low_score is not None:
        how = ("set with --low-score" if low_score_given else
               "the 10th percentile of the top retrieval scores of the replies the bot did send: 9 in 10 sent replies had a better match")
        out.append({"name": "weak match", "value": low_score,
                    "meaning": f"an faq or bug question that was not auto-replied and whose best help-centre match scored below {low_score} counts as a knowledge gap ({how})"})
    p = policy or {}
    if "retrieval_min_score" in p:
        out.append({"name": "TICKETFLOW_RETRIEVAL_MIN_SCORE", "value": p["retrieval_min_score"],
                    "meaning": "below this retrieval score (the calibrated chance that the articles found hold the answer) a ticket goes to a person as no_relevant_docs"})
    if "retrieval_bug_min_score" in p:
        out.append({"name": "TICKETFLOW_RETRIEVAL_BUG_MIN_SCORE", "value": p["retrieval_bug_min_score"],
                    "meaning": "a bug report is answered only from a known-issue, troubleshooting or how-to section scoring at least this; else bug_without_known_fix"})
    if "retrieval_uncovered_max" in p:
        out.append({"name": "TICKETFLOW_RETRIEVAL_UNCOVERED_MAX", "value": p["retrieval_uncovered_max"],
                    "meaning": "when 3 or more of a ticket's distinctive words, holding more than this share of its weight, appear in none of the top 3 sections, it escalates as no_relevant_docs (1 = off)"})
    out.append({"name": "gap cluster similarity", "value": cluster_similarity,
                "meaning": "two gap questions share a cluster when their distinctive words overlap at least this much (cosine of TF-IDF, 0 to 1) with every member, or their subject lines share a word; all members must share a word, which names the cluster"})
    out.append({"name": "common word", "value": common_share,
                "meaning": "a word in more than this share of the period's tickets (the product's name, 'account') names no topic and is left out of the clusters"})
    return out
