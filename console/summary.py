"""Summaries of a set of results: what the demo prints and the report builds on. Pure functions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def per(value: float | None, fmt: str) -> str:
    """A figure for people, "–" where there is none."""
    return "–" if value is None else fmt.format(value)


def duration(seconds: float | None) -> str:
    """A duration with its unit: ms below a second, s above."""
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def weighted_percentile(counts: Iterable[tuple[float, int]], q: float) -> float:
    """`percentile` of values given as (value, how many times): the same figure without expanding them."""
    xs = sorted((v, n) for v, n in counts if n > 0)
    total = sum(n for _v, n in xs)
    if not total:
        return 0.0
    pos = (total - 1) * q
    lo = int(pos)

    def at(i: int) -> float:
        seen = 0
        for v, n in xs:
            seen += n
            if i < seen:
                return v
        return xs[-1][0]

    return at(lo) + (at(min(lo + 1, total - 1)) - at(lo)) * (pos - lo)


def summarize(results: Sequence[dict[str, Any]], *, enqueued: int, wall_s: float) -> dict[str, Any]:
    """Counts per intent and action, resolution and escalation rates, reasons, latencies, throughput."""
    by_intent: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: Counter[str] = Counter()
    stage_times: dict[str, list[float]] = defaultdict(list)
    e2e: list[float] = []
    cost = 0.0
    actions: Counter[str] = Counter()
    for res in results:
        intent = (res.get("classification") or {}).get("intent", "unclassified")
        decision = res.get("decision") or {}
        action = decision.get("action", "escalate")
        actions[action] += 1
        by_intent[intent][action] += 1
        by_intent[intent]["count"] += 1
        reasons.update(decision.get("reasons", []))
        for stage, t in (res.get("timings") or {}).items():
            stage_times[stage].append(float(t))
        if res.get("completed_at") and res.get("enqueued_at"):
            e2e.append(float(res["completed_at"]) - float(res["enqueued_at"]))
        cost += sum(float(u.get("cost_usd", 0.0)) for u in res.get("usage") or [])
    completed = len(results)
    auto = actions["auto_reply"]
    escalated = actions["escalate"]
    return {
        "enqueued": enqueued,
        "completed": completed,
        "lost": max(enqueued - completed, 0),
        "auto_replied": auto,
        "drafted": actions["draft"],
        "escalated": escalated,
        "resolution_rate": round(auto / completed, 4) if completed else None,
        "escalation_rate": round(escalated / completed, 4) if completed else None,
        "escalation_reasons": dict(reasons.most_common()),
        "by_intent": {k: dict(v) for k, v in sorted(by_intent.items())},
        "stage_latency_s": {
            s: {"p50": round(percentile(v, 0.5), 4), "p95": round(percentile(v, 0.95), 4)} for s, v in sorted(stage_times.items())
        },
        "end_to_end_s": {"p50": round(percentile(e2e, 0.5), 3), "p95": round(percentile(e2e, 0.95), 3)},
        "tickets_per_s": round(completed / wall_s, 2) if wall_s > 0 and completed else None,
        "wall_s": round(wall_s, 2),
        "cost_usd": round(cost, 6),
        # No figure without data: nothing resolved has no cost per resolved ticket (None, shown "–"), not 0.
        "cost_per_ticket_usd": round(cost / completed, 6) if completed else None,
        "cost_per_resolved_usd": round(cost / auto, 6) if auto else None,
    }
