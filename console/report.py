"""`ticketflow report`: what a support lead reads. Figures from the results stream, reviews and reopens.

Everything but `load_results` is pure. A ticket is *resolved* when the bot replied (`auto_reply`) and
the customer did not reopen it; drafts wait for an agent and count as neither resolved nor escalated.
Cost per resolved ticket divides the whole spend (escalated tickets cost money too) by resolved tickets.

Knowledge gaps are the questions the help centre could not answer: escalated for `no_relevant_docs`
or `bug_without_known_fix`, answered from a weak match (top retrieval score below the low-score line),
or marked incorrect by a reviewer. They are clustered by their words so that each cluster is one
topic: weak words (function words of every language tickets arrive in, conversational filler, words
in over a fifth of all tickets such as the product's name) are dropped, words are weighted by how rare
they are across all the period's tickets, and a question joins a cluster only if it is similar enough
to every member (complete linkage) and shares at least one word with all of them; that shared word is
the cluster's name. Clusters are ranked by volume, with their tickets quoted: the next articles to write.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
import redis

from console.report_answers import SAMPLE_SIZE, citations, reply_sample, review_coverage, thresholds_explained
from console.summary import percentile, weighted_percentile
from worker.retrieval.analysis import ALL_STOPWORDS, stem
from worker.retrieval.answerable import GENERIC_WORDS
from worker.stages.escalate import BUG_NO_FIX, NO_DOCS
from worker.state.outcomes import Review, entry_time
from worker.text import clean, tokens

GAP_REASONS = (NO_DOCS, BUG_NO_FIX)
LOW_SCORE = "low_retrieval_score"
INCORRECT = "reviewed_incorrect"
CLUSTER_SIMILARITY = 0.3
LOW_SCORE_QUANTILE = 0.1
COMMON_SHARE = 0.2  # a word in more than this share of all tickets names no topic (the product, "account")
EMAIL_WORDS = frozenset({"re", "fw", "fwd", "aw", "tr", "hallo", "bonjour", "hola", "ciao", "danke", "merci", "gracias", "grazie"})
# Words that say something went wrong or changed, never what: "update broke the board", "invite gives
# 404", "Bug chronomètre", "stuck on syncing".
COMPLAINT_WORDS = frozenset({"update", "updated", "broke", "broken", "break", "breaks", "error", "errors", "issue", "issues", "new", "keep",
                             "keeps", "kept", "give", "gives", "off", "fix", "fixed", "team", "support", "anymore", "show", "shows", "showing",
                             "bug", "bugs", "stuck", "fail", "fails", "failed", "failing", "failure", "missing", "late", "slow", "urgent", "asap",
                             "fehler", "erreur", "problème", "problema", "falla", "errore", "fout", "storing"})
WEAK_WORDS = ALL_STOPWORDS | GENERIC_WORDS | EMAIL_WORDS | COMPLAINT_WORDS
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


@dataclass
class Tally:
    """What the figures of a set of results are computed from: counts, spend and times to answer as (seconds, count)."""

    actions: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    reopened: int = 0
    cost: float = 0.0
    waits: list[tuple[float, int]] = field(default_factory=list)
    correct: int = 0
    incorrect: int = 0

    def add(self, other: Tally) -> None:
        """Fold `other` into this tally."""
        self.actions.update(other.actions)
        self.reasons.update(other.reasons)
        self.reopened += other.reopened
        self.cost += other.cost
        self.waits.extend(other.waits)
        self.correct += other.correct
        self.incorrect += other.incorrect


def tally(rows: Sequence[dict[str, Any]], reviews: dict[str, Review], reopened: set[str]) -> Tally:
    """The tally of a set of results."""
    t = Tally()
    for res in rows:
        uid = uid_of(res)
        decision = res.get("decision") or {}
        action = decision.get("action") or "escalate"
        t.actions[action] += 1
        if action == "escalate":
            t.reasons.update(decision.get("reasons") or [])
        if action == "auto_reply" and uid in reopened:
            t.reopened += 1
        t.cost += sum(float(u.get("cost_usd") or 0.0) for u in res.get("usage") or [])
        if res.get("completed_at") and res.get("enqueued_at"):
            t.waits.append((max(float(res["completed_at"]) - float(res["enqueued_at"]), 0.0), 1))
        review = reviews.get(uid)
        if review is not None:
            t.correct += review.verdict == "correct"
            t.incorrect += review.verdict == "incorrect"
    return t


def figures_of(t: Tally) -> dict[str, Any]:
    """Volume, resolution, escalation by reason, cost, time to answer and reviewed accuracy from a tally."""
    volume = sum(t.actions.values())
    resolved = t.actions["auto_reply"] - t.reopened
    correct, incorrect = t.correct, t.incorrect
    return {
        "volume": volume,
        "auto_replied": t.actions["auto_reply"],
        "drafted": t.actions["draft"],
        "escalated": t.actions["escalate"],
        "reopened": t.reopened,
        "resolved": resolved,
        "resolution_rate": _rate(resolved, volume),
        "escalation_rate": _rate(t.actions["escalate"], volume),
        "escalation_by_reason": {k: {"tickets": n, "rate": _rate(n, volume)} for k, n in t.reasons.most_common()},
        "cost_usd": round(t.cost, 6),
        "cost_per_resolved_usd": round(t.cost / resolved, 6) if resolved else None,
        "time_to_answer_s": {"p50": round(weighted_percentile(t.waits, 0.5), 3), "p95": round(weighted_percentile(t.waits, 0.95), 3)},
        "reviewed": correct + incorrect,
        "reviewed_correct": correct,
        "reviewed_accuracy": _rate(correct, correct + incorrect) if correct + incorrect else None,
    }


def figures(rows: Sequence[dict[str, Any]], reviews: dict[str, Review], reopened: set[str]) -> dict[str, Any]:
    """Volume, resolution, escalation by reason, cost, time to answer and reviewed accuracy of a set of results."""
    return figures_of(tally(rows, reviews, reopened))


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


def topic_terms(text: str) -> list[str]:
    """The words of a question that can name its topic: weak words dropped, lightly stemmed; numbers
    only when they look like a code (3 digits: 403, 502)."""
    out = []
    for w in tokens(text):
        if len(w) < 2 or w in WEAK_WORDS or (w.isdigit() and len(w) != 3):
            continue
        t = stem(w)
        if t not in WEAK_WORDS:
            out.append(t)
    return out


def tfidf(texts: Sequence[str], background: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """L2-normalised TF-IDF rows (sublinear tf) of `texts` and the vocabulary; idf from `background`
    (all the period's questions; `texts` when not given), words in more than COMMON_SHARE of a
    background of 20 or more dropped."""
    docs = [topic_terms(t) for t in texts]
    bg_docs = docs if background is None else [topic_terms(t) for t in background]
    bg_df: Counter[str] = Counter(w for d in bg_docs for w in set(d))
    n_bg = max(len(bg_docs), 1)
    common = {w for w, n in bg_df.items() if n_bg >= 20 and n / n_bg > COMMON_SHARE}
    docs = [[w for w in d if w not in common] for d in docs]
    words = sorted({w for d in docs for w in d})
    vocab = {w: i for i, w in enumerate(words)}
    m = np.zeros((len(docs), max(len(words), 1)))
    idf = {w: math.log((1 + n_bg) / (1 + bg_df.get(w, 0))) + 1.0 for w in words}
    for i, d in enumerate(docs):
        for w, n in Counter(d).items():
            m[i, vocab[w]] = (1 + math.log(n)) * idf[w]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms), words


def cluster(m: np.ndarray, threshold: float = CLUSTER_SIMILARITY, subjects: Sequence[set[int]] | None = None) -> list[list[int]]:
    """Complete-linkage grouping of normalised rows: a row joins the group that it shares a word with
    in every member and is at least `threshold` similar to in every member, or whose every subject
    line shares a word with its own (`subjects`: vocabulary columns of each row's subject; "Invite
    link 404" and "Invite never arrived" are one topic however different the rest). The best such
    group wins; otherwise the row starts one. So no group is held together by a chain of loosely
    related questions, nor by a word that only some of them use."""
    sims = m @ m.T
    n, width = m.shape
    words = m > 0
    heads = np.zeros((n, width), dtype=bool)
    for i, cols in enumerate(subjects or []):
        heads[i, list(cols)] = True
    # Per group: the words all members share, the subject words they all share, and each row's least
    # similarity to any member (complete linkage), kept up to date as members join: one pass, no pairs re-read.
    shared = np.zeros((n, width), dtype=bool)
    shared_heads = np.zeros((n, width), dtype=bool)
    worst = np.zeros((n, n))
    groups: list[list[int]] = []
    for i in range(n):
        k = len(groups)
        own, own_heads = np.flatnonzero(words[i]), np.flatnonzero(heads[i])
        near = worst[:k, i]
        ok = shared[:k][:, own].any(axis=1) & ((near >= threshold) | shared_heads[:k][:, own_heads].any(axis=1))
        if ok.any():
            best = int(np.argmax(np.where(ok, near, -np.inf)))  # the most similar; the first of equals
            groups[best].append(i)
            shared[best] &= words[i]
            shared_heads[best] &= heads[i]
            np.minimum(worst[best], sims[:, i], out=worst[best])
        else:
            groups.append([i])
            shared[k], shared_heads[k], worst[k] = words[i], heads[i], sims[:, i]
    return groups


def _surface_forms(texts: Iterable[str]) -> dict[str, str]:
    """Each stem's most frequent written form in `texts` ("invit" -> "invites"), for labels people read."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for w in tokens(text):
            seen[stem(w)][w] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items()}


def _label(keywords: list[str], members: list[dict[str, Any]]) -> str:
    """The words every question of a cluster shares; a lone question is named by its subject."""
    if len(members) == 1:
        t = members[0].get("ticket") or {}
        head = (t.get("subject") or t.get("message") or "").strip().replace("\n", " ")
        if head:
            return head[:80]
    return " / ".join(keywords[:3]) or "(no words)"


def _quote(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def knowledge_gaps(
    entries: Sequence[tuple[str, dict[str, Any]]], reviews: dict[str, Review], low_score: float | None, top: int = 10,
    background: Sequence[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Clusters of questions the help centre did not answer, largest first, each one topic with its tickets quoted.

    How rare a word is, is judged over `background` (results; all of `entries` when not given).
    """
    gaps = [(res, sig) for _eid, res in entries if (sig := gap_signals(res, reviews.get(uid_of(res)), low_score))]
    if not gaps:
        return []
    texts = [_question(res) for res, _ in gaps]
    m, vocab = tfidf(texts, background=[_question(res) for res in (background if background is not None else [res for _eid, res in entries])])
    column = {w: j for j, w in enumerate(vocab)}
    subjects = [{column[w] for w in topic_terms(str((res.get("ticket") or {}).get("subject") or "")) if w in column} for res, _ in gaps]
    forms = _surface_forms(texts)
    out: list[dict[str, Any]] = []
    for members in cluster(m, subjects=subjects):
        weight = m[members].sum(axis=0)
        in_all = np.all(m[members] > 0, axis=0)
        ranked = sorted((j for j in range(len(vocab)) if weight[j] > 0), key=lambda j: (not in_all[j], -weight[j], vocab[j]))
        keywords = [forms.get(vocab[j], vocab[j]) for j in ranked[:4]]
        signals: Counter[str] = Counter()
        intents: Counter[str] = Counter()
        docs: Counter[str] = Counter()
        for i in members:
            res, sig = gaps[i]
            signals.update(sig)
            intents[(res.get("classification") or {}).get("intent") or "unclassified"] += 1
            if res.get("chunks"):
                docs[res["chunks"][0].get("title") or res["chunks"][0].get("doc_id", "")] += 1
        quotes = sorted(({"ticket": uid_of(gaps[i][0]), "text": _quote(texts[i])} for i in members), key=lambda q: (len(q["text"]), q["ticket"]))
        shared_words = [forms.get(vocab[j], vocab[j]) for j in ranked if in_all[j]][:4] if len(members) > 1 else []
        out.append(
            {
                "topic": _label(shared_words or keywords, [gaps[i][0] for i in members]),
                "volume": len(members),
                "keywords": keywords,
                "shared_words": shared_words,
                "signals": dict(signals.most_common()),
                "intents": dict(intents.most_common()),
                "nearest_article": docs.most_common(1)[0][0] if docs else None,
                "examples": [q["text"] for q in quotes[:3]],
                "quotes": quotes[:5],
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
    articles: Sequence[tuple[str, str]] | None = None,
    policy: dict[str, float] | None = None,
    sample_size: int = SAMPLE_SIZE,
) -> dict[str, Any]:
    """The whole report: overall figures, per day, per intent, a sample of the replies sent, the
    articles cited, the knowledge gaps and every threshold explained.

    `articles` (doc_id, title) of the help centre lets the least-cited list include articles never
    cited; `policy` holds the escalation thresholds in force, to explain them.
    """
    rows = [res for _eid, res in entries]
    line = low_score if low_score is not None else low_score_line(rows)
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for eid, res in entries:
        by_day[day_of(eid, res)].append(res)
        by_intent[(res.get("classification") or {}).get("intent") or "unclassified"].append(res)
    times = [entry_time(eid) for eid, _ in entries]
    return assemble(
        overall=tally(rows, reviews, reopened),
        by_day={day: tally(rs, reviews, reopened) for day, rs in by_day.items()},
        by_intent={intent: tally(rs, reviews, reopened) for intent, rs in by_intent.items()},
        first=min(times) if times else None,
        last=max(times) if times else None,
        low_score=line,
        gaps=knowledge_gaps(entries, reviews, line, top_gaps),
        since=since,
        run_id=run_id,
        now=now,
        review=review_coverage(entries, reviews),
        replies=reply_sample(entries, reviews, sample_size),
        cited=citations(entries, articles),
        thresholds=thresholds_explained(line, low_score is not None, policy, CLUSTER_SIMILARITY, COMMON_SHARE),
    )


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts is not None else None


def assemble(
    *, overall: Tally, by_day: dict[str, Tally], by_intent: dict[str, Tally], first: float | None, last: float | None,
    low_score: float | None, gaps: list[dict[str, Any]], since: float | None, run_id: str | None, now: float,
    review: Any, replies: Any, cited: Any, thresholds: Any,
) -> dict[str, Any]:
    """The report's shape, from tallies however they were counted (in Python from the stream, in SQL from the archive)."""
    return {
        "generated_at": _iso(now),
        "since": _iso(since),
        "run_id": run_id,
        "first_result_at": _iso(first),
        "last_result_at": _iso(last),
        **figures_of(overall),
        "review": review,
        "by_day": {day: figures_of(t) for day, t in sorted(by_day.items())},
        "by_intent": {intent: figures_of(t) for intent, t in sorted(by_intent.items())},
        "reply_sample": replies,
        "citations": cited,
        "knowledge_gaps_low_score": low_score,
        "knowledge_gaps": gaps,
        "thresholds": thresholds,
    }
