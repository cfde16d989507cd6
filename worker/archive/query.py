"""What is read back from the archive, aggregated in the database: the report's groups, scores, gap candidates, one result.

Grouped queries return a few thousand rows whatever the number of results, so a report over a million
results costs a scan of the `results` table, not a million objects in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, Select, String, any_, bindparam, case, exists, func, select, true, union
from sqlalchemy.dialects.postgresql import ARRAY

from worker.archive.rows import to_result, utc
from worker.archive.schema import articles, reopens, result_citations, result_details, result_reasons, results, reviews
from worker.state.outcomes import Review

GAP_SAMPLE = 2000  # the newest gap questions the report clusters (clustering is quadratic in them)
GAP_WINDOWS_DAYS = (1, 7, 31)
BACKGROUND = 5000  # the newest questions a word's rarity is judged over (every question of a smaller period)


@dataclass(frozen=True)
class Group:
    """Results of one day, intent and action."""

    day: str
    intent: str
    action: str
    count: int
    cost_usd: float


def _day(v: Any) -> str:
    return v.isoformat() if isinstance(v, date) else str(v)


def _among(engine: Engine, col: Any, values: Sequence[str]) -> Any:
    """`col IN values`; on PostgreSQL `= ANY(array)`, one parameter however many values (a gap sample is thousands)."""
    if engine.dialect.name == "postgresql":
        return col == any_(bindparam(None, list(values), type_=ARRAY(String)))
    return col.in_(list(values))


def _where(q: Select[Any], since: float | None, run_id: str | None) -> Select[Any]:
    if since is not None:
        q = q.where(results.c.published_at >= utc(since))
    if run_id is not None:
        q = q.where(results.c.run_id == run_id)
    return q


def groups(engine: Engine, *, since: float | None = None, run_id: str | None = None) -> list[Group]:
    """Counts and spend by day, intent and action (one pass over `ix_results_report`)."""
    cols = (results.c.published_day, results.c.intent, results.c.action)
    q = select(*cols, func.count(), func.coalesce(func.sum(results.c.cost_usd), 0.0)).group_by(*cols)
    with engine.connect() as conn:
        rows = conn.execute(_where(q, since, run_id)).all()
    return [Group(_day(d), i or "unclassified", a, int(n), float(c)) for d, i, a, n, c in rows]


def wait_counts(engine: Engine, by: str, *, since: float | None = None, run_id: str | None = None) -> list[tuple[str, int, int]]:
    """Times to answer as (day or intent, bucket, count); `by` is `day` or `intent` (one pass over its index)."""
    key = results.c.published_day if by == "day" else results.c.intent
    q = select(key, results.c.wait_bucket, func.count()).where(results.c.wait_bucket.is_not(None)).group_by(key, results.c.wait_bucket)
    with engine.connect() as conn:
        rows = conn.execute(_where(q, since, run_id)).all()
    return [(_day(k) if by == "day" else (k or "unclassified"), int(b), int(n)) for k, b, n in rows]


def _of_each(engine: Engine, uid: Any, since: float | None, run_id: str | None) -> Any:
    """The selected result of each row of a small table (reviews, reopens), read by its primary key.

    On PostgreSQL a LATERAL join: the planner would otherwise hash the whole `results` table to join a
    few thousand rows. SQLite looks each up by key on its own.
    """
    cols = _where(select(results.c.published_day, results.c.intent, results.c.action).where(results.c.uid == uid), since, run_id)
    if engine.dialect.name == "postgresql":
        return cols.limit(1).lateral()  # LIMIT (one row a key anyway) keeps the planner from flattening it into a hash join
    return cols.add_columns(results.c.uid).subquery()


def outcome_counts(engine: Engine, *, since: float | None = None, run_id: str | None = None) -> list[tuple[str, str, str, str, int]]:
    """Reopened auto-replies and reviewed results by (day, intent, action, `reopened`|`correct`|`incorrect`), driven from the small tables."""
    out: list[tuple[str, str, str, str, int]] = []
    with engine.connect() as conn:
        for table, kind in ((reopens, None), (reviews, reviews.c.verdict)):
            of = _of_each(engine, table.c.uid, since, run_id)
            on = true() if engine.dialect.name == "postgresql" else of.c.uid == table.c.uid
            key = (of.c.published_day, of.c.intent, of.c.action, *([kind] if kind is not None else []))
            q = select(*key, func.count()).select_from(table.join(of, on)).group_by(*key)
            if kind is None:
                q = q.where(of.c.action == "auto_reply")
            for row in conn.execute(q):
                d, i, a, n = row[0], row[1], row[2], row[-1]
                out.append((_day(d), i or "unclassified", a, str(row[3]) if kind is not None else "reopened", int(n)))
    return out


def reason_counts(engine: Engine, *, since: float | None = None, run_id: str | None = None) -> list[tuple[str, str, str, int]]:
    """Escalated results by (day, intent, reason), from `ix_result_reasons_report` alone."""
    rr = result_reasons.c
    cols = (rr.published_day, rr.intent, rr.reason)
    q = select(*cols, func.count()).where(rr.action == "escalate")
    if since is not None:
        q = q.where(rr.published_at >= utc(since))
    if run_id is not None:
        q = q.where(rr.run_id == run_id)
    with engine.connect() as conn:
        rows = conn.execute(q.group_by(*cols)).all()
    return [(_day(d), i or "unclassified", r, int(n)) for d, i, r, n in rows]


def span(engine: Engine, *, since: float | None = None, run_id: str | None = None) -> tuple[float | None, float | None]:
    """When the first and the last selected result were published (epoch s)."""
    # Two queries: each reads one end of `ix_results_published_at` (min and max together would scan it).
    with engine.connect() as conn:
        first = conn.execute(_where(select(func.min(results.c.published_at)), since, run_id)).scalar()
        last = conn.execute(_where(select(func.max(results.c.published_at)), since, run_id)).scalar()
    return (_epoch(first), _epoch(last))


def _epoch(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, str):  # SQLite's min()/max() over a DATETIME column come back as text
        v = datetime.fromisoformat(v)
    return float((v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp())


def sent_score_quantile(engine: Engine, q: float, *, since: float | None = None, run_id: str | None = None) -> float | None:
    """The q-quantile (linear interpolation, as `percentile`) of the top retrieval scores of the replies the bot sent."""
    sent = _where(select(results.c.top_score).where(results.c.action == "auto_reply", results.c.top_score.is_not(None)), since, run_id)
    with engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(sent.subquery())).scalar_one())
        if not n:
            return None
        pos = (n - 1) * q
        lo = int(pos)
        # Two values read in order from `ix_results_sent_score`: exact, without fetching the scores.
        pair = [float(v) for v in conn.execute(sent.order_by(results.c.top_score).offset(lo).limit(2)).scalars()]
    hi = pair[1] if len(pair) > 1 else pair[0]
    return pair[0] + (hi - pair[0]) * (pos - lo)


def gap_candidates(
    engine: Engine, gap_reasons: Sequence[str], low_score: float | None, *, since: float | None = None, run_id: str | None = None,
    limit: int = GAP_SAMPLE, newest: float | None = None,
) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Review]]:
    """The newest results that may show a knowledge gap (at most `limit`), as (stream id, result), with their reviews.

    Looked for in growing windows back from `newest` (a day, a week, a month, all), so a month of a
    million results is not sorted to find the last day's two thousand.
    """
    picked: list[Any] = []
    for days in (*GAP_WINDOWS_DAYS, None):
        start = since if days is None or newest is None else max(since or 0.0, newest - days * 86400)
        picked = _gap_rows(engine, gap_reasons, low_score, since=start, run_id=run_id, limit=limit)
        if len(picked) >= limit or start == since:
            break
    return _gap_results(engine, picked)


def _gap_rows(engine: Engine, gap_reasons: Sequence[str], low_score: float | None, *, since: float | None, run_id: str | None, limit: int) -> list[Any]:
    # The candidates' uids and times first (reason rows carry both; weak matches read `ix_results_sent_score`),
    # the newest `limit` of them, then only those results: no join over the period's results.
    rr = result_reasons.c
    by_reason = select(rr.uid, rr.published_at).where(rr.reason.in_(list(gap_reasons)))
    if since is not None:
        by_reason = by_reason.where(rr.published_at >= utc(since))
    if run_id is not None:
        by_reason = by_reason.where(rr.run_id == run_id)
    pick = select(results.c.uid, results.c.published_at)
    why = [by_reason, _where(pick.join_from(reviews, results, results.c.uid == reviews.c.uid).where(reviews.c.verdict == "incorrect"), since, run_id)]
    if low_score is not None:
        # not auto-replied: drafted or escalated (an action is one of three), so the index range is read, not the table
        weak = pick.where(results.c.action.in_(("draft", "escalate")), results.c.top_score < low_score, results.c.intent.in_(("faq", "bug")))
        why.append(_where(weak, since, run_id))
    picks = union(*why).subquery()
    newest = [uid for uid, _at in _rows(engine, select(picks.c.uid, picks.c.published_at).order_by(picks.c.published_at.desc(), picks.c.uid.desc()).limit(limit))]
    cols = [results.c[c] for c in ("uid", "stream_id", "ticket_id", "source", "intent", "action", "top_score", "top_doc_id", "top_title")]
    return _rows(engine, select(*cols).where(_among(engine, results.c.uid, newest)).order_by(results.c.published_at.desc(), results.c.uid.desc())) if newest else []


def _rows(engine: Engine, q: Select[Any]) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(q).all())


def _gap_results(engine: Engine, picked: list[Any]) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Review]]:
    with engine.connect() as conn:
        d = result_details.c
        words = {u: (sub, msg, chunks) for u, sub, msg, chunks in conn.execute(select(d.uid, d.subject, d.message, d.chunks).where(_among(engine, d.uid, [r.uid for r in picked])))}
        rows = [(r, *words.get(r.uid, ("", "", None))) for r in picked]
        uids = [r.uid for r in picked]
        why: dict[str, list[str]] = {}
        for uid, reason in conn.execute(select(result_reasons.c.uid, result_reasons.c.reason).where(_among(engine, result_reasons.c.uid, uids))):
            why.setdefault(uid, []).append(reason)
        verdicts = {
            r.uid: Review(uid=r.uid, entry_id=r.entry_id, verdict=r.verdict, note=r.note, reviewer=r.reviewer, at=_epoch(r.reviewed_at) or 0.0)
            for r in conn.execute(select(reviews).where(_among(engine, reviews.c.uid, uids)))
        }
    entries = [
        (
            r.stream_id,
            {
                "ticket": {"id": r.ticket_id, "source": r.source, "subject": subject or "", "message": message or ""},
                "classification": {"intent": r.intent},
                "decision": {"action": r.action, "reasons": why.get(r.uid, [])},
                # in the retriever's order: the first is the nearest article
                "chunks": chunks or ([{"doc_id": r.top_doc_id, "title": r.top_title, "score": r.top_score}] if r.top_score is not None else []),
            },
        )
        for r, subject, message, chunks in reversed(rows)
    ]
    return entries, verdicts


def _whole(q: Select[Any]) -> Select[Any]:
    return q.select_from(results.outerjoin(result_details, result_details.c.uid == results.c.uid))


_WHOLE: tuple[Any, ...] = (results, *[c for c in result_details.c if c.name != "uid"])


def questions(engine: Engine, limit: int = BACKGROUND, *, since: float | None = None, run_id: str | None = None) -> list[dict[str, Any]]:
    """The subjects and messages of the newest `limit` selected results, as results (what the gap clustering weighs words against)."""
    q = select(results.c.source, results.c.ticket_id, result_details.c.subject, result_details.c.message).join_from(
        results, result_details, result_details.c.uid == results.c.uid
    )
    with engine.connect() as conn:
        rows = conn.execute(_where(q, since, run_id).order_by(results.c.published_at.desc()).limit(limit)).all()
    return [{"ticket": {"source": s, "id": t, "subject": subject or "", "message": message or ""}} for s, t, subject, message in rows]


def result_at(engine: Engine, stream_id: str) -> dict[str, Any] | None:
    """The archived result published as stream entry `stream_id` (what was kept of it), None when not archived."""
    with engine.connect() as conn:
        row = conn.execute(_whole(select(*_WHOLE)).where(results.c.stream_id == stream_id)).first()
        if row is None:
            return None
        reasons = list(conn.execute(select(result_reasons.c.reason).where(result_reasons.c.uid == row.uid)).scalars())
    return to_result(dict(row._mapping), reasons)


def results_of(engine: Engine, uids: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    """The archived results of `uids` as (stream id, result), oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(_whole(select(*_WHOLE)).where(_among(engine, results.c.uid, uids)).order_by(results.c.published_at, results.c.uid)).all()
        why: dict[str, list[str]] = {}
        for uid, reason in conn.execute(select(result_reasons.c.uid, result_reasons.c.reason).where(_among(engine, result_reasons.c.uid, uids))):
            why.setdefault(uid, []).append(reason)
    return [(row.stream_id, to_result(dict(row._mapping), why.get(row.uid, []))) for row in rows]


def reviews_of(engine: Engine, uids: Sequence[str]) -> dict[str, Review]:
    """The verdicts on `uids`."""
    with engine.connect() as conn:
        return {
            r.uid: Review(uid=r.uid, entry_id=r.entry_id, verdict=r.verdict, note=r.note, reviewer=r.reviewer, at=_epoch(r.reviewed_at) or 0.0)
            for r in conn.execute(select(reviews).where(_among(engine, reviews.c.uid, uids)))
        }


def sample_candidates(engine: Engine, n: int, *, since: float | None = None, run_id: str | None = None) -> list[str]:
    """The uids the report's reply sample is drawn from: the first `n` sent replies in the sample's order among those
    reviewed incorrect, reviewed correct and not reviewed (each read in `spread` order from `ix_results_sample`)."""
    sent = _where(select(results.c.uid).where(results.c.action == "auto_reply"), since, run_id)
    reviewed = sent.join_from(results, reviews, reviews.c.uid == results.c.uid)
    picks = [
        reviewed.where(reviews.c.verdict == "incorrect"),
        reviewed.where(reviews.c.verdict == "correct"),
        sent.where(~exists().where(reviews.c.uid == results.c.uid)),
    ]
    with engine.connect() as conn:
        return [uid for q in picks for uid in conn.execute(q.order_by(results.c.spread, results.c.uid).limit(n)).scalars()]


def citation_counts(engine: Engine, *, since: float | None = None, run_id: str | None = None) -> tuple[dict[str, int], dict[str, str], int]:
    """Sent replies per cited article, the titles the citations gave, and how many sent replies cite anything
    (one pass over `ix_result_citations_report`; the titles from `articles`)."""
    c = result_citations.c
    q = select(c.doc_id, func.count(), func.sum(case((c.position == 0, 1), else_=0))).where(c.action == "auto_reply")
    if since is not None:
        q = q.where(c.published_at >= utc(since))
    if run_id is not None:
        q = q.where(c.run_id == run_id)
    with engine.connect() as conn:
        rows = conn.execute(q.group_by(c.doc_id)).all()
        titles = dict(conn.execute(select(articles.c.doc_id, articles.c.title).where(articles.c.doc_id.in_([d for d, _n, _f in rows]))).all()) if rows else {}
    return {d: int(n) for d, n, _f in rows}, {d: str(titles.get(d) or "") for d, _n, _f in rows}, sum(int(f) for _d, _n, f in rows)


def count(engine: Engine) -> int:
    """How many results the archive holds."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(results)).scalar_one())
