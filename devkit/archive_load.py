"""Fill an archive with synthetic results, to measure the report over a month of traffic.

    python -m devkit.archive_load --results 1000000 --days 30   # into TICKETFLOW_DATABASE_URL (or --url)

Results are shaped like real ones (intents, actions and reasons in plausible shares, model calls,
stage timings, retrieved sections, one in a hundred reviewed, one in 150 reopened) and are turned into
rows by the archiver's own `to_rows`. The secondary indexes are dropped for the load and built once at
the end; on PostgreSQL the rows go in by COPY. A million take about 3 min into PostgreSQL, 4 into SQLite.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from sqlalchemy import Engine

from worker.archive import schema
from worker.archive.rows import Privacy, Rows, day, spread, to_rows, utc, wait_bucket
from worker.archive.schema import database_url, make_engine, migrate
from worker.archive.writer import write_reopens, write_reviews, write_titles
from worker.settings import load_settings
from worker.state.outcomes import Review

INTENTS = (("faq", 0.45), ("account", 0.2), ("billing", 0.15), ("bug", 0.15), ("escalate", 0.05))
REASONS = ("no_relevant_docs", "low_confidence", "billing_dispute", "bug_without_known_fix", "frustrated_customer", "sensitive_intent")
DOCS = ("reset-password", "billing-faq", "export-data", "two-factor", "cancel-plan", "api-limits", "invoices", "sso-setup")
WORDS = ["password", "reset", "invoice", "refund", "export", "csv", "login", "error", "billing", "plan", "upgrade", "cancel", "api", "limit", "token", "sso", "team", "seat"]


def synthetic_result(i: int, rng: random.Random, *, start: float, span_s: float) -> tuple[str, dict[str, Any]]:
    """One plausible published result and the stream id it would have had."""
    published = start + rng.random() * span_s
    intent = rng.choices([x for x, _ in INTENTS], [w for _, w in INTENTS])[0]
    roll = rng.random()
    action = "auto_reply" if intent in ("faq", "bug") and roll < 0.7 else ("draft" if roll < 0.8 else "escalate")
    reasons = rng.sample(REASONS, rng.randint(1, 2)) if action == "escalate" else []
    wait = rng.lognormvariate(0.5, 0.8)
    chunks = [{"doc_id": d, "title": d.replace("-", " ").title(), "section": "Steps", "text": "", "score": round(rng.random(), 4)} for d in rng.sample(DOCS, 3)]
    words = " ".join(rng.choices(WORDS, k=12))
    usage = [
        {"stage": "classify", "provider": "anthropic", "model": "claude-haiku-5-5", "input_tokens": 400, "output_tokens": 30, "cost_usd": 0.0005},
        {"stage": "generate", "provider": "anthropic", "model": "claude-sonnet-5-5", "input_tokens": 1500, "output_tokens": 180, "cost_usd": 0.0072},
    ]
    res = {
        "ticket": {"id": f"syn-{i}", "source": "api", "customer_id": f"c{i % 50_000}", "subject": words[:40], "message": f"Hello, {words}?"},
        "run_id": "synthetic",
        "classification": {"intent": intent, "urgency": rng.choice(("low", "medium", "high")), "confidence": round(rng.random(), 3)},
        "chunks": chunks,
        "draft": {"text": "Here is how.", "citations": [{"doc_id": chunks[0]["doc_id"], "title": chunks[0]["title"], "section": "Steps"}], "grounded": True},
        "decision": {"action": action, "reasons": reasons},
        "reply": "Here is how: open Settings, then Security." if action == "auto_reply" else None,
        "timings": {"classify": 0.4, "retrieve": 0.02, "generate": 1.1, "escalate": 0.003},
        "usage": usage,
        "attempts": {"classify": 1, "retrieve": 1, "generate": 1, "escalate": 1},
        "enqueued_at": published - wait,
        "completed_at": published,
    }
    return f"{int(published * 1000)}-{i % 1000}", res


def _copy(rows: Rows, i: int, rng: random.Random, start: float, span_s: float) -> Rows:
    """A template's rows as result `i`: its own ids, publication time and time to answer."""
    published = start + rng.random() * span_s
    wait = rng.lognormvariate(0.5, 0.8)
    uid = f"api:syn-{i}"
    result = {
        **rows.result, "uid": uid, "ticket_id": f"syn-{i}", "customer_id": f"c{i % 50_000}", "stream_id": f"{int(published * 1000)}-{i % 1000}",
        "published_at": utc(published), "published_day": day(published), "completed_at": utc(published), "enqueued_at": utc(published - wait),
        "time_to_answer_s": wait, "wait_bucket": wait_bucket(wait), "spread": spread(uid),
    }
    when = {"uid": uid, "published_at": result["published_at"], "published_day": result["published_day"]}
    return Rows(
        result=result, details={**rows.details, "uid": uid}, reasons=[{**x, **when} for x in rows.reasons], usage=[{**x, "uid": uid} for x in rows.usage],
        citations=[{**x, **when} for x in rows.citations],
    )


def _copy_postgres(engine: Engine, part: list[Rows]) -> None:
    """PostgreSQL's COPY: the same rows, written ten times faster than INSERTs."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # A fresh archive filled by this process only: skip the per-row foreign-key triggers (superuser; the
        # rows are consistent by construction) and wait for no WAL flush per batch.
        try:
            cur.execute("SET session_replication_role = replica")
        except Exception:  # noqa: BLE001 - not a superuser: the triggers stay, the load is slower
            raw.rollback()
        cur.execute("SET synchronous_commit = off")
        for table, rows in (
            (schema.results, [r.result for r in part]), (schema.result_details, [r.details for r in part]),
            (schema.result_reasons, [x for r in part for x in r.reasons]), (schema.result_usage, [x for r in part for x in r.usage]),
            (schema.result_citations, [x for r in part for x in r.citations]),
        ):
            cols = [c.name for c in table.columns]
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v for v in (row.get(c) for c in cols)])
        raw.commit()
    finally:
        raw.close()


def _index(engine: Engine, how: str) -> None:
    """Drop or create the secondary indexes of the tables a load fills (the same names the migrations give them)."""
    with engine.begin() as conn:
        for table in (schema.results, schema.result_reasons, schema.result_citations):
            for index in table.indexes:
                if how == "drop":
                    index.drop(conn)
                else:
                    index.create(conn)


def load(url: str, n: int, days: float, *, batch: int = 5000, seed: int = 19, templates: int = 2000) -> float:
    """Write `n` synthetic results over the last `days` into the archive at `url`; returns seconds taken.

    `templates` distinct results go through `to_rows`; the rest are copies with their own ids and
    times, so loading a million takes minutes, not an hour. A fresh archive is assumed (no conflicts).
    """
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(seed)
    span_s = days * 86400
    start = time.time() - span_s
    privacy = Privacy(message="keep", reply="keep")
    shapes = [to_rows(*synthetic_result(i, rng, start=start, span_s=span_s), privacy) for i in range(templates)]
    t0 = time.perf_counter()
    _index(engine, "drop")  # one sort per index at the end, not a million index insertions
    for lo in range(0, n, batch):
        part = [_copy(shapes[i % templates], i, rng, start, span_s) for i in range(lo, min(lo + batch, n))]
        if engine.dialect.name == "postgresql":
            _copy_postgres(engine, part)
            continue
        with engine.begin() as conn:
            conn.execute(schema.results.insert(), [r.result for r in part])
            conn.execute(schema.result_details.insert(), [r.details for r in part])
            if reasons := [x for r in part for x in r.reasons]:
                conn.execute(schema.result_reasons.insert(), reasons)
            conn.execute(schema.result_usage.insert(), [x for r in part for x in r.usage])
            if citations := [x for r in part for x in r.citations]:
                conn.execute(schema.result_citations.insert(), citations)
    # what people add later: a reviewer grades one result in a hundred, one customer in 150 reopens
    now = time.time()
    write_reviews(engine, [Review(uid=f"api:syn-{i}", entry_id=f"{i}-0", verdict="incorrect" if rng.random() < 0.2 else "correct", reviewer="lead", at=now)
                           for i in range(0, n, 100)])
    write_reopens(engine, {f"api:syn-{i}": now for i in range(7, n, 150)})
    with engine.begin() as conn:
        write_titles(conn, [s.titles for s in shapes])
    _index(engine, "create")
    schema.analyze(engine)
    return time.perf_counter() - t0


def main() -> None:
    """Command line: `python -m devkit.archive_load --results N --days D [--url URL]`."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--results", type=int, default=1_000_000)
    p.add_argument("--days", type=float, default=30)
    p.add_argument("--url", default=None, help="a SQLAlchemy URL; default TICKETFLOW_DATABASE_URL")
    args = p.parse_args()
    url = args.url or database_url(load_settings())
    if not url:
        raise SystemExit("set TICKETFLOW_DATABASE_URL or pass --url")
    secs = load(url, args.results, args.days)
    print(f"loaded {args.results} results in {secs:.1f}s ({args.results / secs:.0f}/s)")


if __name__ == "__main__":
    main()
