"""`ticketflow report`: what a support lead reads. Figures from the results stream, reviews and reopens.

Everything but `load_results` is pure. A ticket is *resolved* when the bot replied (`auto_reply`) and
the customer did not reopen it; drafts wait for an agent and count as neither resolved nor escalated.
Cost per resolved ticket divides the whole spend (escalated tickets cost money too) by resolved tickets.

Knowledge gaps are the questions the help centre could not answer: escalated for `no_relevant_docs`
or `bug_without_known_fix`, answered from a weak match (top retrieval score below the low-score line),
or marked incorrect by a reviewer. They are clustered by their words (TF-IDF, cosine, leader
clustering) and ranked by volume, each with its key words and example questions: the next articles to write.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
import redis

from console.summary import percentile
from worker.stages.escalate import BUG_NO_FIX, NO_DOCS
from worker.state.outcomes import Review, entry_time
from worker.text import clean, content_tokens

GAP_REASONS = (NO_DOCS, BUG_NO_FIX)
LOW_SCORE = "low_retrieval_score"
INCORRECT = "reviewed_incorrect"
CLUSTER_SIMILARITY = 0.2
LOW_SCORE_QUANTILE = 0.1
EMAIL_WORDS = frozenset({"re", "fw", "fwd", "aw", "tr", "hallo", "bonjour", "hola", "ciao", "danke", "merci", "gracias", "grazie"})
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")


def parse_since(text: str, *, now: float) -> float:
    """`--since`: an ISO date or time (UTC unless it says otherwise) or an age like 90m, 24h, 7d, 2w; epoch seconds."""
    text = text.strip()
    m = _RELATIVE.match(text.lower())
    if m:
        unit = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}[m.group(2)]
        return now - float(m.group(1)) * unit
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--since: {text!r} is neither an ISO date/time nor an age like 24h or 7d") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def load_results(r: redis.Redis, stream: str, *, since: float | None = None, run_id: str | None = None, batch: int = 1000) -> list[tuple[str, dict[str, Any]]]:
    """Results-stream entries (id, result) published at or after `since`, of one run when given, oldest first."""
    out: list[tuple[str, dict[str, Any]]] = []
    start = f"{int(since * 1000)}-0" if since is not None else "-"
    while True:
        got = cast(list[Any], r.xrange(stream, min=start, count=batch))
        for eid, data in got:
            raw = data.get(b"json") or data.get("json")
            if raw is None:
                continue
            res = json.loads(raw)
            if run_id is None or res.get("run_id") == run_id:
                out.append((eid.decode() if isinstance(eid, bytes) else str(eid), res))
        if len(got) < batch:
            return out
        last = got[-1][0]
        start = f"({last.decode() if isinstance(last, bytes) else last}"


def uid_of(res: dict[str, Any]) -> str:
    """`source:id` of a result's ticket."""
    t = res.get("ticket") or {}
    return f"{t.get('source', 'api')}:{t.get('id', '')}"


def _rate(n: float, d: float) -> float:
    return round(n / d, 4) if d else 0.0


def figures(rows: Sequence[dict[str, Any]], reviews: dict[str, Review], reopened: set[str]) -> dict[str, Any]:
    """Volume, resolution, escalation by reason, cost, time to answer and reviewed accuracy of a set of results."""
    actions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    cost = 0.0
    waits: list[float] = []
    reopened_n = correct = incorrect = 0
    for res in rows:
        uid = uid_of(res)
        decision = res.get("decision") or {}
        action = decision.get("action") or "escalate"
        actions[action] += 1
        if action == "escalate":
            reasons.update(decision.get("reasons") or [])
        if action == "auto_reply" and uid in reopened:
            reopened_n += 1
        cost += sum(float(u.get("cost_usd") or 0.0) for u in res.get("usage") or [])
        if res.get("completed_at") and res.get("enqueued_at"):
            waits.append(max(float(res["completed_at"]) - float(res["enqueued_at"]), 0.0))
        review = reviews.get(uid)
        if review is not None:
            correct += review.verdict == "correct"
            incorrect += review.verdict == "incorrect"
    volume = len(rows)
    resolved = actions["auto_reply"] - reopened_n
    return {
        "volume": volume,
        "auto_replied": actions["auto_reply"],
        "drafted": actions["draft"],
        "escalated": actions["escalate"],
        "reopened": reopened_n,
        "resolved": resolved,
        "resolution_rate": _rate(resolved, volume),
        "escalation_rate": _rate(actions["escalate"], volume),
        "escalation_by_reason": {k: {"tickets": n, "rate": _rate(n, volume)} for k, n in reasons.most_common()},
        "cost_usd": round(cost, 6),
        "cost_per_resolved_usd": round(cost / resolved, 6) if resolved else None,
        "time_to_answer_s": {"p50": round(percentile(waits, 0.5), 3), "p95": round(percentile(waits, 0.95), 3)},
        "reviewed": correct + incorrect,
        "reviewed_correct": correct,
        "reviewed_accuracy": _rate(correct, correct + incorrect) if correct + incorrect else None,
    }


def day_of(eid: str, res: dict[str, Any]) -> str:
    """The UTC day a result was published."""
    ts = float(res.get("completed_at") or entry_time(eid))
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def top_score(res: dict[str, Any]) -> float | None:
    """The best retrieval score of a result, None when nothing was retrieved."""
    chunks = res.get("chunks") or []
    return max(float(c.get("score") or 0.0) for c in chunks) if chunks else None


def low_score_line(rows: Iterable[dict[str, Any]]) -> float | None:
    """Below this a retrieval match is weak: the 10th percentile of top scores of the replies the bot did send."""
    scores = [s for res in rows if (res.get("decision") or {}).get("action") == "auto_reply" and (s := top_score(res)) is not None]
    return round(percentile(scores, LOW_SCORE_QUANTILE), 4) if scores else None


def gap_signals(res: dict[str, Any], review: Review | None, low_score: float | None) -> list[str]:
    """Why a result shows a hole in the help centre (empty when it does not)."""
    decision = res.get("decision") or {}
    signals = [r for r in decision.get("reasons") or [] if r in GAP_REASONS]
    intent = (res.get("classification") or {}).get("intent")
    score = top_score(res)
    if low_score is not None and score is not None and intent in ("faq", "bug") and decision.get("action") != "auto_reply" and score < low_score:
        signals.append(LOW_SCORE)
    if review is not None and review.verdict == "incorrect":
        signals.append(INCORRECT)
    return signals


def _question(res: dict[str, Any]) -> str:
    t = res.get("ticket") or {}
    return clean(f"{t.get('subject', '')}\n{t.get('message', '')}".strip())


def tfidf(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """L2-normalised TF-IDF rows (sublinear term frequency, smoothed idf) and the vocabulary."""
    docs = [[w for w in content_tokens(t) if w not in EMAIL_WORDS] for t in texts]
    words = sorted({w for d in docs for w in d})
    vocab = {w: i for i, w in enumerate(words)}
    m = np.zeros((len(docs), max(len(words), 1)))
    df = np.zeros(max(len(words), 1))
    for d in docs:
        for w in set(d):
            df[vocab[w]] += 1
    idf = np.log((1 + len(docs)) / (1 + df)) + 1.0
    for i, d in enumerate(docs):
        for w, n in Counter(d).items():
            m[i, vocab[w]] = (1 + math.log(n)) * idf[vocab[w]]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms), words


def cluster(m: np.ndarray, threshold: float = CLUSTER_SIMILARITY) -> list[list[int]]:
    """Leader clustering of normalised rows: each joins the most similar centroid at or above `threshold`, or starts one."""
    groups: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i in range(m.shape[0]):
        if centroids:
            sims = np.array([float(c @ m[i]) / (float(np.linalg.norm(c)) or 1.0) for c in centroids])
            best = int(sims.argmax())
            if sims[best] >= threshold:
                groups[best].append(i)
                centroids[best] = centroids[best] + m[i]
                continue
        groups.append([i])
        centroids.append(m[i].copy())
    return groups


def _label(keywords: list[str], members: list[dict[str, Any]]) -> str:
    """Three key words for a cluster; a lone question is named by its subject (its words tie)."""
    if len(members) == 1:
        t = members[0].get("ticket") or {}
        head = (t.get("subject") or t.get("message") or "").strip().replace("\n", " ")
        if head:
            return head[:80]
    return " / ".join(keywords[:3]) or "(no words)"


def knowledge_gaps(
    entries: Sequence[tuple[str, dict[str, Any]]], reviews: dict[str, Review], low_score: float | None, top: int = 10
) -> list[dict[str, Any]]:
    """Clusters of questions the help centre did not answer, largest first."""
    gaps = [(res, sig) for _eid, res in entries if (sig := gap_signals(res, reviews.get(uid_of(res)), low_score))]
    if not gaps:
        return []
    texts = [_question(res) for res, _ in gaps]
    m, vocab = tfidf(texts)
    out: list[dict[str, Any]] = []
    for members in cluster(m):
        weight = m[members].sum(axis=0)
        keywords = [vocab[j] for j in np.argsort(-weight, kind="stable")[:4] if weight[j] > 0]
        signals: Counter[str] = Counter()
        intents: Counter[str] = Counter()
        docs: Counter[str] = Counter()
        for i in members:
            res, sig = gaps[i]
            signals.update(sig)
            intents[(res.get("classification") or {}).get("intent") or "unclassified"] += 1
            if res.get("chunks"):
                docs[res["chunks"][0].get("title") or res["chunks"][0].get("doc_id", "")] += 1
        examples = sorted({texts[i].replace("\n", " ")[:160] for i in members}, key=len)[:3]
        out.append(
            {
                "topic": _label(keywords, [gaps[i][0] for i in members]),
                "volume": len(members),
                "keywords": keywords,
                "signals": dict(signals.most_common()),
                "intents": dict(intents.most_common()),
                "nearest_article": docs.most_common(1)[0][0] if docs else None,
                "examples": examples,
                "tickets": sorted(uid_of(gaps[i][0]) for i in members)[:20],
            }
        )
    out.sort(key=lambda g: (-g["volume"], g["topic"]))
    return out[:top]


def build_report(
    entries: Sequence[tuple[str, dict[str, Any]]],
    *,
    reviews: dict[str, Review],
    reopened: set[str],
    low_score: float | None = None,
    top_gaps: int = 10,
    since: float | None = None,
    run_id: str | None = None,
    now: float,
) -> dict[str, Any]:
    """The whole report: overall figures, per day, per intent, and the top knowledge gaps."""
    rows = [res for _eid, res in entries]
    line = low_score if low_score is not None else low_score_line(rows)
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for eid, res in entries:
        by_day[day_of(eid, res)].append(res)
        by_intent[(res.get("classification") or {}).get("intent") or "unclassified"].append(res)
    times = [entry_time(eid) for eid, _ in entries]
    return {
        "generated_at": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        "since": datetime.fromtimestamp(since, UTC).isoformat(timespec="seconds") if since is not None else None,
        "run_id": run_id,
        "first_result_at": datetime.fromtimestamp(min(times), UTC).isoformat(timespec="seconds") if times else None,
        "last_result_at": datetime.fromtimestamp(max(times), UTC).isoformat(timespec="seconds") if times else None,
        **figures(rows, reviews, reopened),
        "by_day": {day: figures(rs, reviews, reopened) for day, rs in sorted(by_day.items())},
        "by_intent": {intent: figures(rs, reviews, reopened) for intent, rs in sorted(by_intent.items())},
        "knowledge_gaps_low_score": line,
        "knowledge_gaps": knowledge_gaps(entries, reviews, line, top_gaps),
    }

