"""Writes to the archive, each safe to repeat: a result once per ticket, reviews and reopens upserted.

`write_results` inserts every `results` row with ON CONFLICT DO NOTHING on the ticket's uid and
RETURNING the uids it did insert; only those get their child rows, in the same transaction. A stream
entry delivered twice (a redelivery, an archiver that died before its acknowledgement, a backfill over
what was archived already) finds its row and adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from worker.archive import schema
from worker.archive.rows import Privacy, Rows, to_rows, utc
from worker.state.outcomes import Review

# SQLite caps bound parameters per statement (32,766); a results row has ~45 columns.
CHUNK = 500


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    if conn.dialect.name not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"the archive runs on PostgreSQL or SQLite, not {conn.dialect.name}")
    return dialect.insert(table)


def write_rows(engine: Engine, batch: Sequence[Rows]) -> int:
    """Insert the rows of results not archived yet; returns how many results were new."""
    new = 0
    with engine.begin() as conn:
        for i in range(0, len(batch), CHUNK):
            part = {rows.result["uid"]: rows for rows in batch[i : i + CHUNK]}  # one ticket twice in a batch: the first wins
            stmt = _insert(conn, schema.results).on_conflict_do_nothing(index_elements=["uid"]).returning(schema.results.c.uid)
            inserted = set(conn.execute(stmt, [r.result for r in part.values()]).scalars()) if part else set()
            # executemany with RETURNING yields the inserted rows only; a conflict returns nothing.
            details = [part[uid].details for uid in inserted]
            reasons = [x for uid in inserted for x in part[uid].reasons]
            usage = [x for uid in inserted for x in part[uid].usage]
            cites = [x for uid in inserted for x in part[uid].citations]
            if details:
                conn.execute(schema.result_details.insert(), details)
            if reasons:
                conn.execute(schema.result_reasons.insert(), reasons)
            if usage:
                conn.execute(schema.result_usage.insert(), usage)
            if cites:
                conn.execute(schema.result_citations.insert(), cites)
                write_titles(conn, [part[uid].titles for uid in inserted])
            new += len(inserted)
    return new


def write_titles(conn: Connection, found: Iterable[dict[str, str]]) -> None:
    """Record the articles cited, each with the first title that was not empty."""
    titles: dict[str, str] = {}
    for refs in found:
        for doc, title in refs.items():
            titles[doc] = titles.get(doc) or title
    if not titles:
        return
    stmt = _insert(conn, schema.articles)
    unnamed = schema.articles.c.title == ""
    conn.execute(stmt.on_conflict_do_update(index_elements=["doc_id"], set_={"title": stmt.excluded.title}, where=unnamed),
                 [{"doc_id": d, "title": t} for d, t in sorted(titles.items())])


def write_results(engine: Engine, entries: Iterable[tuple[str, dict[str, Any]]], privacy: Privacy) -> int:
    """Archive stream entries (id, result); returns how many tickets were new to the archive."""
    return write_rows(engine, [to_rows(eid, res, privacy) for eid, res in entries])


def write_reviews(engine: Engine, verdicts: Iterable[Review]) -> None:
    """Upsert reviewers' verdicts (the latest verdict wins, as in Redis)."""
    rows = [
        {"uid": v.uid, "entry_id": v.entry_id, "verdict": v.verdict, "note": v.note, "reviewer": v.reviewer, "reviewed_at": utc(v.at)}
        for v in verdicts
    ]
    if not rows:
        return
    with engine.begin() as conn:
        stmt = _insert(conn, schema.reviews)
        cols = {c: getattr(stmt.excluded, c) for c in ("entry_id", "verdict", "note", "reviewer", "reviewed_at")}
        conn.execute(stmt.on_conflict_do_update(index_elements=["uid"], set_=cols, where=schema.reviews.c.reviewed_at < stmt.excluded.reviewed_at), rows)


def write_reopens(engine: Engine, reopened: dict[str, float]) -> None:
    """Record reopened tickets (the first reopen's time is kept)."""
    rows = [{"uid": uid, "reopened_at": utc(at)} for uid, at in reopened.items()]
    if not rows:
        return
    with engine.begin() as conn:
        conn.execute(_insert(conn, schema.reopens).on_conflict_do_nothing(index_elements=["uid"]), rows)


def prune(engine: Engine, before: float) -> int:
    """Delete results published before `before` (epoch s) with their details, reasons, calls, citations, reviews and reopens; returns results deleted."""
    cutoff = utc(before)
    old = select(schema.results.c.uid).where(schema.results.c.published_at < cutoff)
    with engine.begin() as conn:
        for table in (schema.result_details, schema.result_reasons, schema.result_usage, schema.result_citations, schema.reviews, schema.reopens):
            conn.execute(delete(table).where(table.c.uid.in_(old)))
        return int(conn.execute(delete(schema.results).where(schema.results.c.published_at < cutoff)).rowcount or 0)
