"""/metrics after Redis lost its counters: the cumulative series seeded from the archive, once, in SQL.

The fold (worker/metrics.py) counts what the results stream holds from its cursor on. When Redis
starts empty (flushed, lost) and an archive is configured, the results published before the stream's
first entry are counted from the archive instead, and added to the counters in one Lua step guarded
by a marker, so two API replicas scraping at once seed once. Retries by stage are not in the archive
(it keeps their total), so `stage_retries` starts again from the stream.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

import redis
from sqlalchemy import Engine, case, func, literal, select

from worker import clock, keys
from worker.archive.rows import STAGES, utc
from worker.archive.schema import result_reasons, result_usage, results
from worker.metrics import HISTOGRAMS, counters_key, cursor_key, series
from worker.state.outcomes import entry_time

# Seed only into empty counters, only once: counters and marker move together.
_SEED = """
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 1, #ARGV, 2 do
  redis.call('HINCRBYFLOAT', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('SET', KEYS[3], '1')
return 1
"""


def seeded_key(stream: str) -> str:
    """Set once the counters of `stream` were seeded from the archive."""
    return f"{keys.PREFIX}:metrics:seeded:{stream}"


def _histogram(out: dict[str, float], conn: Any, name: str, column: Any, before: Any, **labels: str) -> None:
    bounds = HISTOGRAMS[name]
    le = case(*[(column <= b, literal(str(b))) for b in bounds], else_=literal("+Inf"))
    q = select(le, func.count(), func.sum(column)).where(column.is_not(None), results.c.published_at < before).group_by(le)
    for bucket, n, total in conn.execute(q):
        out[series(f"{name}_bucket", le=str(bucket), **labels)] += int(n)
        out[series(f"{name}_sum", **labels)] += float(total or 0.0)
        out[series(f"{name}_count", **labels)] += int(n)


def archived_counters(engine: Engine, before: float) -> dict[str, float]:
    """The stream-derived series over results archived before `before` (epoch s), as counter-hash fields."""
    cut = utc(before)
    out: dict[str, float] = defaultdict(float)
    r = results.c
    with engine.connect() as conn:
        for intent, action, n in conn.execute(select(r.intent, r.action, func.count()).where(r.published_at < cut).group_by(r.intent, r.action)):
            out[series("tickets", intent=intent or "unclassified", outcome=action)] += int(n)
        rr = result_reasons.c
        q = select(rr.reason, func.count()).where(rr.action == "escalate", rr.published_at < cut).group_by(rr.reason)
        for reason, n in conn.execute(q):
            out[series("escalations", reason=reason)] += int(n)
        q = select(r.failure_stage, r.failure_reason, func.count()).where(r.failure_stage.is_not(None), r.published_at < cut).group_by(r.failure_stage, r.failure_reason)
        for stage, reason, n in conn.execute(q):
            out[series("stage_failures", stage=stage, reason=reason or "automation_failed")] += int(n)
        u = result_usage.c
        sums = [func.sum(u.input_tokens), func.sum(u.output_tokens), func.sum(u.cache_read_tokens), func.sum(u.cache_write_tokens), func.sum(u.cost_usd)]
        q = select(u.provider, u.model, *sums).select_from(result_usage.join(results, r.uid == u.uid)).where(r.published_at < cut).group_by(u.provider, u.model)
        for provider, model, *totals in conn.execute(q):
            who = {"provider": provider, "model": model}
            for kind, n in zip(("input", "output", "cache_read", "cache_write"), totals[:4], strict=True):
                if n:
                    out[series("model_tokens", kind=kind, **who)] += int(n)
            out[series("model_cost_usd", **who)] += float(totals[4] or 0.0)
        for stage in STAGES:
            _histogram(out, conn, "stage_seconds", r[f"{stage}_s"], cut, stage=stage)
        _histogram(out, conn, "time_to_answer_seconds", r.time_to_answer_s, cut)
    return out


def seed_counters(r: redis.Redis, engine: Engine, stream: str = keys.RESULTS_STREAM) -> bool:
    """Seed empty counters from the archive (results published before the stream's first entry); whether this call did."""
    if r.exists(seeded_key(stream)) or r.exists(cursor_key(stream)):
        return False
    first = cast(list[Any], r.xrange(stream, count=1))
    # Everything before the stream's first entry; with an empty stream, everything archived so far.
    before = entry_time(first[0][0].decode() if isinstance(first[0][0], bytes) else str(first[0][0])) if first else clock.now() + 1.0
    counts = archived_counters(engine, before)
    args: list[Any] = []
    for field, value in counts.items():
        args += [field, repr(float(value))]
    return bool(r.register_script(_SEED)(keys=[cursor_key(stream), counters_key(stream), seeded_key(stream)], args=args))
