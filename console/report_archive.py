"""The report from the archive: the same figures as `build_report`, counted by the database.

Differences from the stream's report, by design: times to answer are read from 1%-wide buckets (a
percentile is within 0.5% of the exact one), and knowledge gaps cluster the newest `GAP_SAMPLE` gap
questions rather than all of them, weighing words against the newest `BACKGROUND` questions and those
(all of them over a smaller period). Reviews and reopens are the archive's copies (the archiver syncs them).
The reply sample reads the few sent replies it can show (in the same stable order); the citations and
the review coverage are counted by the database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

from console.report import CLUSTER_SIMILARITY, COMMON_SHARE, GAP_REASONS, LOW_SCORE_QUANTILE, Tally, assemble, knowledge_gaps, uid_of
from console.report_answers import SAMPLE_SIZE, cited_articles, coverage, reply_sample, thresholds_explained
from worker.archive import query
from worker.archive.rows import bucket_value
from worker.state.outcomes import Review

COUNTERS = 2  # connections counting at once beside the one finding the gaps (the pool holds 5)


def tallies(
    grouped: list[query.Group], reasons: list[tuple[str, str, str, int]], outcomes: list[tuple[str, str, str, str, int]],
    day_waits: list[tuple[str, int, int]], intent_waits: list[tuple[str, int, int]],
) -> tuple[Tally, dict[str, Tally], dict[str, Tally]]:
    """Overall, per-day and per-intent tallies from the database's groups (pure)."""
    overall = Tally()
    by_day: defaultdict[str, Tally] = defaultdict(Tally)
    by_intent: defaultdict[str, Tally] = defaultdict(Tally)
    for g in grouped:
        for into in (overall, by_day[g.day], by_intent[g.intent]):
            into.actions[g.action] += g.count
            into.cost += g.cost_usd
    for day, intent, reason, n in reasons:
        for into in (overall, by_day[day], by_intent[intent]):
            into.reasons[reason] += n
    for day, intent, _action, kind, n in outcomes:
        for into in (overall, by_day[day], by_intent[intent]):
            into.reopened += n if kind == "reopened" else 0
            into.correct += n if kind == "correct" else 0
            into.incorrect += n if kind == "incorrect" else 0
    every: Counter[int] = Counter()
    for day, bucket, n in day_waits:
        by_day[day].waits.append((bucket_value(bucket), n))
        every[bucket] += n
    overall.waits = [(bucket_value(b), n) for b, n in every.items()]
    for intent, bucket, n in intent_waits:
        by_intent[intent].waits.append((bucket_value(bucket), n))
    return overall, dict(by_day), dict(by_intent)


def _background(entries: list[tuple[str, dict[str, Any]]], newest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gap candidates and the newest questions, each result once."""
    seen = {uid_of(res): res for _eid, res in entries}
    seen.update((uid_of(res), res) for res in newest)
    return list(seen.values())


def _sample(engine: Engine, n: int, where: dict[str, Any]) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Review]]:
    sampled = query.results_of(engine, query.sample_candidates(engine, n, **where))
    return sampled, query.reviews_of(engine, [uid_of(res) for _eid, res in sampled])


def build_archive_report(
    engine: Engine, *, low_score: float | None = None, top_gaps: int = 10, since: float | None = None, run_id: str | None = None, now: float,
    policy: dict[str, float] | None = None, articles: Sequence[tuple[str, str]] | None = None, sample_size: int = SAMPLE_SIZE,
) -> dict[str, Any]:
    """The whole report (overall, per day, per intent, reply sample, citations, knowledge gaps) over the archived results.

    The counting queries run on pooled connections while this thread finds and clusters the knowledge
    gaps: the database aggregates while Python clusters.
    """
    where: dict[str, Any] = {"since": since, "run_id": run_id}
    with ThreadPoolExecutor(max_workers=COUNTERS, thread_name_prefix="report") as pool:
        grouped = pool.submit(query.groups, engine, **where)
        outcomes = pool.submit(query.outcome_counts, engine, **where)
        day_waits = pool.submit(query.wait_counts, engine, "day", **where)
        intent_waits = pool.submit(query.wait_counts, engine, "intent", **where)
        reasons = pool.submit(query.reason_counts, engine, **where)
        cites = pool.submit(query.citation_counts, engine, **where)
        sample = pool.submit(_sample, engine, sample_size, where)
        line = low_score
        if line is None:
            q = query.sent_score_quantile(engine, LOW_SCORE_QUANTILE, **where)
            line = round(q, 4) if q is not None else None
        first, last = query.span(engine, **where)
        entries, reviews = query.gap_candidates(engine, GAP_REASONS, line, newest=last, **where)
        gaps = knowledge_gaps(entries, reviews, line, top_gaps, background=_background(entries, query.questions(engine, **where)))
        overall, by_day, by_intent = tallies(grouped.result(), reasons.result(), outcomes.result(), day_waits.result(), intent_waits.result())
        counts, titles, citing = cites.result()
        sampled, sample_reviews = sample.result()
    verdicts: Counter[str] = Counter()
    for _day, _intent, action, kind, n in outcomes.result():
        verdicts[kind] += n if action == "auto_reply" and kind != "reopened" else 0
    return assemble(
        overall=overall, by_day=by_day, by_intent=by_intent, first=first, last=last, low_score=line, gaps=gaps, since=since, run_id=run_id, now=now,
        review=coverage(overall.actions["auto_reply"], verdicts.get("correct", 0), sum(verdicts.values())),
        replies=reply_sample(sampled, sample_reviews, sample_size),
        cited=cited_articles(Counter(counts), titles, citing, articles),
        thresholds=thresholds_explained(line, low_score is not None, policy, CLUSTER_SIMILARITY, COMMON_SHARE),
    )
